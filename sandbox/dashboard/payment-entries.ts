/**
 * What the kit recorded of an order's payment, as timeline entries: paid (with its onPaid hook),
 * paid and refunded on the merchant platform before the kit knew, or a payment WeChat holds for one
 * of the order's attempts that does not match the order (held for an admin, PAYERROR) and its way
 * out, the merchant refunding it on the merchant platform (REFUND, refunded outside the kit).
 */
import type { MismatchedPaymentView, OrderRow, TimelineEntry } from '../../typings/sandbox/dashboard';

type Doc = Record<string, unknown>;

export interface HookDoc {
  state?: string;
  claimedAt?: unknown;
  runs?: number;
  lastError?: string;
}

export const ms = (value: unknown): number | undefined =>
  value instanceof Date ? value.getTime() : typeof value === 'number' ? value : undefined;

export function hookEntry(at: number, hook: HookDoc, name: string): TimelineEntry {
  return {
    at,
    kind: 'hook',
    title: hook.state ?? 'PENDING',
    facts: { hook: name, runs: hook.runs ?? 0, lastError: hook.lastError ?? null },
  };
}

/** The entries of the order's payment as the kit recorded it; none while it recorded none. */
export function paymentEntries(doc: Doc, row: OrderRow): TimelineEntry[] {
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
  // (right after the conditional update), which can be much later after lost callbacks.
  const fulfilment = doc.fulfilment as HookDoc | undefined;
  const recordedAt = Math.max(paidAt, ms(fulfilment?.claimedAt) ?? paidAt);
  const paid: TimelineEntry = {
    at: recordedAt,
    kind: 'paid',
    title: 'SUCCESS',
    facts: { transactionId, paidAt },
  };
  return fulfilment ? [paid, hookEntry(recordedAt, fulfilment, 'onPaid')] : [paid];
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
