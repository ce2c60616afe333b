/**
 * The side of an order's refunds only WeChat knows: refunds the merchant made by hand on the
 * merchant platform (`POST /sandbox/pay/refunds`), which the kit never recorded, and what of each
 * paid trade is left for such a refund. The kit's own refunds come from its order document.
 */
import type { PlatformRefundable, TimelineEntry } from '../../typings/sandbox/dashboard';
import type { TradeView } from '../pay/views';

/** Timeline entries of the trades' refunds whose numbers the kit does not hold. */
export function platformRefundEntries(trades: TradeView[], kitRefundNos: Set<string>): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  for (const t of trades) {
    for (const r of t.refunds.filter((refund) => !kitRefundNos.has(refund.outRefundNo))) {
      const facts = { outTradeNo: t.outTradeNo, refundNo: r.outRefundNo, refundFee: r.refundFee };
      entries.push({ at: r.createdAt, kind: 'platformRefund', title: r.status, facts });
      if (r.successAt !== null) entries.push({ at: r.successAt, kind: 'refunded', title: r.status, facts });
    }
  }
  return entries;
}

/**
 * The trades a merchant-platform refund can take now: paid at WeChat (SUCCESS, or REFUND with
 * something left: the refund rules of sandbox/pay/refunds.ts `openRefund`), whatever the kit recorded.
 */
export function platformRefundable(trades: TradeView[]): PlatformRefundable[] {
  return trades
    .filter((t) => t.state === 'SUCCESS' || t.state === 'REFUND')
    .map((t) => ({
      outTradeNo: t.outTradeNo,
      subMchId: t.subMchId,
      refundableFee: t.totalFee - t.refundedFee,
    }))
    .filter((t) => t.refundableFee > 0);
}
