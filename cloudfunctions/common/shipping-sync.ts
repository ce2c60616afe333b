/**
 * Following WeChat after the shipment: what the buyer's confirm-receipt component, WeChat's message
 * pushes and the sweep report is only a reason to ask get_order, whose answer alone moves the
 * order (the pushes' fields are reported unreliable; the client's extraData is the client's word).
 */
import type { ConfirmReceiptResult, ListToShipResult } from '../../typings/paykit';
import { ownedOrder } from './access';
import { claimedFields } from './audit';
import type { Kit } from './context';
import { invalid, ServerError } from './errors';
import { toView, type OrderDoc } from './model';
import { DEFAULT_PAGE } from './requests';
import type { ConfirmReceiptInput, ListToShipInput } from './shipping-requests';
import { confirm, followWeChat, shippingOf, shippingView, stateOfWeChat } from './shipping-states';
import { getOrder } from './shipping-wechat';
import { NOT_ENROLLED, remember } from './trade-managed';

export type SyncOutcome = 'MOVED' | 'UNCHANGED' | 'UNKNOWN' | 'NOT_ASKED';

/**
 * Asks WeChat where a paid order stands and moves the shipping record forward to it. UNKNOWN when
 * WeChat could not say (busy, not enrolled, not this order); NOT_ASKED when too little of the
 * function's time was left to ask.
 */
export async function syncShipping(kit: Kit, order: OrderDoc): Promise<SyncOutcome> {
  if (!order.transactionId) return 'UNKNOWN';
  const answer = await getOrder(kit.time, order.transactionId);
  if (!answer.ok) {
    if (answer.notStarted) return 'NOT_ASKED';
    if (answer.errcode === NOT_ENROLLED) remember(order.appid, false);
    return 'UNKNOWN';
  }
  const wechat = answer.data;
  // WeChat's order must be this one and this buyer's: a mixed-up answer moves nothing.
  if (wechat.transaction_id !== order.transactionId || (wechat.openid && wechat.openid !== order.openid))
    return 'UNKNOWN';
  const state = stateOfWeChat(Number(wechat.order_state));
  if (!state) return 'UNKNOWN';
  const move = followWeChat(kit.store.command, order, state, new Date());
  return move && (await kit.store.apply(order._id, move)) ? 'MOVED' : 'UNCHANGED';
}

/**
 * confirmReceipt: the buyer came back from WeChat's confirm-receipt component. Whatever the
 * component's extraData said, only WeChat's get_order moves the order. A shipment recorded only
 * here (account not enrolled) has no WeChat side: the buyer's own word confirms their own order.
 */
export async function confirmReceipt(
  kit: Kit,
  openid: string,
  input: ConfirmReceiptInput,
): Promise<ConfirmReceiptResult> {
  const order = input.orderNo
    ? await ownedOrder(kit, input.orderNo, openid)
    : await ownedByTransaction(kit, input.transactionId ?? '', openid);
  const s = shippingOf(order);
  const answer = async (): Promise<ConfirmReceiptResult> => {
    const latest = (await kit.store.order(order._id)) ?? order;
    return { orderNo: latest._id, shipping: shippingView(latest) };
  };
  if (s.state === 'CONFIRMED' || s.state === 'SETTLED') return answer();
  if (s.state !== 'SHIPPED')
    throw new ServerError('ORDER_STATE_CONFLICT', `the order is not shipped (${s.state})`);
  const last = s.shipments[s.shipments.length - 1];
  if (last?.local) {
    await kit.store.apply(order._id, confirm(new Date()));
    return answer();
  }
  const outcome = await syncShipping(kit, order);
  const after = await answer();
  if (after.shipping.state === 'SHIPPED') {
    const answered = outcome === 'MOVED' || outcome === 'UNCHANGED';
    throw new ServerError(
      answered ? 'RECEIPT_NOT_CONFIRMED' : 'SHIPPING_PENDING',
      answered
        ? 'WeChat does not show the receipt as confirmed'
        : 'WeChat could not be asked about the order; try again in a minute',
    );
  }
  return after;
}

async function ownedByTransaction(kit: Kit, transactionId: string, openid: string): Promise<OrderDoc> {
  const order = await kit.store.orderByTransaction(transactionId);
  if (!order || order.openid !== openid)
    throw new ServerError('ORDER_NOT_FOUND', `no order paid with ${transactionId}`);
  return order;
}

/** The events the kit acts on; others are answered and forgotten. */
export const SHIPPING_EVENTS = ['trade_manage_remind_shipping', 'trade_manage_order_settlement'] as const;

export type EventVerdict = 'IGNORED' | 'UNKNOWN_ORDER' | SyncOutcome;

/**
 * shippingEvents: WeChat's message push (or anyone: the function is callable by every user). The
 * event names a transaction; only an order of the kit's is looked at, re-checked with get_order,
 * and its latest event of each kind recorded (one document per order and kind: bounded).
 */
export async function handleShippingEvent(
  kit: Kit,
  event: Record<string, unknown>,
): Promise<{ verdict: EventVerdict; orderNo?: string }> {
  const name = event.Event;
  const transactionId = event.transaction_id;
  if (typeof name !== 'string' || !(SHIPPING_EVENTS as readonly string[]).includes(name))
    return { verdict: 'IGNORED' };
  if (typeof transactionId !== 'string' || !/^[0-9A-Za-z_-]{1,64}$/.test(transactionId))
    return { verdict: 'UNKNOWN_ORDER' };
  const order = await kit.store.orderByTransaction(transactionId);
  if (!order) return { verdict: 'UNKNOWN_ORDER' };
  const verdict = await syncShipping(kit, order);
  await kit.store.recordShippingEvent({
    event: name,
    orderNo: order._id,
    transactionId,
    verdict,
    claimed: claimedFields(event, [
      'CreateTime',
      'pay_time',
      'shipped_time',
      'estimated_settlement_time',
      'confirm_receive_method',
      'confirm_receive_time',
      'settlement_time',
      'msg',
    ]),
  });
  return { verdict, orderNo: order._id };
}

/**
 * listToShip (merchant admins only: the caller is checked first, access.ts adminCaller): paid orders
 * awaiting shipment, in order number order.
 */
export async function listToShip(kit: Kit, input: ListToShipInput): Promise<ListToShipResult> {
  const pageSize = input.pageSize ?? DEFAULT_PAGE;
  const after = input.cursor == null ? '' : decodeCursor(input.cursor);
  const rows = await kit.store.sweepPage({ kind: 'awaitingShipment' }, after, pageSize + 1);
  const page = rows.slice(0, pageSize);
  const last = page[page.length - 1];
  return {
    orders: page.map(toView),
    nextCursor: rows.length > pageSize && last ? Buffer.from(`s:${last._id}`).toString('base64url') : null,
  };
}

function decodeCursor(value: string): string {
  const m = /^s:(PK\d{22})$/.exec(Buffer.from(value, 'base64url').toString());
  if (!m) throw invalid('cursor is not one this function gave');
  return m[1];
}
