/**
 * The sandbox's WeChat Pay (cloudPay / APIv2 semantics). The server routes `wx.wxPayApi` calls here, the
 * pay sheet calls `act`, and the control surface reads deliveries and trades and injects faults.
 * All state is in pay_* tables of the shared SQLite handle; all time is the SandboxClock's.
 */
import { V3_FAULTS } from './v3/errors';
import { V3_APIS } from './v3/routes';
import type Database from 'better-sqlite3';
import type { SandboxClock } from '../clock';
import { SandboxError } from '../errors';
import { SHIPPING_APIS } from '../shipping';
import { PayApiFailure, bizFail, type Fields } from './answers';
import { billText, downloadBill } from './bill';
import type { CallbackFault, CallbackFaultMode } from './callback-faults';
import { resolveConfig, type PayConfig } from './config';
import { APIV3_ENV, type PayCaller, type PayContext, type V3Events } from './context';
import {
  ApiFaults,
  canonicalFault,
  faultTargets,
  type FaultTarget,
  FAULT_DESCRIPTIONS,
  outcomeOf,
  realDelay,
  REFUND_RESULT,
  SLOW,
  slowProblem,
  TCB_ERRORS,
  type ApiFault,
  type FaultInput,
} from './faults';
import { platformRefundNo } from './ids';
import { TradeLifecycle } from './lifecycle';
import { Notifier, type DeliveryView, type NotificationStatus, type NotificationView } from './notify';
import { closeOrder, queryOrder, unifiedOrder } from './orders';
import { act, type PayerAction } from './payer';
import { PayRecords, type TradeFilter } from './records';
import { openRefund, queryRefund, refund } from './refunds';
import { createPaySchema } from './schema';
import { PlatformRefusal } from './validate';
import { tradeView, type TradeView } from './views';

export type { PayConfig } from './config';
export type { PayCaller } from './context';
export type { DeliveryView, NotificationView } from './notify';
export type { TradeView } from './views';
export type { ApiFault } from './faults';
export type { CallbackFault, CallbackFaultMode } from './callback-faults';

/**
 * What a pay call answers: WeChat Pay's own fields, a file (bills), or `platform`: the cloud's
 * `{ errcode, errmsg }` for a call it refuses before WeChat Pay sees it, which the SDK rejects with
 * that errcode (reference §1).
 */
export type PayAnswer =
  | { json: Record<string, unknown> }
  | { raw: Buffer; contentType: string }
  | { platform: { errcode: number; errmsg: string } };

export interface CallbackDelivery {
  kind: 'payment' | 'refund';
  envId: string;
  functionName: string;
  event: Record<string, unknown>;
}

export interface PayServiceOptions {
  sqlite: Database.Database;
  clock: SandboxClock;
  config?: Partial<PayConfig>;
  /** Invokes the named cloud function with the event; resolves with its return value, rejects if it
   *  threw or timed out. */
  deliver: (d: CallbackDelivery) => Promise<unknown>;
  /** What changed, as it changes (the dashboard's live feed): a trade, a notification, the faults. */
  onChange?: (kind: 'trade' | 'notification' | 'faults', outTradeNo?: string) => void;
}

/** The cloudPay APIs the backend serves (reference §2; profit sharing and downloadFundflow are not emulated). */
export const PAY_APIS = [
  'unifiedOrder',
  'queryOrder',
  'closeOrder',
  'refund',
  'queryRefund',
  'downloadBill',
] as const;

/** What an API fault can target and inject, for both pay APIs: the one list every chooser offers. */
export const FAULT_TARGETS: readonly FaultTarget[] = faultTargets(
  PAY_APIS,
  { apis: V3_APIS, errors: [...Object.keys(V3_FAULTS), 'TIMEOUT', SLOW] },
  SHIPPING_APIS,
);

