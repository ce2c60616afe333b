/**
 * Recording payments. Whatever tells the kit an order may be paid (a callback, a query, a close
 * that finds it paid), the provider's own answer decides, and the order moves with one
 * conditional update, so the move happens once however many times it is reported.
 */
import { claimedFields } from './audit';
import type { Kit } from './context';
import { fulfil, type HookOutcome } from './fulfil';
import { orderNoOf } from './ids';
import type { OrderDoc } from './model';
import {
  awaitsAdmin,
  holdMismatchedPayment,
  isPaid,
  pay,
  payRefundedOutside,
  refundMismatchedOutside,
  type Move,
} from './order-states';
import type { TradeStatus } from './provider';
import { shipVirtualGoods } from './shipping';
import { awaitingShipment } from './shipping-states';

/**
 * Applies what the provider says about one attempt to the order. Returns the order as it stands
 * afterwards. `status` must be WeChat's own answer to the kit's query, never an event's word. A
 * payment whose amount or merchant does not match is not recorded as the order's: what WeChat said
 * is kept on the order, which leaves the unpaid states for an admin (holdMismatchedPayment). A
 * trade WeChat already has as refunded (REFUND) was paid and then refunded outside the kit: it is
 * recorded as such (payRefundedOutside), without onPaid or shipping; so is a mismatched payment
 * the merchant has since refunded there (refundMismatchedOutside).
 */
export async function applyTradeStatus(kit: Kit, order: OrderDoc, status: TradeStatus): Promise<OrderDoc> {
  if (!wasPaid(status)) return order;
  if (!order.attempts.some((a) => a.outTradeNo === status.outTradeNo)) return order;
  if (awaitsAdmin(order)) return recordMismatchRefunded(kit, order, status);
  if (order.status !== 'NOTPAY') return order;
  if (!paymentMatches(kit, order, status)) return recordMismatch(kit, order, status);
  const paidAt = new Date(status.paidAt && Number.isFinite(status.paidAt) ? status.paidAt : Date.now());
  const paid = { outTradeNo: status.outTradeNo, transactionId: status.transactionId ?? '', paidAt };
  if (status.state === 'REFUND') return recordRefundedOutside(kit, order, paid);
  const changed = await kit.store.apply(order._id, pay(kit.store.command, paid));
  if (!changed) return (await kit.store.order(order._id)) ?? order;
  const after: OrderDoc = {
    ...order,
    status: 'SUCCESS',
    ...paid,
    fulfilment: { state: 'PENDING', runs: 0 },
    shipping: awaitingShipment(),
    version: order.version + 1,
  };
  // Whoever recorded the payment delivers the goods; a failure is retried by callbacks and the timer.
  const outcome = await fulfil(kit, after);
  return { ...after, fulfilment: { state: outcome === 'DONE' ? 'DONE' : 'PENDING', runs: 1 } };
}

/** WeChat took the money for the trade: it is paid, or paid and since refunded (in part or whole). */
function wasPaid(status: TradeStatus): boolean {
  return status.state === 'SUCCESS' || status.state === 'REFUND';
}

/**
 * Records a payment the merchant refunded on the merchant platform before the kit knew of it. No
 * onPaid: the money went back and the merchant acted by hand, so there is nothing to deliver; no
 * onRefunded either: the kit made no refund and knows no amount to report (the bill shows them).
 */
async function recordRefundedOutside(
  kit: Kit,
  order: OrderDoc,
  paid: { outTradeNo: string; transactionId: string; paidAt: Date },
): Promise<OrderDoc> {
  // Or paid meanwhile, a race WeChat's states exclude.
  return moveAndRead(kit, order, payRefundedOutside(kit.store.command, order, paid, new Date()));
}

/**
 * Keeps what WeChat said about a paid trade of the order that does not match it, once (the move
 * starts from NOTPAY): the order then leaves the sweep's queries, and paying, closing and refunding
 * it are refused until an admin has looked. No onPaid, no shipping: it is not the order's payment.
 */
async function recordMismatch(kit: Kit, order: OrderDoc, status: TradeStatus): Promise<OrderDoc> {
  const seen = {
    outTradeNo: status.outTradeNo,
    ...(status.totalFee !== undefined ? { totalFee: status.totalFee } : {}),
    ...(status.merchantId ? { merchantId: status.merchantId } : {}),
    transactionId: status.transactionId ?? '',
    state: status.state === 'REFUND' ? ('REFUND' as const) : ('SUCCESS' as const),
    seenAt: new Date(),
  };
  // Or paid meanwhile through a matching attempt.
  return moveAndRead(kit, order, holdMismatchedPayment(kit.store.command, order, seen));
}

/**
 * The way out of PAYERROR: WeChat reports the mismatched payment's trade refunded, so the merchant
 * refunded it on the merchant platform, and the order becomes REFUND, refunded outside the kit.
 * Anything else WeChat says of a held order changes nothing: an admin is still to act.
 */
async function recordMismatchRefunded(kit: Kit, order: OrderDoc, status: TradeStatus): Promise<OrderDoc> {
  if (status.state !== 'REFUND' || status.outTradeNo !== order.mismatchedPayment?.outTradeNo) return order;
  // A query, a notification and the bill may all learn it at once.
  return moveAndRead(
    kit,
    order,
    refundMismatchedOutside(kit.store.command, order, status.outTradeNo, new Date()),
  );
}

