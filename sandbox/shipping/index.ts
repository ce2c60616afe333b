/**
 * The sandbox's WeChat order-shipping management (发货信息管理服务), wechat-shipping-reference.md.
 *
 * THE CONTRACT (what the kit relies on):
 * - Cloud calls, through the real wx-server-sdk (`wx.openApi` on /admin, protobuf as the SDK sends it):
 *   `cloud.openapi.wxa.sec.order.{uploadShippingInfo, getOrder, getOrderList, notifyConfirmReceive,
 *   setMsgJumpPath, isTradeManaged}` (camelCase by default, or `cloud.openapi({ convertCase: false })`).
 *   Refusals throw the SDK's CloudSDKError with `errCode` = WeChat's errcode (10060001, 10060023, 48001,
 *   …) and `errMsg` `openapi.wxa.sec.order.<api>:fail <message> rid: …`. The calling function's
 *   config.json must list each API in `permissions.openapi`, else errCode -604101 (setting
 *   `requirePermissions`). `isTradeManagementConfirmationCompleted` is not a cloud call (§2.2): -604100.
 * - Orders are the paid trades of the sandbox's WeChat Pay (cloudPay and APIv3). Key: transaction_id
 *   (order_number_type 2), or mchid + out_trade_no (type 1; cloudPay's mchid is the sub-merchant).
 *   The payer is the trade's openid under the mini-program. WeChat does not know a payment for
 *   `unknownWindowMs` (60 s) after it: 10060001. get_order: `order_state` 1 待发货, 2 已发货,
 *   3 确认收货, 4 交易完成, 5 已退款 (a full refund); `shipping` appears after the first upload.
 * - Rules: split (delivery_mode 2) express only, ≤ 15 packages, `is_all_delivered` required; unified
 *   exactly one item; express needs tracking_no + express_company, SF a masked contact; one
 *   re-shipment (the third accepted upload is 10060003); identical content 10060023; each upload_time
 *   (RFC 3339) later than the last. A re-shipment replaces the packages; the auto-confirmation still
 *   counts from the first shipment (unconfirmed). State 6 资金待结算 and complaints are not emulated;
 *   upload_combined_shipping_info answers 10060014 (not emulated).
 * - Clock: shipped orders auto-confirm after `autoConfirmDaysExpress` (10) / `autoConfirmDaysOther`
 *   (2) days, then settle (`settlementDelayMs`, 0) → 交易完成; unshipped ones get a remind push 48 h
 *   after payment (`remindShippingAfterMs`).
 * - Pushes go to the function `eventFunction` ('shippingEvents'), caller SOURCE 'wx_msg', event =
 *   { ToUserName, FromUserName, CreateTime, MsgType: 'event', Event, …§4 fields snake_case }:
 *   trade_manage_remind_access_api (first payment, nothing shipped yet), trade_manage_remind_shipping,
 *   trade_manage_order_settlement (at shipping with estimated_settlement_time; at settlement with
 *   confirm_receive_method 1 auto / 2 payer, confirm_receive_time, settlement_time).
 * - Control routes (/sandbox/shipping, gateway/shipping-control.ts): GET|POST config (settings of
 *   config.ts: enrolled, unknownWindowMs, autoConfirmDays*, eventFunction, …), GET orders
 *   (?state=&openid=&transactionId=&outTradeNo=), POST confirm { transaction_id | merchant_trade_no +
 *   mchid, openid } → { referrerInfo: { appId: 'wx1183b055aeec94d1', extraData: { status, req_extradata,
 *   errormsg? } } } (what App.onShow gets back from weappOrderConfirm), GET events (?event=&transactionId=),
 *   POST events/emit { event, transaction_id } (pushes now, answers the recorded push), POST settle.
 * - Slow answers: the pay faults' SLOW (POST /sandbox/pay/faults { api: 'shipping.<call>', error: 'SLOW',
 *   delayMs }, CLI `fault shipping.uploadShippingInfo SLOW --delay 5s`) carries the next call out at
 *   once and answers it that much later.
 */
