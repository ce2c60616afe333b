/**
 * The order-shipping calls besides the upload (§2.3–2.7): get_order, get_order_list,
 * notify_confirm_receive, set_msg_jump_path, is_trade_managed and
 * is_trade_management_confirmation_completed, with the reference's checks and codes.
 */
import { refuse } from './errors';
import { findOrder, orderView, type Found, type OrderContext } from './orders';
import { ORDER_STATE } from './store';
import { integer, text } from './upload';

type Body = Record<string, unknown>;

/** get_order / notify's key: transaction_id, or merchant_id + merchant_trade_no (+ sub_merchant_id). */
function queryKey(body: Body) {
  const transactionId = text(body, 'transaction_id');
  if (transactionId) return { transactionId };
  const mchid = text(body, 'merchant_id');
  const outTradeNo = text(body, 'merchant_trade_no');
  if (!mchid || !outTradeNo)
    refuse(10060014, 'transaction_id, or merchant_id and merchant_trade_no, is required');
  return { mchid, outTradeNo, subMchid: text(body, 'sub_merchant_id') };
}

export function getOrder(ctx: OrderContext, appid: string, body: Body): Found {
  return findOrder(ctx, appid, queryKey(body));
}

export function getOrderView(ctx: OrderContext, appid: string, body: Body) {
  return { order: orderView(ctx, getOrder(ctx, appid, body)) };
}

/** last_index is the position after the page, as WeChat's opaque cursor. */
function cursor(index: number): string {
  return Buffer.from(`paykit:${index}`).toString('base64url');
}

function fromCursor(value: string): number {
  const m = /^paykit:(\d{1,9})$/.exec(Buffer.from(value, 'base64url').toString('utf8'));
  if (!m) refuse(10060011);
  return Number(m[1]);
}

export function getOrderList(ctx: OrderContext, appid: string, body: Body) {
  const range = body.pay_time_range;
  if (range !== undefined && (typeof range !== 'object' || range === null || Array.isArray(range)))
    refuse(47001, 'pay_time_range must be an object');
  const begin = range ? integer(range as Body, 'begin_time') : undefined;
  const end = range ? integer(range as Body, 'end_time') : undefined;
  const state = integer(body, 'order_state');
  if (state !== undefined && (state < 1 || state > 6)) refuse(10060014, 'order_state must be 1 to 6');
  const openid = text(body, 'openid');
  const lastIndex = text(body, 'last_index');
  const pageSize = integer(body, 'page_size') ?? ctx.config().maxPageSize;
  if (pageSize < 1 || pageSize > ctx.config().maxPageSize)
    refuse(10060014, `page_size must be 1 to ${ctx.config().maxPageSize}`);
  const start = lastIndex ? fromCursor(lastIndex) : 0;
  ctx.store.markRefunds();
  const { page, more } = ctx.store.listOrders({
    appid,
    paidUntil: ctx.now() - ctx.config().unknownWindowMs,
    paidFrom: begin === undefined ? undefined : begin * 1000,
    paidBefore: end === undefined ? undefined : end * 1000,
    state,
    openid,
    limit: pageSize,
    offset: start,
  });
  const next = start + page.length;
  return {
    last_index: cursor(next),
    has_more: more,
    order_list: page.map((found) => orderView(ctx, found)),
  };
}

/** Reminds the payer to confirm an express order once (§2.5); the order's state does not change. */
export function notifyConfirmReceive(ctx: OrderContext, appid: string, body: Body) {
  const receivedTime = integer(body, 'received_time');
  const found = getOrder(ctx, appid, body);
  const { order } = found;
  if (order.state !== ORDER_STATE.SHIPPED) refuse(10060028);
  if (order.logistics_type !== 1) refuse(10060032);
  // Unix seconds after the shipment and not in the future (milliseconds fail here, as reported).
  const shippedSecs = Math.floor((order.shipped_at ?? 0) / 1000);
  if (receivedTime === undefined || receivedTime < shippedSecs || receivedTime > ctx.now() / 1000)
    refuse(10060029);
  if (order.notified_at !== null) refuse(10060030);
  ctx.store.updateOrder(order.transaction_id, { notified_at: ctx.now() });
  return {};
}

export function setMsgJumpPath(ctx: OrderContext, body: Body) {
  const path = text(body, 'path') ?? '';
  if (Buffer.byteLength(path) > 1024) refuse(10060014, 'path over 1024 bytes');
  ctx.store.saveSetting('msgJumpPath', path);
  return {};
}

/** is_trade_managed / is_trade_management_confirmation_completed need the caller's own appid (§2.7). */
export function checkAppid(body: Body, appid: string): void {
  const asked = text(body, 'appid');
  if (!asked) refuse(40097, 'appid is required');
  if (asked !== appid) refuse(40097, 'appid must be the calling mini-program');
}
