/**
 * Driving the kit's cloud functions in a sandbox as its users would (node-environment suites).
 */
import type { PaykitResponse } from '../../typings/paykit/errors';
import type { PaykitFunctionName, PaykitFunctions, PaymentParams } from '../../typings/paykit/functions';
import { SUB_MCH_ID } from './constants';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { callAs, eventually, get, post, readDoc, seed } from './control';
import { ROOT, startSandboxProcess, type SandboxProcess } from './sandbox';

/** The pay provider the kit's functions run on in this jest project (test/setup-apiv3.ts). */
export const PROVIDER: 'cloudpay' | 'apiv3' =
  process.env.PAYKIT_TEST_PROVIDER === 'apiv3' ? 'apiv3' : 'cloudpay';

/** `--provider` for a sandbox whose kit functions pay through PROVIDER. */
export const providerArgs = (): string[] => ['--provider', PROVIDER];

/** A cloudPay fault's counterpart on PROVIDER: the API and the error WeChat answers with there. */
export function providerFault(api: string, error: string): { api: string; error: string } {
  if (PROVIDER === 'cloudpay') return { api, error };
  const apis: Record<string, string> = {
    unifiedOrder: 'v3.jsapi',
    queryOrder: 'v3.queryOrder',
    closeOrder: 'v3.closeOrder',
    refund: 'v3.refund',
    queryRefund: 'v3.queryRefund',
    downloadBill: 'v3.tradebill',
  };
  const errors: Record<string, string> = {
    SYS_ERR: 'SYSTEM_ERROR',
    SYSTEMERROR: 'SYSTEM_ERROR',
    EXCEED_REQUEST_LIMIT: 'FREQUENCY_LIMITED',
    NOTENOUGH: 'NOT_ENOUGH',
    NOAUTH: 'NO_AUTH',
  };
  return { api: apis[api] ?? api, error: errors[error] ?? error };
}

export class KitClient {
  constructor(readonly base: string) {}

  /** Calls a kit function as `openid` and returns its PaykitResponse. */
  call<K extends PaykitFunctionName>(
    openid: string,
    name: K,
    request: PaykitFunctions[K]['request'] | Record<string, unknown>,
  ): Promise<PaykitResponse<PaykitFunctions[K]['result']>> {
    return callAs(this.base, openid, name, request);
  }

  /** Like call, but fails the test unless the answer is ok. */
  async ok<K extends PaykitFunctionName>(
    openid: string,
    name: K,
    request: PaykitFunctions[K]['request'] | Record<string, unknown>,
  ): Promise<PaykitFunctions[K]['result']> {
    const res = await this.call(openid, name, request);
    if (!res.ok) throw new Error(`${name} answered ${res.code}: ${res.message}`);
    return res.data;
  }

  /**
   * The payer acts on the payment sheet: with the package alone (cloudPay), or with the whole
   * parameter set as wx.requestPayment gets it (APIv3: the sandbox checks the RSA paySign).
   */
  pay(openid: string, payment: string | PaymentParams, action = 'pay'): Promise<{ errMsg: string }> {
    const params = typeof payment === 'string' ? { package: payment } : payment;
    return post(`${this.base}/gateway/pay`, { ...params, openid, action });
  }

  clock(action: string, extra: Record<string, unknown> = {}): Promise<{ now: number }> {
    return post(`${this.base}/sandbox/clock`, { action, ...extra });
  }

  settle(): Promise<unknown> {
    return post(`${this.base}/sandbox/pay/settle`, {});
  }

  /** Waits until no timer invocation runs (those a move of the clock fired: the sweep, the reconcile). */
  settleTimers(): Promise<unknown> {
    return post(`${this.base}/sandbox/triggers/settle`, {});
  }

  /**
   * Moves the clock (`advance` by `ms`, `set` to `at`) and waits for what the move set off: the timer
   * runs that fell due and the callbacks sent meanwhile, as a person waits for the shop to catch up.
   * A test going on at once races them: a sweep still running when the clock next jumps past its
   * hook lease has the hook run twice; a second sweep runs beside the first.
   */
  async moveClock(
    action: 'advance' | 'set',
    extra: { ms: number } | { at: number },
  ): Promise<{ now: number }> {
    const moved = await this.clock(action, extra);
    await this.settleTimers();
    await this.settle();
    return moved;
  }