import type Database from 'better-sqlite3';
import type { SandboxClock } from '../clock';
import { realDelay, SHIPPING_FAULT_PREFIX, SLOW } from '../pay/faults';
import { shippingConfigProblem, type ShippingConfig } from './config';
import { WxRefusal } from './errors';
import { eventPayload, EventPusher, eventView, type EventView, type ShippingEvent } from './events';
import { ShippingLifecycle } from './lifecycle';
import { findOrder, orderView, type OrderContext } from './orders';
import { checkAppid, getOrderList, getOrderView, notifyConfirmReceive, setMsgJumpPath } from './queries';
import { ORDER_STATE } from './store';
import { ShippingStore } from './store';
import { uploadShippingInfo } from './upload';

export { SHIPPING_EVENTS, type ShippingEvent } from './events';
export type { ShippingConfig } from './config';

/** The weappOrderConfirm business view's appid (referrerInfo.appId in App.onShow, §4). */
export const ORDER_CONFIRM_APPID = 'wx1183b055aeec94d1';

const PREFIX = 'wxa.sec.order.';
/** The cloud calls emulated (each a fault target `shipping.<api>`, which only SLOW strikes). */
export const SHIPPING_APIS = [
  'uploadShippingInfo',
  'getOrder',
  'getOrderList',
  'notifyConfirmReceive',
  'setMsgJumpPath',
  'isTradeManaged',
] as const;

/** Documented as "本接口不支持云调用" (§2.2): the cloud answers API not found. */
const NOT_CLOUD_CALLS = ['isTradeManagementConfirmationCompleted', 'opspecialorder'];

export type OpenApiAnswer = { json: Record<string, unknown> } | { errorCode: number };

export interface ShippingServiceOptions {
  sqlite: Database.Database;
  clock: SandboxClock;
  providerMchId: () => string;
  /** Invokes a function with a message push; resolves with its answer. */
  deliver: (functionName: string, event: Record<string, unknown>) => Promise<unknown>;
  functionExists: (name: string) => boolean;
  /** Takes one use of the oldest API fault armed for `name` (`shipping.<api>`), if any. */
  takeFault: (name: string) => { error: string; delayMs: number } | undefined;
}

export class ShippingService {
  private readonly store: ShippingStore;
  private readonly ctx: OrderContext;
  private readonly pusher: EventPusher;
  private readonly lifecycle: ShippingLifecycle;
  private settings: ShippingConfig;
  private readonly takeFault: ShippingServiceOptions['takeFault'];

  constructor(opts: ShippingServiceOptions) {
    this.takeFault = opts.takeFault;
    this.store = new ShippingStore(opts.sqlite);
    this.settings = this.store.config();
    this.ctx = {
      store: this.store,
      config: () => this.settings,
      now: () => opts.clock.now(),
      providerMchId: opts.providerMchId,
    };
    this.pusher = new EventPusher(this.store, this.ctx, opts.deliver, opts.functionExists);
    this.lifecycle = new ShippingLifecycle(this.ctx, opts.clock, this.pusher);
  }

  /**
   * A cloud call `wxa.sec.order.*` from a function of `appid` allowed `permissions`. A `SLOW` fault
   * armed for it (`shipping.<api>`) carries it out at once and gives its answer, a refusal as much as
   * a success, `delayMs` of real time later: WeChat answering in several seconds.
   */
  async call(
    api: string,
    body: Record<string, unknown>,
    caller: { appid: string; permissions?: string[] },
  ): Promise<OpenApiAnswer> {
    const name = api.startsWith(PREFIX) ? api.slice(PREFIX.length) : '';
    const fault = (SHIPPING_APIS as readonly string[]).includes(name)
      ? this.takeFault(`${SHIPPING_FAULT_PREFIX}${name}`)
      : undefined;
    const answer = this.answer(api, body, caller);
    if (fault?.error === SLOW) await realDelay(fault.delayMs);
    return answer;
  }

  private answer(
    api: string,
    body: Record<string, unknown>,
    caller: { appid: string; permissions?: string[] },
  ): OpenApiAnswer {
    if (!api.startsWith(PREFIX)) return { errorCode: -604100 };
    const name = api.slice(PREFIX.length);
    if (NOT_CLOUD_CALLS.includes(name)) return { errorCode: -604100 };
    if (this.settings.requirePermissions && caller.permissions && !caller.permissions.includes(api))
      return { errorCode: -604101 };
    try {
      return { json: { errcode: 0, errmsg: 'ok', ...this.perform(name, body, caller.appid) } };
    } catch (err) {
      if (err instanceof WxRefusal) return { json: err.answer() };
      throw err;
    }
  }

