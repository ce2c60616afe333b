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
import { isPaid, pay } from './order-states';
import type { TradeStatus } from './provider';
import { shipVirtualGoods } from './shipping';
import { awaitingShipment } from './shipping-states';

/**
 * Applies what the provider says about one attempt to the order. Returns the order as it stands
 * afterwards. A payment whose amount or merchant does not match is not recorded.
 */
export async function applyTradeStatus(kit: Kit, order: OrderDoc, status: TradeStatus): Promise<OrderDoc> {
  if (status.state !== 'SUCCESS' || !paymentMatches(kit, order, status)) return order;
  if (!order.attempts.some((a) => a.outTradeNo === status.outTradeNo)) return order;
  if (order.status !== 'NOTPAY') return order;
  const paidAt = new Date(status.paidAt && Number.isFinite(status.paidAt) ? status.paidAt : Date.now());
  const transactionId = status.transactionId ?? '';
  const changed = await kit.store.apply(
    order._id,
    pay(kit.store.command, { outTradeNo: status.outTradeNo, transactionId, paidAt }),
  );
  if (!changed) return (await kit.store.order(order._id)) ?? order;
  const after: OrderDoc = {
    ...order,
    status: 'SUCCESS',
    outTradeNo: status.outTradeNo,
    transactionId,
    paidAt,
    fulfilment: { state: 'PENDING', runs: 0 },
    shipping: awaitingShipment(),
    version: order.version + 1,
  };
  // Whoever recorded the payment delivers the goods; a failure is retried by callbacks and the timer.
  const outcome = await fulfil(kit, after);
  return { ...after, fulfilment: { state: outcome === 'DONE' ? 'DONE' : 'PENDING', runs: 1 } };
}

/** WeChat's trade carries this order's amount and merchant (a forged or mixed-up one does not). */
function paymentMatches(kit: Kit, order: OrderDoc, status: TradeStatus): boolean {
  return (
    status.totalFee === order.totalFee &&
    (!status.merchantId || status.merchantId === kit.provider.merchantId)
  );
}

export type Verdict = 'PAID' | 'ALREADY_PAID' | 'UNKNOWN_ATTEMPT' | 'NOT_PAID' | 'MISMATCH';

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
  if (isPaid(order.status)) {
    verdict = 'ALREADY_PAID';
    // A delivery after a failed or interrupted hook retries it.
    hook = await fulfil(kit, order);
    await shipVirtualGoods(kit, order);
  } else {
    const status = await kit.provider.queryTrade(outTradeNo);
    if (status.state !== 'SUCCESS') verdict = 'NOT_PAID';
    else if (!paymentMatches(kit, order, status)) verdict = 'MISMATCH';
    else {
      const after = await applyTradeStatus(kit, order, status);
      verdict = after.status === 'SUCCESS' ? 'PAID' : 'NOT_PAID';
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
