/**
 * API faults on demand: the next N calls of an API (or `*`) fail, or answer late. The APIs are WeChat
 * Pay's, and the order-shipping cloud calls (`shipping.<api>`, SLOW only). `error` is
 * - `SLOW`: the call is carried out at once and answered correctly, `delayMs` of real time later (WeChat
 *   answering in several seconds); a caller that stops waiting meanwhile finds it done;
 * - `TIMEOUT`: the call fails at the platform like a timed-out request (tcb SERVER_TIMEOUT → -501002);
 *   with `afterProcessing` the request was carried out before the answer was lost, as real timeouts can be;
 * - a tcb error name (`SYS_ERR`, `EXCEED_REQUEST_LIMIT`, …): platform rejection with that code;
 * - `RETURN_FAIL`: return_code FAIL (communication failure, return_msg `SYSTEMERROR`);
 * - anything else (`SYSTEMERROR`, `BIZERR_NEED_RETRY`, `FREQUENCY_LIMITED`, `NOTENOUGH`, …): result_code FAIL
 *   with that err_code.
 */
import type Database from 'better-sqlite3';
import { statement } from '../cloud/statements';

export interface ApiFault {
  id: number;
  api: string;
  remaining: number;
  error: string;
  afterProcessing: boolean;
  /** Real ms a `SLOW` fault holds the answer; 0 for every other error. */
  delayMs: number;
}

interface Row {
  id: number;
  api: string;
  remaining: number;
  error: string;
  after_processing: number;
  delay_ms: number;
}

/** Not an API: decides how the next refunds end (`REFUNDCLOSE` / `CHANGE`). */
export const REFUND_RESULT = 'refundResult';

/** The order-shipping cloud calls' fault names: `shipping.uploadShippingInfo` for `wxa.sec.order.uploadShippingInfo`. */
export const SHIPPING_FAULT_PREFIX = 'shipping.';

export const TCB_ERRORS: readonly string[] = [
  'SYS_ERR',
  'SERVER_TIMEOUT',
  'EXCEED_REQUEST_LIMIT',
  'EXCEED_CONCURRENT_REQUEST_LIMIT',
  'INVALIID_ENV',
  'INVALID_COMMON_PARAM',
  'INVALID_PARAM',
  'INVALID_REQUEST_SOURCE',
  'RESOURCE_NOT_INITIAL',
];

/** The err_codes of result_code FAIL answers the reference lists for the cloudPay APIs (§5, §8, §11.5). */
export const BUSINESS_ERRORS: readonly string[] = [
  'SYSTEMERROR',
  'BIZERR_NEED_RETRY',
  'FREQUENCY_LIMITED',
  'INVALID_REQ_TOO_MUCH',
  'NOTENOUGH',
  'NOAUTH',
  'USER_ACCOUNT_ABNORMAL',
  'INVALID_REQUEST',
  'ORDERPAID',
  'ORDERCLOSED',
  'ORDERNOTEXIST',
  'REFUNDNOTEXIST',
  'TRADE_OVERDUE',
  'ERROR',
  'INVALID_TRANSACTIONID',
  'PARAM_ERROR',
  'APPID_NOT_EXIST',
  'MCHID_NOT_EXIST',
  'APPID_MCHID_NOT_MATCH',
  'LACK_PARAMS',
  'OUT_TRADE_NO_USED',
  'SIGNERROR',
];

/** How the next refunds can end instead of SUCCESS (api `refundResult`). */
export const REFUND_RESULTS: readonly string[] = ['REFUNDCLOSE', 'CHANGE'];

/** The fault that answers correctly, only late. */
export const SLOW = 'SLOW';

/** The longest a `SLOW` fault may hold an answer: longer than any function waits (60 s for the timers). */
export const MAX_SLOW_MS = 60_000;

/** Every error an API fault can inject. */
export const FAULT_ERRORS: readonly string[] = [
  'TIMEOUT',
  'RETURN_FAIL',
  ...TCB_ERRORS,
  ...BUSINESS_ERRORS,
  SLOW,
];

/** One API a fault can target, with the errors it takes: the choices offered anywhere (CLI, dashboard). */
export interface FaultTarget {
  api: string;
  /** `*` strikes every pay API call; `refundResult` is the refund outcome knob, not a call. */
  family: 'any' | 'cloudpay' | 'apiv3' | 'shipping' | 'refundResult';
  errors: readonly string[];
}

/**
 * Every valid target: `*`, the cloudPay APIs, the APIv3 APIs, the shipping calls (answering late is
 * their one fault: WeChat's refusals are the emulation's own), then `refundResult`.
 */
export function faultTargets(
  apis: readonly string[],
  v3: { apis: readonly string[]; errors: readonly string[] },
  shippingApis: readonly string[],
): FaultTarget[] {
  return [
    { api: '*', family: 'any', errors: FAULT_ERRORS },
    ...apis.map((api) => ({ api, family: 'cloudpay' as const, errors: FAULT_ERRORS })),
    ...v3.apis.map((api) => ({ api, family: 'apiv3' as const, errors: v3.errors })),
    ...shippingApis.map((api) => ({
      api: `${SHIPPING_FAULT_PREFIX}${api}`,
      family: 'shipping' as const,
      errors: [SLOW],
    })),
    { api: REFUND_RESULT, family: 'refundResult', errors: REFUND_RESULTS },
  ];
}

/**
 * The fault's api and error in their canonical spelling (matched without regard to case, so
 * `queryorder timeout` is `queryOrder TIMEOUT`), or the reason it names none, listing the valid ones.
 */