/**
 * Makes a conditional `move` of the order and reads it back as stored: moved by this call or by a
 * concurrent one that learnt the same from WeChat (a move matches once).
 */
async function moveAndRead(kit: Kit, order: OrderDoc, move: Move): Promise<OrderDoc> {
  await kit.store.apply(order._id, move);
  return (await kit.store.order(order._id)) ?? order;
}

/**
 * Asks WeChat again about the payment an order held for an admin does not match: refunded on the
 * merchant platform since, the order moves on (applyTradeStatus). Any other order is as it is.
 */
export async function recheckMismatch(kit: Kit, order: OrderDoc): Promise<OrderDoc> {
  if (!awaitsAdmin(order) || !order.mismatchedPayment) return order;
  return applyTradeStatus(kit, order, await kit.provider.queryTrade(order.mismatchedPayment.outTradeNo));
}

/** WeChat's trade carries this order's amount and merchant (a forged or mixed-up one does not). */
function paymentMatches(kit: Kit, order: OrderDoc, status: TradeStatus): boolean {
  return (
    status.totalFee === order.totalFee &&
    (!status.merchantId || status.merchantId === kit.provider.merchantId)
  );
}

/**
 * REFUNDED_OUTSIDE: paid, and refunded on the merchant platform before the kit recorded it.
 * MISMATCH: the attempt's payment does not match the order, and what WeChat said of it is kept on
 * the order (mismatchedPayment). HELD: the order waits for an admin over another attempt's payment;
 * WeChat never sends this (it closed the attempt named before the one paid began, and a closed
 * trade is never paid), so only a forged call gets it, and nothing is asked or moved for it.
 */
export type Verdict =
  'PAID' | 'ALREADY_PAID' | 'REFUNDED_OUTSIDE' | 'UNKNOWN_ATTEMPT' | 'NOT_PAID' | 'MISMATCH' | 'HELD';

/**
 * Verdicts a delivery again would tell the kit nothing new about, with no payment of the order to
 * record: refunded on the merchant platform, a payment not matching the order kept for an admin,
 * or another attempt of an order so held (the admin's to settle). The notification is acknowledged.
 */
export function finalWithoutPayment(verdict: Verdict): boolean {
  return verdict === 'REFUNDED_OUTSIDE' || verdict === 'MISMATCH' || verdict === 'HELD';
}

/**
 * payCallback: trusts nothing in the event but the outTradeNo it names, and asks the provider.
 * Answers `{ errcode: 0 }` only once the outcome is durable, so WeChat retries otherwise.
 */
export async function handlePaymentNotification(
  kit: Kit,
  event: Record<string, unknown>,
): Promise<{ verdict: Verdict; orderNo?: string; hook: HookOutcome }> {
  const outTradeNo = typeof event.outTradeNo === 'string' ? event.outTradeNo : '';
  const orderNo = orderNoOf(outTradeNo);
  const order = orderNo ? await kit.store.order(orderNo) : undefined;
  // Junk that names none of the kit's attempts is answered and forgotten: storing it would let any
  // caller fill the database.
  if (!orderNo || !order || !order.attempts.some((a) => a.outTradeNo === outTradeNo)) {
    return { verdict: 'UNKNOWN_ATTEMPT', hook: 'DONE' };
  }
  let verdict: Verdict;
  let hook: HookOutcome = 'DONE';
  if (order.refundedOutside) verdict = 'REFUNDED_OUTSIDE';
  else if (order.mismatchedPayment) verdict = mismatchVerdict(order, outTradeNo);
  else if (isPaid(order.status)) {
    verdict = 'ALREADY_PAID';
    // A delivery after a failed or interrupted hook retries it.
    hook = await fulfil(kit, order);
    await shipVirtualGoods(kit, order);
  } else {
    const status = await kit.provider.queryTrade(outTradeNo);
    if (!wasPaid(status)) verdict = 'NOT_PAID';
    else if (!paymentMatches(kit, order, status)) {
      // WeChat's own answer, not the event's word, is what is kept.
      verdict = mismatchVerdict(await applyTradeStatus(kit, order, status), outTradeNo);
    } else {
      const after = await applyTradeStatus(kit, order, status);
      if (after.refundedOutside) verdict = 'REFUNDED_OUTSIDE';
      else verdict = after.status === 'SUCCESS' ? 'PAID' : 'NOT_PAID';
      hook = verdict !== 'PAID' || after.fulfilment?.state === 'DONE' ? 'DONE' : 'FAILED';
      // After onPaid: virtual goods ship themselves (WeChat often does not know the payment yet;
      // the sweep tries again then).
      if (verdict === 'PAID') await shipVirtualGoods(kit, after);
    }
  }
  await kit.store.recordNotification({
    kind: 'payment',
    outTradeNo,
    orderNo,
    verdict,
    claimed: claimedFields(event, ['resultCode', 'totalFee', 'transactionId', 'subMchId']),
  });
  return { verdict, orderNo, hook };
}

/**
 * What a notification about a payment not matching its order comes to, once the order is read back:
 * refunded outside the kit, or that payment kept on the order (both final: a delivery again tells
 * the kit nothing), or the order held over another attempt (or moved otherwise meanwhile).
 */
function mismatchVerdict(order: OrderDoc, outTradeNo: string): Verdict {
  if (order.refundedOutside) return 'REFUNDED_OUTSIDE';
  return order.mismatchedPayment?.outTradeNo === outTradeNo ? 'MISMATCH' : 'HELD';
}
