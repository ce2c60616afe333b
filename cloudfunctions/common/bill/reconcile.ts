/**
 * Reconciles one day's bill with the kit's own records, as a pure function of the parsed bill and two
 * callbacks standing for the database. Memory is bounded: besides one lookup batch, it keeps only the
 * outTradeNo of each payment the bill shows (one short string per paid trade, about 100 bytes in V8:
 * ~100 MB for a million payments a day) and at most `maxDiscrepancies` discrepancies.
 */
import type { Discrepancy, DiscrepancyKind } from '../../../typings/paykit/bill';
import type { OrderStatus } from '../../../typings/paykit/order';
import { orderNoOf } from '../ids';
import { isPaid } from '../order-states';
import { BillFormatError } from './errors';
import type { BillEnd, BillEntry, BillRow, BillType } from './parse';

/** An order as the kit recorded it. */
export interface LocalOrder {
  orderNo: string;
  status: OrderStatus;
  /** fen */
  totalFee: number;
  /** The order's current attempt: for a paid order, the attempt it was paid through. */
  outTradeNo: string | null;
  transactionId?: string;
  paidAt?: Date | number;
  /** The order's refunds, when known: a refund is here only if recorded as SUCCESS. */
  refunds?: Array<{ outRefundNo: string; status: string }>;
  /** Refunded on the merchant platform before the kit recorded the payment (OrderDoc.refundedOutside). */
  refundedOutside?: boolean;
  /** The attempt WeChat holds a payment of that does not match the order (OrderDoc.mismatchedPayment). */
  mismatchedOutTradeNo?: string;
}

export interface ReconcileSources {
  /** The bill's day, yyyyMMdd. */
  billDate: string;
  /**
   * The orders that the given attempts belong to, keyed by the outTradeNo asked for; an attempt the
   * kit never made has no entry. Called with at most `batchSize` distinct outTradeNos at a time.
   */
  lookup(outTradeNos: string[]): Promise<Map<string, LocalOrder>>;
  /** Orders the kit recorded as paid on that day (Beijing time), status SUCCESS or REFUND. */
  localPaid(): AsyncIterable<LocalOrder>;
  /** Default 100. */
  batchSize?: number;
  /** Discrepancies kept in the result; more are only counted. Default 10 000. */
  maxDiscrepancies?: number;
}

/** A refund in the bill the kit has no record of (its order is unknown, or not in REFUND state). */
export interface RefundDiscrepancy {
  kind: 'REFUND_NOT_HERE';
  outTradeNo: string;
  orderNo?: string;
  outRefundNo: string;
  refundId: string;
  /** Refunded at WeChat, fen. */
  wechatFee: number;
  /** The bill's 退款状态 for the refund (SUCCESS for a refund paid out). */
  wechatStatus: string;
  localStatus?: OrderStatus;
}

export type AnyDiscrepancyKind = DiscrepancyKind | 'REFUND_NOT_HERE';

export interface Reconciliation {
  billDate: string;
  billType: BillType;
  totals: {
    /** Payment lines (交易状态 SUCCESS) and their 订单金额, fen. */
    payments: { count: number; fee: number };
    /** Refund lines and their 退款金额, fen. */
    refunds: { count: number; fee: number };
    /** Sum of 手续费 over all lines, in 0.00001 yuan. */
    serviceFee: number;
  };
  discrepancies: Discrepancy[];
  refundDiscrepancies: RefundDiscrepancy[];
  /** Every discrepancy found, kept or not. */
  discrepancyCounts: Record<AnyDiscrepancyKind, number>;
  /** Discrepancies beyond maxDiscrepancies, counted but not kept. */
  discrepanciesDropped: number;
  summaryMatches: boolean;
  /** The bill's summary line and its check against the rows. */
  summary: BillEnd;
  /** False for a REFUND bill, which cannot show whether a local payment is at WeChat. */
  checkedLocalPaid: boolean;
}

interface Pending {
  kind: 'payment' | 'refund';
  outTradeNo: string;
  transactionId: string;
  fee: number;
  outRefundNo: string;
  refundId: string;
  refundStatus: string;
}

/**
 * Strings cut from a large text can keep the whole text alive in V8 (sliced strings); a copy that is
 * kept for the whole reconciliation must not.
 */
const own = (s: string): string => (' ' + s).slice(1);