export function canonicalFault(
  targets: readonly FaultTarget[],
  api: string,
  error: string,
): { api: string; error: string } | { problem: string } {
  const target = targets.find((t) => t.api.toLowerCase() === api.toLowerCase());
  if (!target) {
    const names = targets.map((t) => t.api).join(', ');
    return { problem: `unknown api ${JSON.stringify(api)}; use one of ${names}` };
  }
  const found = target.errors.find((e) => e === error.toUpperCase());
  if (!found) {
    return {
      problem: `unknown error ${JSON.stringify(error)} for ${target.api}; use one of ${target.errors.join(', ')}`,
    };
  }
  return { api: target.api, error: found };
}

/**
 * Why a fault's delay does not fit its error, or undefined when it does: `SLOW` needs a whole
 * number of ms from 1 to MAX_SLOW_MS and is always carried out (no `afterProcessing`); no other
 * error takes a delay (a TIMEOUT's wait is the `timeoutFaultDelayMs` setting).
 */
export function slowProblem(f: {
  error: string;
  afterProcessing?: boolean;
  delayMs?: number;
}): string | undefined {
  if (f.error !== SLOW) {
    return f.delayMs === undefined ? undefined : `delayMs applies to ${SLOW}, not ${f.error}`;
  }
  const ms = f.delayMs;
  if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || ms < 1 || ms > MAX_SLOW_MS) {
    return `${SLOW} needs delayMs, a whole number of ms from 1 to ${MAX_SLOW_MS}; got ${JSON.stringify(ms)}`;
  }
  if (f.afterProcessing === true)
    return `${SLOW} always carries the request out before it answers; afterProcessing does not apply`;
  return undefined;
}

/** Real time passing, not the sandbox clock (which tests move): what a late answer or a timeout waits. */
export function realDelay(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

/**
 * Runs `run` now and gives its outcome later: the thunk returns its result or throws its error. What
 * a `SLOW` fault answers: the request carried out at once, its answer, a refusal as much as a
 * success, given `delayMs` later.
 */
export function outcomeOf<T>(run: () => T): () => T {
  try {
    const result = run();
    return () => result;
  } catch (err) {
    return () => {
      throw err;
    };
  }
}

/** err_code_des used when a fault names a business error. */
export const FAULT_DESCRIPTIONS: Record<string, string> = {
  SYSTEMERROR: '系统超时，请稍后再试',
  BIZERR_NEED_RETRY: '退款业务流程错误，需要商户触发重试来解决',
  FREQUENCY_LIMITED: '频率限制',
  INVALID_REQ_TOO_MUCH: '无效请求过多',
  NOTENOUGH: '基本账户余额不足，请充值后重新发起',
  NOAUTH: '商户无此接口权限',
  USER_ACCOUNT_ABNORMAL: '退款请求失败',
};

/** Databases whose pay_faults is known to hold no fault with uses left: the call path then reads nothing
 *  (every pay API call and callback asks). Per database, since more than one ApiFaults share the table. */
const noApiFaults = new WeakSet<Database.Database>();

/** A fault as asked for: the next `count` calls of `api` fail with `error` (or answer late). */
export interface FaultInput {
  api: string;
  count: number;
  error: string;
  afterProcessing?: boolean;
  delayMs?: number;
}

export class ApiFaults {
  constructor(private readonly db: Database.Database) {}

  add(f: FaultInput): ApiFault {
    if (typeof f.api !== 'string' || !f.api) throw new RangeError('api is required ("*" for every API)');
    if (!Number.isInteger(f.count) || f.count < 1) throw new RangeError('count must be a positive integer');
    if (typeof f.error !== 'string' || !f.error) throw new RangeError('error is required');
    const problem = slowProblem(f);
    if (problem) throw new RangeError(problem);
    const afterProcessing = f.afterProcessing === true;
    const delayMs = f.delayMs ?? 0;
    const id = Number(
      statement(
        this.db,
        'INSERT INTO pay_faults (api, remaining, error, after_processing, delay_ms) VALUES (?, ?, ?, ?, ?)',
      ).run(f.api, f.count, f.error, afterProcessing ? 1 : 0, delayMs).lastInsertRowid,
    );
    noApiFaults.delete(this.db);
    return { id, api: f.api, remaining: f.count, error: f.error, afterProcessing, delayMs };
  }

  list(): ApiFault[] {
    const rows = statement(
      this.db,
      'SELECT * FROM pay_faults WHERE remaining > 0 ORDER BY id',
    ).all() as Row[];
    if (rows.length) noApiFaults.delete(this.db);
    else noApiFaults.add(this.db);
    return rows.map((r) => ({
      id: r.id,
      api: r.api,
      remaining: r.remaining,
      error: r.error,
      afterProcessing: r.after_processing === 1,
      delayMs: r.delay_ms,
    }));
  }

  clear(): void {
    statement(this.db, 'DELETE FROM pay_faults').run();
    noApiFaults.delete(this.db);
  }

  /** Consumes one use of the oldest fault for `api`. `*` stands for every pay API call, not for the
   *  `refundResult` outcome knob (a refund settling on the clock must not use up a fault meant for calls)
   *  nor for a shipping call (whose one fault is SLOW). */
  take(api: string): ApiFault | undefined {
    if (noApiFaults.has(this.db)) return undefined;
    const wildcard = api !== REFUND_RESULT && !api.startsWith(SHIPPING_FAULT_PREFIX);
    const fault = this.list().find((f) => f.api === api || (wildcard && f.api === '*'));
    if (!fault) return undefined;
    statement(this.db, 'UPDATE pay_faults SET remaining = remaining - 1 WHERE id = ?').run(fault.id);
    return fault;
  }
}