  private perform(name: string, body: Record<string, unknown>, appid: string): Record<string, unknown> {
    if (name === 'isTradeManaged') {
      checkAppid(body, appid);
      if (!this.settings.enrolled && this.settings.notEnrolledIsTradeManaged === 'false')
        return { is_trade_managed: false };
    }
    if (!this.settings.enrolled) throw new WxRefusal(48001);
    switch (name) {
      case 'isTradeManaged':
        return { is_trade_managed: true };
      case 'uploadShippingInfo': {
        const outcome = uploadShippingInfo(this.ctx, appid, body);
        if (outcome.shipped) {
          void this.pusher.push(
            'trade_manage_order_settlement',
            eventPayload(this.ctx, 'trade_manage_order_settlement', outcome.found),
          );
        }
        this.lifecycle.step(outcome.found);
        return {};
      }
      case 'getOrder':
        return getOrderView(this.ctx, appid, body);
      case 'getOrderList':
        return getOrderList(this.ctx, appid, body);
      case 'notifyConfirmReceive':
        return notifyConfirmReceive(this.ctx, appid, body);
      case 'setMsgJumpPath':
        return setMsgJumpPath(this.ctx, body);
      default:
        throw new WxRefusal(10060014, `${PREFIX}${name} is not emulated`);
    }
  }

  config(): ShippingConfig & { msgJumpPath: string } {
    return { ...this.settings, msgJumpPath: this.store.setting('msgJumpPath') ?? '' };
  }

  /** Changes settings (kept in the data folder); a patch that is wrong answers its problem. */
  configure(patch: Record<string, unknown>): string | undefined {
    const problem = shippingConfigProblem(patch);
    if (problem) return problem;
    this.settings = { ...this.settings, ...(patch as Partial<ShippingConfig>) };
    const saved = this.store.setting('config');
    this.store.saveSetting('config', JSON.stringify({ ...(saved ? JSON.parse(saved) : {}), ...patch }));
    this.lifecycle.sweep();
    return undefined;
  }

  /** Every order WeChat knows of, as get_order shows it, filtered. */
  orders(filter: { state?: number; openid?: string; transactionId?: string; outTradeNo?: string }) {
    this.lifecycle.sweep();
    return this.store
      .listOrders({ ...filter, limit: 10_000, offset: 0 })
      .page.map((found) => orderView(this.ctx, found));
  }

  /**
   * The payer confirms receipt in the weappOrderConfirm view: what App.onShow then receives. The
   * order must be shipped and the user its payer ("获取用户订单失败" otherwise, §4).
   */
  confirm(
    key: { transactionId?: string; mchid?: string; outTradeNo?: string },
    openid: string,
    appid: string,
  ) {
    const req_extradata = key.transactionId
      ? { transaction_id: key.transactionId }
      : { merchant_id: key.mchid, merchant_trade_no: key.outTradeNo };
    const answer = (extra: Record<string, unknown>) => ({
      referrerInfo: { appId: ORDER_CONFIRM_APPID, extraData: { ...extra, req_extradata } },
    });
    this.lifecycle.sweep();
    let found;
    try {
      found = findOrder(this.ctx, appid, key);
    } catch (err) {
      if (err instanceof WxRefusal) return answer({ status: 'fail', errormsg: '获取用户订单失败' });
      throw err;
    }
    if (found.trade.sub_openid !== openid) return answer({ status: 'fail', errormsg: '获取用户订单失败' });
    if (found.order.state !== ORDER_STATE.SHIPPED)
      return answer({ status: 'fail', errormsg: '订单不是待收货状态' });
    const order = this.lifecycle.confirmed(found, 2);
    this.lifecycle.step({ trade: found.trade, order });
    return answer({ status: 'success' });
  }

  /** Pushes `event` for an order (or the account) now; resolves with the recorded push. */
  emit(event: ShippingEvent, transactionId: string | undefined, appid: string): Promise<EventView> {
    const found = transactionId ? findOrder(this.ctx, appid, { transactionId }) : undefined;
    return this.pusher.push(event, eventPayload(this.ctx, event, found));
  }

  events(filter: { event?: string; transactionId?: string }): EventView[] {
    return this.store.events(filter).map(eventView);
  }

  async settle(): Promise<void> {
    this.lifecycle.sweep();
    await this.pusher.settle();
  }

  start(): void {
    this.lifecycle.start();
  }

  close(): void {
    this.lifecycle.close();
    this.pusher.close();
  }
}