export async function reconcileBill(
  batches: AsyncIterable<readonly BillEntry[]>,
  sources: ReconcileSources,
): Promise<Reconciliation> {
  const batchSize = sources.batchSize ?? 100;
  const maxKept = sources.maxDiscrepancies ?? 10_000;
  const totals = { payments: { count: 0, fee: 0 }, refunds: { count: 0, fee: 0 }, serviceFee: 0 };
  const discrepancies: Discrepancy[] = [];
  const refundDiscrepancies: RefundDiscrepancy[] = [];
  const discrepancyCounts: Record<AnyDiscrepancyKind, number> = {
    PAID_AT_WECHAT_NOT_HERE: 0,
    AMOUNT_MISMATCH: 0,
    PAID_HERE_NOT_AT_WECHAT: 0,
    UNKNOWN_TRADE: 0,
    REFUND_NOT_HERE: 0,
    REFUNDED_OUTSIDE_KIT: 0,
    PAYMENT_NOT_MATCHING: 0,
  };
  let dropped = 0;
  const report = (d: Discrepancy | RefundDiscrepancy): void => {
    discrepancyCounts[d.kind]++;
    if (discrepancies.length + refundDiscrepancies.length >= maxKept) dropped++;
    else if ('refundId' in d) refundDiscrepancies.push(d);
    else discrepancies.push(d);
  };

  /** Every payment in the bill, by outTradeNo: what PAID_HERE_NOT_AT_WECHAT is checked against. */
  const paidAtWechat = new Set<string>();
  let pending: Pending[] = [];

  const judge = (p: Pending, order: LocalOrder | undefined): void => {
    const orderNo = orderNoOf(p.outTradeNo);
    if (p.kind === 'refund') {
      const here = order?.refunds
        ? order.refunds.some((r) => r.outRefundNo === p.outRefundNo && r.status === 'SUCCESS')
        : order?.status === 'REFUND';
      if (!here && order?.refundedOutside) {
        // The merchant's own refund on the platform: nothing for the kit to settle.
        report({
          kind: 'REFUNDED_OUTSIDE_KIT',
          outTradeNo: p.outTradeNo,
          orderNo: order.orderNo,
          outRefundNo: p.outRefundNo,
          wechatFee: p.fee,
          transactionId: p.transactionId,
        });
      } else if (!here) {
        report({
          kind: 'REFUND_NOT_HERE',
          outTradeNo: p.outTradeNo,
          ...(orderNo ? { orderNo } : {}),
          ...(order ? { localStatus: order.status } : {}),
          outRefundNo: p.outRefundNo,
          refundId: p.refundId,
          wechatFee: p.fee,
          wechatStatus: p.refundStatus,
        });
      }
      return;
    }
    const seen = { outTradeNo: p.outTradeNo, wechatFee: p.fee, transactionId: p.transactionId };
    if (!order) report({ kind: 'UNKNOWN_TRADE', ...seen, ...(orderNo ? { orderNo } : {}) });
    else if (order.mismatchedOutTradeNo === p.outTradeNo) {
      report({ kind: 'PAYMENT_NOT_MATCHING', ...seen, orderNo: order.orderNo, localFee: order.totalFee });
    } else if (order.totalFee !== p.fee) {
      report({ kind: 'AMOUNT_MISMATCH', ...seen, orderNo: order.orderNo, localFee: order.totalFee });
    } else if (!isPaid(order.status) || order.outTradeNo !== p.outTradeNo) {
      report({ kind: 'PAID_AT_WECHAT_NOT_HERE', ...seen, orderNo: order.orderNo, localFee: order.totalFee });
    }
  };

  const flush = async (): Promise<void> => {
    if (!pending.length) return;
    const batch = pending;
    pending = [];
    const orders = await sources.lookup([...new Set(batch.map((p) => p.outTradeNo))]);
    for (const p of batch) judge(p, orders.get(p.outTradeNo));
  };

  const take = (entry: BillRow): Pending | undefined => {
    totals.serviceFee += entry.fee;
    const outTradeNo = own(entry.outTradeNo);
    const isRefund = entry.kind === 'refund';
    if (isRefund) {
      totals.refunds.count++;
      totals.refunds.fee += entry.refundFee;
    } else if (entry.tradeState === 'SUCCESS') {
      totals.payments.count++;
      totals.payments.fee += entry.totalFee;
      paidAtWechat.add(outTradeNo);
    } else {
      return undefined; // REVOKED and the like: no money kept, nothing to match
    }
    return {
      kind: isRefund ? 'refund' : 'payment',
      outTradeNo,
      transactionId: own(entry.transactionId),
      fee: isRefund ? entry.refundFee : entry.totalFee,
      outRefundNo: own(entry.outRefundNo),
      refundId: own(entry.refundId),
      refundStatus: isRefund ? own(entry.refundStatus) : '',
    };
  };

  let end: BillEnd | undefined;
  for await (const batch of batches) {
    for (const entry of batch) {
      if (entry.kind === 'summary') {
        end = entry;
        break;
      }
      const p = take(entry);
      if (!p) continue;
      // Not of the kit's form: no order to look up.
      if (!orderNoOf(p.outTradeNo)) judge(p, undefined);
      else if (pending.push(p) >= batchSize) await flush();
    }
    if (end) break;
  }
  if (!end) throw new BillFormatError(0, 'the bill ended without its summary');
  await flush();

  const checkedLocalPaid = end.billType !== 'REFUND';
  if (checkedLocalPaid) {
    for await (const order of sources.localPaid()) {
      if (order.outTradeNo && paidAtWechat.has(order.outTradeNo)) continue;
      report({
        kind: 'PAID_HERE_NOT_AT_WECHAT',
        outTradeNo: order.outTradeNo ?? '',
        orderNo: order.orderNo,
        localFee: order.totalFee,
        ...(order.transactionId ? { transactionId: order.transactionId } : {}),
      });
    }
  }

  return {
    billDate: sources.billDate,
    billType: end.billType,
    totals,
    discrepancies,
    refundDiscrepancies,
    discrepancyCounts,
    discrepanciesDropped: dropped,
    summaryMatches: end.summaryMatches,
    summary: end,
    checkedLocalPaid,
  };
}