export class PayService {
  private readonly ctx: PayContext;
  private readonly lifecycle: TradeLifecycle;
  private readonly apiFaults: ApiFaults;
  private readonly onChange: NonNullable<PayServiceOptions['onChange']>;

  constructor(opts: PayServiceOptions) {
    createPaySchema(opts.sqlite);
    const onChange = opts.onChange ?? (() => undefined);
    this.onChange = onChange;
    const records = new PayRecords(opts.sqlite, (outTradeNo) => onChange('trade', outTradeNo));
    const ctx = { config: resolveConfig(opts.config), clock: opts.clock, records } as PayContext;
    ctx.notifier = new Notifier(
      opts.sqlite,
      opts.clock,
      () => ctx.config,
      opts.deliver,
      (outTradeNo) => onChange('notification', outTradeNo),
    );
    this.ctx = ctx;
    this.apiFaults = new ApiFaults(opts.sqlite);
    this.lifecycle = new TradeLifecycle(ctx, this.apiFaults);
  }

  async call(apiName: string, requestData: Record<string, unknown>, caller: PayCaller): Promise<PayAnswer> {
    if (typeof requestData !== 'object' || requestData === null || Array.isArray(requestData)) {
      throw new SandboxError('INVALID_PARAM', 'requestData must be a JSON object');
    }
    // `refundResult` is a fault knob, not an API: a call by that name must not use its fault up.
    const fault = apiName === REFUND_RESULT ? undefined : this.apiFaults.take(apiName);
    if (fault) this.onChange('faults');
    if (fault?.error === SLOW) {
      const outcome = outcomeOf(() => this.dispatch(apiName, requestData, caller));
      await realDelay(fault.delayMs);
      return outcome();
    }
    if (fault && !fault.afterProcessing) return this.faulted(fault, requestData);
    const answer = this.dispatch(apiName, requestData, caller);
    if (fault) return this.faulted(fault, requestData);
    return answer;
  }

  async act(input: { package: string; openid: string; action: PayerAction }): Promise<{ errMsg: string }> {
    return act(this.ctx, this.lifecycle, input);
  }

  /** Every delivery attempt of callbacks, oldest first. */
  deliveries(filter?: {
    outTradeNo?: string;
    outRefundNo?: string;
    kind?: 'payment' | 'refund';
  }): DeliveryView[] {
    return this.ctx.notifier.deliveries(filter);
  }

  /** Callback notifications with their retry state (pending + nextAt, delivered, abandoned, held). */
  notifications(filter?: { outTradeNo?: string; status?: NotificationStatus }): NotificationView[] {
    return this.ctx.notifier.notifications(filter);
  }

  /** The same, waiting up to `waitMs` while none matches (see Notifier.waitFor). */
  waitForNotifications(
    filter: { outTradeNo?: string; status?: NotificationStatus },
    waitMs: number,
    gone: Promise<void>,
  ): Promise<NotificationView[]> {
    return this.ctx.notifier.waitFor(filter, waitMs, gone);
  }

  /** The next `count` calls of `api` (or `*`) fail with `error`, or answer `delayMs` late with `SLOW`
   *  (see faults.ts); api `refundResult` with `REFUNDCLOSE`/`CHANGE` decides how the next refunds end. */
  injectFault(f: FaultInput): ApiFault {
    const canonical = canonicalFault(FAULT_TARGETS, String(f.api ?? ''), String(f.error ?? ''));
    if ('problem' in canonical) throw new SandboxError('INVALID_PARAM', canonical.problem, 400);
    const problem = slowProblem({ ...f, ...canonical });
    if (problem) throw new SandboxError('INVALID_PARAM', problem, 400);
    const fault = this.apiFaults.add({ ...f, ...canonical });
    this.onChange('faults');
    return fault;
  }

  /** Takes one use of the oldest API fault armed for `api` (the shipping emulation's calls ask here). */
  takeFault(api: string): ApiFault | undefined {
    const fault = this.apiFaults.take(api);
    if (fault) this.onChange('faults');
    return fault;
  }

