/**
 * Closing unpaid orders. WeChat decides: the kit closes the trade at WeChat first and records
 * CLOSED only once WeChat has closed it, so a payment racing the close is recorded as paid, never
 * lost behind a CLOSED order.
 */
import type { CloseOrderResult } from '../../typings/paykit/functions';
import type { Kit } from './context';
import { ServerError } from './errors';
import { currentAttempt, toView, type OrderDoc } from './model';
import { askClose, awaitsAdmin, close, isPaid, mismatchedPaymentError } from './order-states';
import { ownedOrder } from './access';
import { applyTradeStatus } from './payments';

/** WeChat refuses to close a trade within 5 minutes of its creation. */
export const CLOSE_WINDOW_MS = 5 * 60_000;

/** closeOrder: the caller's unpaid order. */
export async function closeOwnOrder(kit: Kit, orderNo: string, openid: string): Promise<CloseOrderResult> {
  const order = await ownedOrder(kit, orderNo, openid);
  if (order.status === 'CLOSED') return { order: toView(order) };
  if (awaitsAdmin(order)) throw mismatchedPaymentError();
  if (order.status !== 'NOTPAY') throw paidError(order, 'the order is paid and cannot be closed');
  const attempt = currentAttempt(order);
  const closableAt = attempt ? attempt.createdAt + CLOSE_WINDOW_MS : 0;
  if (Date.now() < closableAt) {
    // WeChat first: a payment it already has (its callback lost) is recorded and answered, not
    // hidden behind the 5 minutes.
    await syncedUnpaid(kit, order);
    const err = new ServerError(
      'CLOSE_TOO_EARLY',
      `WeChat Pay closes an order only 5 minutes after it was created: try again after ${new Date(closableAt).toISOString()}`,
    );
    err.retryAt = closableAt;
    throw err;
  }
  return { order: toView(await closeUnpaidOrder(kit, order)) };
}

/**
 * The unpaid order as synced with WeChat's trade of it, before the kit refuses to act on it: a
 * payment WeChat already has (its callback lost) is recorded and answered (ORDER_PAID, or the
 * mismatched payment's error), not hidden behind the refusal.
 */
export async function syncedUnpaid(kit: Kit, order: OrderDoc): Promise<OrderDoc> {
  if (!order.outTradeNo) return order;
  return refuseIfPaid(await applyTradeStatus(kit, order, await kit.provider.queryTrade(order.outTradeNo)));
}

/**
 * Makes sure the order's current trade can no longer be paid at WeChat: a payment WeChat already
 * has is recorded (ORDER_PAID), otherwise the trade is closed there. `closed` tells whether WeChat
 * now holds no payable trade; CLOSE_TOO_EARLY if WeChat refuses within its 5 minutes.
 */
export async function closeCurrentTrade(
  kit: Kit,
  order: OrderDoc,
): Promise<{ order: OrderDoc; closed: boolean }> {
  if (!order.outTradeNo) return { order, closed: true };
  const status = await kit.provider.queryTrade(order.outTradeNo);
  const synced = refuseIfPaid(await applyTradeStatus(kit, order, status));
  if (synced.status !== 'NOTPAY') return { order: synced, closed: false };
  if (status.state === 'CLOSED' || status.state === 'NOTFOUND') return { order: synced, closed: true };
  // Before asking: a close WeChat carries out but whose answer is lost (5xx, a cut connection) must
  // not leave the attempt's payment handed out again, for a trade that can no longer be paid. Not
  // for a close the function has no time left to send (the query took it; payWaitMs throws, as the
  // provider would): WeChat is not asked, and the prepay, still payable, stays the one handed out.
  kit.time.payWaitMs('closeOrder');
  const index = order.attempts.findIndex((a) => a.outTradeNo === order.outTradeNo);
  if (index >= 0 && order.attempts[index].closeAskedAt === undefined) {
    await kit.store.apply(order._id, askClose(index, order.outTradeNo, Date.now()));
  }
  const outcome = await kit.provider.closeTrade(order.outTradeNo);
  if (outcome === 'TOO_EARLY')
    throw new ServerError('CLOSE_TOO_EARLY', 'WeChat Pay refused: within 5 minutes');
  if (outcome === 'PAID') {
    // Paid while we were closing: record the payment instead.
    const paid = await applyTradeStatus(kit, order, await kit.provider.queryTrade(order.outTradeNo));
    return { order: refuseIfPaid(paid), closed: false };
  }
  return { order: synced, closed: true };
}

/**
 * Closes one unpaid order at WeChat, then here. Returns the order as it stands: CLOSED, or paid
 * if WeChat had it paid. Throws CLOSE_TOO_EARLY if WeChat refuses for the 5-minute rule.
 */
export async function closeUnpaidOrder(kit: Kit, order: OrderDoc): Promise<OrderDoc> {
  const atWeChat = await closeCurrentTrade(kit, order);
  if (!atWeChat.closed) return atWeChat.order;
  const closedAt = new Date();
  if (await kit.store.apply(order._id, close(kit.store.command, closedAt, order.outTradeNo))) {
    return { ...order, status: 'CLOSED', closedAt, version: order.version + 1 };
  }
  const now = await kit.store.order(order._id);
  if (!now) throw new ServerError('ORDER_NOT_FOUND', `no order ${order._id}`);
  if (now.status === 'NOTPAY') {
    // A new payment attempt began while the old one was being closed: it is payable at WeChat.
    throw new ServerError('ORDER_STATE_CONFLICT', 'a new payment of the order began meanwhile; try again');
  }
  return now;
}

/** The order as synced, unless WeChat had it paid (ORDER_PAID) or paid in a way that does not match it. */
function refuseIfPaid(order: OrderDoc): OrderDoc {
  if (awaitsAdmin(order)) throw mismatchedPaymentError();
  if (isPaid(order.status)) throw paidError(order, 'the order was paid meanwhile and is recorded as paid');
  return order;
}

/** ORDER_PAID, saying so when the payment went back on the merchant platform. */
function paidError(order: OrderDoc, message: string): ServerError {
  return new ServerError(
    'ORDER_PAID',
    order.refundedOutside
      ? 'the order was paid and then refunded on the WeChat Pay merchant platform; there is nothing to close'
      : message,
  );
}
