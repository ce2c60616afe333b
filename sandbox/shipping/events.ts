/**
 * Message pushes (§4) as a cloud function routed by 云开发 → 消息推送 receives them: the event object
 * carries the XML/JSON fields (ToUserName, FromUserName, CreateTime, MsgType 'event', Event, then the
 * event's own fields, snake_case). Each push is recorded with the function's answer or failure.
 */
import { APIV3_ENV } from '../pay/context';
import type { TradeRow } from '../pay/records';
import type { ShippingConfig } from './config';
import type { OrderContext } from './orders';
import type { ShipEventRow, ShipOrderRow, ShippingStore } from './store';

export const SHIPPING_EVENTS = [
  'trade_manage_remind_access_api',
  'trade_manage_remind_shipping',
  'trade_manage_order_settlement',
] as const;
export type ShippingEvent = (typeof SHIPPING_EVENTS)[number];

/** UNCONFIRMED: who sends platform pushes; the sandbox uses one fixed system openid. */
export const PUSH_SENDER = 'o_wxa_trade_manage_system';

const secs = (ms: number | null) => (ms === null ? 0 : Math.floor(ms / 1000));

export function autoConfirmMs(config: ShippingConfig, logisticsType: number | null): number {
  const days = logisticsType === 1 ? config.autoConfirmDaysExpress : config.autoConfirmDaysOther;
  return days * 24 * 3600_000;
}

/** The fields of one push; settlement pushes come at shipping (estimate) and at settlement. */
export function eventPayload(
  ctx: OrderContext,
  event: ShippingEvent,
  order?: { trade: TradeRow; order: ShipOrderRow },
): Record<string, unknown> {
  const config = ctx.config();
  const base = {
    ToUserName: config.originalId,
    FromUserName: PUSH_SENDER,
    CreateTime: secs(ctx.now()),
    MsgType: 'event',
    Event: event,
  };
  if (!order || event === 'trade_manage_remind_access_api') {
    return { ...base, msg: '你的小程序有交易未录入发货信息，请尽快接入发货信息录入接口' };
  }
  const { trade, order: o } = order;
  const cloudPay = trade.env_id !== APIV3_ENV;
  const fields: Record<string, unknown> = {
    transaction_id: trade.transaction_id,
    merchant_id: cloudPay ? ctx.providerMchId() : trade.sub_mch_id,
    sub_merchant_id: cloudPay ? trade.sub_mch_id : '',
    merchant_trade_no: trade.out_trade_no,
    pay_time: secs(trade.time_end),
  };
  if (event === 'trade_manage_remind_shipping') {
    return { ...base, ...fields, msg: '你有一笔订单已超过48小时未发货，请尽快发货并录入发货信息' };
  }
  const shipped = { ...fields, shipped_time: secs(o.shipped_at) };
  if (o.settled_at === null) {
    const estimate = (o.shipped_at ?? ctx.now()) + autoConfirmMs(config, o.logistics_type);
    return {
      ...base,
      ...shipped,
      estimated_settlement_time: secs(estimate),
      msg: '订单已发货，预计结算时间已更新',
    };
  }
  return {
    ...base,
    ...shipped,
    confirm_receive_method: o.confirm_method,
    confirm_receive_time: secs(o.confirmed_at),
    settlement_time: secs(o.settled_at),
    msg: '订单已完成结算',
  };
}

/** A push as the control surface shows it. */
export function eventView(row: ShipEventRow) {
  return {
    id: row.id,
    event: row.event,
    transactionId: row.transaction_id,
    functionName: row.function_name,
    createdAt: row.created_at,
    status: row.status,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    answer: row.answer === null ? undefined : (JSON.parse(row.answer) as unknown),
    error: row.error ?? undefined,
    deliveredAt: row.delivered_at,
  };
}

export type EventView = ReturnType<typeof eventView>;

/** Sends pushes to the configured function, one attempt each, and remembers the ones in flight. */
export class EventPusher {
  private readonly inflight = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly store: ShippingStore,
    private readonly ctx: OrderContext,
    private readonly deliver: (functionName: string, event: Record<string, unknown>) => Promise<unknown>,
    private readonly exists: (functionName: string) => boolean,
  ) {}

  /** Records the push and delivers it; resolves once it has an answer (or failed). */
  push(event: ShippingEvent, payload: Record<string, unknown>): Promise<EventView> {
    const functionName = this.ctx.config().eventFunction;
    const transactionId = typeof payload.transaction_id === 'string' ? payload.transaction_id : null;
    const skipped = !functionName || !this.exists(functionName);
    const row: Omit<ShipEventRow, 'id'> = {
      event,
      transaction_id: transactionId,
      function_name: functionName,
      payload: JSON.stringify(payload),
      created_at: this.ctx.now(),
      status: skipped ? 'skipped' : 'pending',
      answer: null,
      error: skipped ? (functionName ? `no function ${functionName}` : 'eventFunction is not set') : null,
      delivered_at: null,
    };
    const id = this.store.insertEvent(row);
    const view = () => eventView(this.store.event(id)!);
    if (skipped) return Promise.resolve(view());
    // Once closed, an answer is not written (the database is closing): the event stays pending, as
    // when the sandbox is killed, and nothing rejects into pushes nobody awaits any more.
    const record = (outcome: Partial<ShipEventRow>) => {
      if (!this.closed) this.store.updateEvent(id, outcome);
    };
    const delivery = this.deliver(functionName, payload).then(
      (answer) =>
        record({ status: 'delivered', answer: JSON.stringify(answer ?? null), delivered_at: this.ctx.now() }),
      (err: unknown) =>
        record({
          status: 'failed',
          error: err instanceof Error ? err.message : String(err),
          delivered_at: this.ctx.now(),
        }),
    );
    this.inflight.add(delivery);
    void delivery.finally(() => this.inflight.delete(delivery));
    return delivery.then(() => (this.closed ? eventView({ id, ...row }) : view()));
  }

  close(): void {
    this.closed = true;
  }

  async settle(): Promise<void> {
    while (this.inflight.size) await Promise.all([...this.inflight]);
  }
}