  faults(): { api: ApiFault[]; callbacks: CallbackFault[] } {
    return { api: this.apiFaults.list(), callbacks: this.ctx.notifier.faults.list() };
  }

  /** The day's bill of every merchant (type ALL), as downloadBill would give it; null on a day without trades. */
  billOf(dayStart: number): string | null {
    return billText(this.ctx, 'ALL', dayStart);
  }

  clearFaults(): void {
    this.apiFaults.clear();
    this.ctx.notifier.faults.clear();
    this.onChange('faults');
  }

  /** Drop / delay / duplicate / hold the next `count` callbacks (of one kind, or both). */
  injectCallbackFault(f: {
    kind?: 'payment' | 'refund';
    mode: CallbackFaultMode;
    count: number;
    delayMs?: number;
  }): CallbackFault {
    const fault = this.ctx.notifier.faults.add(f);
    this.onChange('faults');
    return fault;
  }

  /** Sends held callbacks now; `reverse` delivers the newest first. Returns how many were released. */
  releaseHeldCallbacks(order: 'fifo' | 'reverse' = 'fifo'): number {
    return this.ctx.notifier.releaseHeld(order);
  }

  /** Sends one notification again now (like the merchant platform's re-send). */
  resendCallback(notificationId: number): boolean {
    return this.ctx.notifier.resend(notificationId);
  }

  /**
   * A refund the merchant makes by hand on the merchant platform, not through the API: the API's
   * refund rules and lifecycle (PROCESSING, then settled on the clock), a refund number WeChat makes
   * up (`REF…`), and a notification only where one is configured: an APIv3 merchant's platform refund URL
   * (wechatpay-apiv3-reference §3.1). A cloudPay refund is told to the function its request named,
   * and this one had no request. `refundFee` defaults to what is left of the payment.
   */
  merchantRefund(input: { outTradeNo: string; subMchId?: string; refundFee?: number; reason?: string }): {
    outRefundNo: string;
    refundId: string;
    refundFee: number;
    status: string;
  } {
    const trades = this.ctx.records.trades({ outTradeNo: input.outTradeNo, subMchId: input.subMchId });
    if (!trades.length) throw new SandboxError('NOT_FOUND', `no trade ${input.outTradeNo}`, 404);
    if (trades.length > 1) {
      throw new SandboxError(
        'INVALID_PARAM',
        `trade ${input.outTradeNo} is several merchants': give subMchId`,
        400,
      );
    }
    const [trade] = trades;
    const v3Url = trade.env_id === APIV3_ENV ? this.ctx.v3Events?.platformRefundUrl() : undefined;
    try {
      const { created } = openRefund(this.ctx, trade, {
        outRefundNo: platformRefundNo(trade.transaction_id ?? ''),
        totalFee: trade.total_fee,
        refundFee: input.refundFee ?? trade.total_fee - trade.refunded_fee,
        refundDesc: input.reason ?? null,
        account: 'REFUND_SOURCE_UNSETTLED_FUNDS',
        envId: v3Url ? APIV3_ENV : null,
        functionName: v3Url || null,
      });
      if (!created) throw new SandboxError('INTERNAL', 'the refund was not created', 500);
      this.lifecycle.armRefund(created);
      return {
        outRefundNo: created.out_refund_no,
        refundId: created.refund_id,
        refundFee: created.refund_fee,
        status: created.status,
      };
    } catch (err) {
      // WeChat's refusal (not paid, nothing left, too soon, …), as the merchant platform shows it.
      if (err instanceof PayApiFailure) {
        throw new SandboxError(
          'REFUND_REFUSED',
          String(err.fields.err_code_des ?? err.fields.return_msg),
          409,
        );
      }
      throw err;
    }
  }