  /**
   * How many sweeps (closeExpiredOrders runs) there were, and the WeChat Pay calls they made: on
   * cloudPay from the function log's cloud API counts; on APIv3, which pays over HTTPS rather than
   * the cloud API, from the sandbox's request counts of the query and close APIs.
   */
  async sweepPayCalls(): Promise<{ sweeps: number; payCalls: number }> {
    const { logs } = await get<{ logs: Array<{ calls: { pay: number } }> }>(
      `${this.base}/sandbox/logs?name=closeExpiredOrders&limit=1000`,
    );
    if (PROVIDER === 'cloudpay') {
      return { sweeps: logs.length, payCalls: logs.reduce((sum, l) => sum + l.calls.pay, 0) };
    }
    const { requests } = await get<{ requests: Record<string, number> }>(`${this.base}/sandbox/v3/requests`);
    return {
      sweeps: logs.length,
      payCalls: (requests['v3.queryOrder'] ?? 0) + (requests['v3.closeOrder'] ?? 0),
    };
  }

  /** Ends every idle instance of function `name`: its next call starts a new one (cold, its caches empty). */
  async freshInstances(name: string): Promise<void> {
    const kill = () =>
      post<{ killed: unknown[] }>(`${this.base}/sandbox/functions/kill`, { name, mode: 'idle' });
    while ((await kill()).killed.length);
  }

  order<T = Record<string, unknown>>(orderNo: string): Promise<T | null> {
    return readDoc<T>(this.base, 'paykit_orders', orderNo);
  }

  /**
   * The payer pays a placed order and WeChat's notification is handled (settle waits for its
   * function, however late); fails unless the kit then has the order as SUCCESS.
   */
  async payAndConfirm<T extends { orderNo: string; payment: PaymentParams }>(
    openid: string,
    placed: T,
  ): Promise<T> {
    const { errMsg } = await this.pay(openid, placed.payment);
    if (errMsg !== 'requestPayment:ok') throw new Error(`paying ${placed.orderNo} answered ${errMsg}`);
    await this.settle();
    const status = (await this.order(placed.orderNo))?.status;
    if (status !== 'SUCCESS')
      throw new Error(`${placed.orderNo} is ${status} once its notification was handled`);
    return placed;
  }

  /** Waits until the stored order has `status`. */
  orderReaches(orderNo: string, status: string, ms = 5000): Promise<Record<string, unknown>> {
    return eventually(
      async () => {
        const doc = await this.order(orderNo);
        return doc?.status === status ? doc : undefined;
      },
      ms,
      `order ${orderNo} to be ${status}`,
    );
  }

  async trade(outTradeNo: string): Promise<{ state: string } | undefined> {
    const { trades } = await get<{ trades: Array<{ state: string }> }>(
      `${this.base}/sandbox/pay/trades?outTradeNo=${encodeURIComponent(outTradeNo)}`,
    );
    return trades[0];
  }
}

/** `--fn-env` that sets the kit's functions up as a merchant would: the sub-merchant, `admin` as the one admin, and `extra` (NAME=value). */
export function merchantArgs(admin: string, extra: string[] = []): string[] {
  return [
    '--fn-env',
    [`PAYKIT_SUB_MCH_ID=${SUB_MCH_ID}`, `PAYKIT_ADMIN_OPENIDS=${admin}`, ...extra].join(','),
  ];
}

/**
 * The kit's built functions (dist/cloudfunctions) as a merchant deploys them after setting another
 * config.json `timeout` (seconds) for some: a copy in a fresh folder, for `--functions`.
 */
export function functionsWithTimeouts(timeouts: Record<string, number>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-merchant-fns-'));
  fs.cpSync(path.join(ROOT, 'dist/cloudfunctions'), dir, { recursive: true });
  for (const [name, timeout] of Object.entries(timeouts)) {
    const file = path.join(dir, name, 'config.json');
    const config = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(file, JSON.stringify({ ...config, timeout }, null, 2));
  }
  return dir;
}

/**
 * A sandbox for one test file with the kit set up for `admin` (merchantArgs), one product on sale
 * (latte, 2800 fen) and, unless told otherwise, a frozen clock; `functions`: another folder of built
 * functions (functionsWithTimeouts).
 */
export async function startKitSandbox(
  admin: string,
  opts: { freeze?: boolean; functions?: string } = {},
): Promise<{ sandbox: SandboxProcess; kit: KitClient }> {
  const functions = opts.functions ? ['--functions', opts.functions] : [];
  const sandbox = await startSandboxProcess({
    args: [...merchantArgs(admin), ...providerArgs(), ...functions],
  });
  const kit = new KitClient(sandbox.url);
  await seed(sandbox.url, { paykit_products: [{ _id: 'latte', name: '拿铁', price: 2800, active: true }] });
  if (opts.freeze !== false) await kit.clock('freeze');
  return { sandbox, kit };
}
