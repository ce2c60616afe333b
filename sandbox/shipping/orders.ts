/**
 * Finding an order the way WeChat does (by transaction_id, or merchant number + merchant trade no)
 * and showing it as get_order answers (§2.3). The payment's facts (amount, payer, times) come from
 * the sandbox's WeChat Pay; a full refund there moves the order to 已退款.
 */
import { APIV3_ENV } from '../pay/context';
import type { TradeRow } from '../pay/records';
import type { ShippingConfig } from './config';
import { refuse } from './errors';
import { ORDER_STATE, type ShipOrderRow, type ShippingStore, type StoredPackage } from './store';

export interface OrderContext {
  store: ShippingStore;
  config: () => ShippingConfig;
  now: () => number;
  /** The cloud-dev service provider's mch id (cloudPay trades belong to it, §3). */
  providerMchId: () => string;
}

export interface Found {
  trade: TradeRow;
  order: ShipOrderRow;
}

const secs = (ms: number | null) => (ms === null ? 0 : Math.floor(ms / 1000));

/** Whether `mchid` (and `subMchid`) name the merchant of `trade`. */
function merchantMatches(ctx: OrderContext, trade: TradeRow, mchid: string, subMchid?: string): boolean {
  if (trade.env_id === APIV3_ENV) return mchid === trade.sub_mch_id && !subMchid;
  // cloudPay: the sub-merchant number (staff, S22), or the provider plus the sub-merchant.
  if (mchid === trade.sub_mch_id && (!subMchid || subMchid === trade.sub_mch_id)) return true;
  return mchid === ctx.providerMchId() && subMchid === trade.sub_mch_id;
}

/**
 * The order of a paid trade of `appid`, as WeChat knows it: unknown (10060001) when there is no such
 * payment, it belongs to another mini-program, or it was paid within the last `unknownWindowMs`.
 */
export function findOrder(
  ctx: OrderContext,
  appid: string,
  key: { transactionId?: string; mchid?: string; subMchid?: string; outTradeNo?: string },
): Found {
  let trade: TradeRow | undefined;
  if (key.transactionId) trade = ctx.store.tradeByTransaction(key.transactionId);
  else if (key.mchid && key.outTradeNo) {
    trade = ctx.store.tradeByMerchantNo(key.mchid, key.outTradeNo);
    if (!trade && key.subMchid) trade = ctx.store.tradeByMerchantNo(key.subMchid, key.outTradeNo);
    if (trade && !merchantMatches(ctx, trade, key.mchid, key.subMchid)) trade = undefined;
  }
  if (!trade || trade.sub_appid !== appid) refuse(10060001);
  if (ctx.now() < (trade.time_end ?? 0) + ctx.config().unknownWindowMs) {
    refuse(10060001, 'the payment is not in the order system yet, retry later');
  }
  return { trade, order: refresh(ctx, trade, ctx.store.ensureOrder(trade)) };
}

/** Applies what the pay side did since: a fully refunded payment is 已退款. */
export function refresh(ctx: OrderContext, trade: TradeRow, order: ShipOrderRow): ShipOrderRow {
  if (order.state !== ORDER_STATE.REFUNDED && trade.refunded_fee >= trade.total_fee) {
    ctx.store.updateOrder(order.transaction_id, { state: ORDER_STATE.REFUNDED });
    return { ...order, state: ORDER_STATE.REFUNDED };
  }
  return order;
}

function truncate(text: string, max = 120): string {
  const chars = [...text];
  return chars.length > max ? `${chars.slice(0, max - 3).join('')}...` : text;
}

export function packagesOf(order: ShipOrderRow): StoredPackage[] {
  return JSON.parse(order.shipping_list) as StoredPackage[];
}

/** get_order's `order` (§2.3), snake_case as WeChat answers it. */
export function orderView(ctx: OrderContext, { trade, order }: Found): Record<string, unknown> {
  const cloudPay = trade.env_id !== APIV3_ENV;
  const view: Record<string, unknown> = {
    transaction_id: trade.transaction_id,
    merchant_id: cloudPay ? ctx.providerMchId() : trade.sub_mch_id,
    ...(cloudPay ? { sub_merchant_id: trade.sub_mch_id } : {}),
    merchant_trade_no: trade.out_trade_no,
    description: truncate(trade.body),
    paid_amount: trade.total_fee,
    openid: trade.sub_openid,
    trade_create_time: secs(trade.created_at),
    pay_time: secs(trade.time_end),
    order_state: order.state,
    in_complaint: false,
  };
  if (order.delivery_mode !== null) {
    const packages = packagesOf(order);
    view.shipping = {
      delivery_mode: order.delivery_mode,
      logistics_type: order.logistics_type,
      finish_shipping: order.finish_shipping_count > 0,
      goods_desc: truncate(packages.map((p) => p.item_desc).join(';')),
      finish_shipping_count: order.finish_shipping_count,
      shipping_list: packages.map((p) => ({
        ...(p.tracking_no !== undefined ? { tracking_no: p.tracking_no } : {}),
        ...(p.express_company !== undefined ? { express_company: p.express_company } : {}),
        goods_desc: p.item_desc,
        upload_time: secs(p.upload_ms),
        ...(p.contact ? { contact: p.contact } : {}),
      })),
    };
  }
  return view;
}
