/**
 * What the kit recorded of an order's payment, as timeline entries: paid (with its onPaid hook),
 * paid and refunded on the merchant platform before the kit knew, or a payment WeChat holds for one
 * of the order's attempts that does not match the order (held for an admin, PAYERROR) and its way
 * out, the merchant refunding it on the merchant platform (REFUND, refunded outside the kit).
 */
import type { MismatchedPaymentView, OrderRow, TimelineEntry } from '../../typings/sandbox/dashboard';
import { hookEntry, ms, type HookClock, type HookDoc } from './hook-entries';

type Doc = Record<string, unknown>;

/**
 * The entries of the order's payment as the kit recorded it; none while it recorded none.
 * `firstRunAt`: when its onPaid hook first ran (the kit's record of hook runs), if it did.
 */
export function paymentEntries(
  doc: Doc,
  row: OrderRow,
  firstRunAt: number | undefined,
  clock: HookClock,
): TimelineEntry[] {
  const outside = doc.refundedOutside as { seenAt?: unknown } | undefined;
  if (row.mismatchedPayment) return mismatchEntries(doc, row, row.mismatchedPayment, ms(outside?.seenAt));
  const paidAt = ms(doc.paidAt);
  if (paidAt === undefined) return [];
  const transactionId = String(doc.transactionId ?? '');
  if (outside) {
    // Never recorded as paid: the kit learnt of the payment and its refund at once.
    const facts = { transactionId, paidAt };
    return [{ at: ms(outside.seenAt) ?? paidAt, kind: 'refundedOutside', title: 'REFUND', facts }];
  }
  // paidAt is WeChat's time of payment; the kit recorded it when its onPaid hook was first claimed
  // (right after the conditional update), which can be much later after lost callbacks. The hook's
  // claimedAt is its latest claim: after a retry, the recorded first run says when that was.
  const fulfilment = doc.fulfilment as HookDoc | undefined;
  const firstClaimAt = firstRunAt ?? ms(fulfilment?.claimedAt);
  const recordedAt = Math.max(paidAt, firstClaimAt ?? paidAt);
  const paid: TimelineEntry = {
    at: recordedAt,
    kind: 'paid',
    title: 'SUCCESS',
    facts: { transactionId, paidAt },
  };
  return fulfilment ? [paid, hookEntry(recordedAt, fulfilment, 'onPaid', clock)] : [paid];
}

/**
 * When the kit found WeChat holding a payment that does not match the order, with what WeChat said
 * (the amount it took, the merchant it named) beside the order's own amount, and the order's state
 * then: PAYERROR, or REFUND when WeChat had it refunded already. Then, if the merchant refunded it
 * on the merchant platform since, when the kit learnt that. Never the order's payment: no paidAt.
 */
function mismatchEntries(
  doc: Doc,
  row: OrderRow,
  held: MismatchedPaymentView,
  outsideAt: number | undefined,
): TimelineEntry[] {
  const seenAt = ms((doc.mismatchedPayment as { seenAt?: unknown }).seenAt) ?? row.createdAt;
  const payment = { outTradeNo: held.outTradeNo, transactionId: held.transactionId };
  const found: TimelineEntry = {
    at: seenAt,
    kind: 'mismatchedPayment',
    title: outsideAt === seenAt ? 'REFUND' : 'PAYERROR',
    facts: {
      ...payment,
      wechatFee: held.totalFee ?? null,
      orderFee: row.totalFee,
      merchantId: held.merchantId ?? null,
    },
  };
  if (outsideAt === undefined) return [found];
  return [found, { at: outsideAt, kind: 'refundedOutside', title: 'REFUND', facts: payment }];
}