  trades(filter?: TradeFilter): TradeView[] {
    const { records } = this.ctx;
    return records
      .trades(filter)
      .map((t) =>
        tradeView(
          t,
          records.prepaysOf(t.sub_mch_id, t.out_trade_no),
          records.refundsOf(t.sub_mch_id, t.out_trade_no),
        ),
      );
  }

  config(): PayConfig {
    return { ...this.ctx.config };
  }

  /** Changes knobs at runtime (e.g. an UNCONFIRMED behaviour for one test). */
  configure(patch: Partial<PayConfig>): PayConfig {
    this.ctx.config = { ...this.ctx.config, ...patch };
    return this.config();
  }

  /** The APIv3 emulation (sandbox/pay/v3) shares the trade store, clock, lifecycle and notifier. */
  attachV3(events: V3Events): { ctx: PayContext; lifecycle: TradeLifecycle } {
    this.ctx.v3Events = events;
    this.ctx.notifier.v3Retries = () => events.retries();
    return { ctx: this.ctx, lifecycle: this.lifecycle };
  }

  /**
   * Resolves once no callback delivery is in flight, nor the handler of one WeChat stopped waiting
   * for (an APIv3 notification not answered within notifyTimeoutMs goes on in its function: on a
   * loaded machine its hook is still running when the delivery has already failed).
   */
  async settle(): Promise<void> {
    do await this.ctx.notifier.settle();
    while (await this.ctx.v3Events?.settleLate());
  }

  start(): void {
    this.lifecycle.start();
    this.ctx.notifier.start();
  }

  close(): void {
    this.lifecycle.close();
    this.ctx.notifier.close();
  }

  private dispatch(apiName: string, req: Record<string, unknown>, caller: PayCaller): PayAnswer {
    try {
      const { openapi } = caller;
      if (this.ctx.config.cloudPayNeedsPermission && openapi && !openapi().includes(`cloudPay.${apiName}`)) {
        // Reference §2 (UNCONFIRMED): config.json's permissions.openapi must list cloudPay.<api>.
        throw new PlatformRefusal(-604101, 'function has no permission to call this API');
      }
      switch (apiName) {
        case 'unifiedOrder':
          return { json: unifiedOrder(this.ctx, req, caller) };
        case 'queryOrder':
          return { json: queryOrder(this.ctx, req) };
        case 'closeOrder':
          return { json: closeOrder(this.ctx, req) };
        case 'refund': {
          const { answer, created } = refund(this.ctx, req);
          if (created) this.lifecycle.armRefund(created);
          return { json: answer };
        }
        case 'queryRefund':
          return { json: queryRefund(this.ctx, req) };
        case 'downloadBill':
          return downloadBill(this.ctx, req);
        default:
          // Reference §1/§9: the proxy forwards any name; the platform refuses unknown ones with
          // -604100, API not found.
          throw new PlatformRefusal(-604100, `api ${apiName} not found`);
      }
    } catch (err) {
      if (err instanceof PayApiFailure) return { json: err.fields };
      if (err instanceof PlatformRefusal) return { platform: { errcode: err.errcode, errmsg: err.errmsg } };
      throw err;
    }
  }

  private async faulted(fault: ApiFault, req: Record<string, unknown>): Promise<PayAnswer> {
    if (fault.error === 'TIMEOUT') {
      await realDelay(this.ctx.config.timeoutFaultDelayMs);
      throw new SandboxError('SERVER_TIMEOUT', 'request timeout');
    }
    if (TCB_ERRORS.includes(fault.error))
      throw new SandboxError(fault.error, `injected fault: ${fault.error}`);
    if (fault.error === 'RETURN_FAIL') return { json: { return_code: 'FAIL', return_msg: 'SYSTEMERROR' } };
    const subMchId = typeof req.sub_mch_id === 'string' ? req.sub_mch_id : '';
    const answer: Fields = bizFail(
      this.ctx.config,
      { subMchId },
      fault.error,
      FAULT_DESCRIPTIONS[fault.error] ?? fault.error,
    ).fields;
    return { json: answer };
  }
}
