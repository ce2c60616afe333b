/**
 * downloadBill / reconcileBills: fetch a day's bill from WeChat Pay, stream it through the parser,
 * reconcile it with paykit_orders, optionally repair what can be repaired (payments WeChat has and
 * the kit missed, each confirmed with WeChat first), and store the day's report in paykit_bills.
 */
import type { BillReport, Discrepancy } from '../../typings/paykit/bill';
import { billBatches, reconcileBill, type LocalOrder, type RefundDiscrepancy } from './bill';
import { beijingDay, beijingDayRange, DAY_MS } from './beijing';
import type { Kit } from './context';
import { invalid, ServerError } from './errors';
import type { OrderDoc } from './model';
import { settleRefundHooks } from './fulfil';
import { orderNoOf } from './ids';
import { isPaid } from './order-states';
import { applyTradeStatus, recheckMismatch } from './payments';
import { recordRefundMadeOnPlatform, recordRefundOutcome, syncRefund } from './refunds';

/** yyyyMMdd → the Beijing day [from, to) in ms since epoch; refuses days that are not over yet. */
export function billDay(billDate: string, now = Date.now()): { billDate: string; from: number; to: number } {
  const range = beijingDayRange(billDate);
  if (!range) throw invalid(`billDate ${billDate} is not a calendar day`);
  if (range.to > now) throw invalid('bills exist only for days that are over (Beijing time)');
  return { billDate, ...range };
}

/** The Beijing day before `now`, as yyyyMMdd. */
export function yesterday(now = Date.now()): string {
  return beijingDay(now - DAY_MS);
}

/** How many days before yesterday the daily run looks back for a day never reconciled. */
export const CATCH_UP_DAYS = 7;
/** Real time the daily run may spend on those days when the invocation's time limit is not known. */
const CATCH_UP_BUDGET_MS = 30_000;

/**
 * reconcileBills: yesterday, with repair; then any of the CATCH_UP_DAYS before it that has no
 * report, oldest first: a run WeChat failed (SYSTEM_ERROR, a timeout, FREQUENCY_LIMITED) would
 * otherwise leave its day unreconciled for good, as the next run only looks at its own yesterday.
 * Days begin only within what the invocation has (a merchant may set a shorter timeout than
 * config.json's 60 s); a day whose call to WeChat could not start is the next run's, not a failure.
 * Yesterday's failure is answered once the others were tried.
 */
export async function reconcileDueDays(kit: Kit, now = Date.now()): Promise<BillReport> {
  // Real time, not Date: in the sandbox a function's Date may be a frozen test clock.
  const endsAt = performance.now() + kit.time.runBudgetMs(CATCH_UP_BUDGET_MS);
  let report: BillReport | undefined;
  let failure: unknown;
  try {
    report = await reconcileDay(kit, yesterday(now), true);
  } catch (err) {
    failure = err;
  }
  const earlier = Array.from({ length: CATCH_UP_DAYS }, (_, i) =>
    beijingDay(now - (CATCH_UP_DAYS + 1 - i) * DAY_MS),
  );
  const done = await kit.store.savedBillDates(earlier);
  for (const day of earlier.filter((d) => !done.has(d))) {
    if (performance.now() >= endsAt) break;
    try {
      await reconcileDay(kit, day, true);
    } catch (err) {
      if (err instanceof ServerError && err.notStarted) break;
      console.error(`[paykit] reconciling ${day} failed again; the next run tries again:`, String(err));
    }
  }
  if (!report) throw failure;
  return report;
}

function local(order: OrderDoc): LocalOrder {
  return {
    orderNo: order._id,
    status: order.status,
    totalFee: order.totalFee,
    outTradeNo: order.outTradeNo,
    ...(order.transactionId ? { transactionId: order.transactionId } : {}),
    ...(order.paidAt ? { paidAt: order.paidAt } : {}),
    refunds: (order.refunds ?? []).map((r) => ({ outRefundNo: r.outRefundNo, status: r.status })),
    ...(order.refundedOutside ? { refundedOutside: true } : {}),
    ...(order.mismatchedPayment ? { mismatchedOutTradeNo: order.mismatchedPayment.outTradeNo } : {}),
  };
}

export async function reconcileDay(kit: Kit, billDate: string, repair: boolean): Promise<BillReport> {
  const day = billDay(billDate);
  const sources = {
    billDate: day.billDate,
    lookup: async (outTradeNos: string[]) => {
      const orderNos = [...new Set(outTradeNos.map(orderNoOf).filter((n): n is string => !!n))];
      const orders = new Map((await kit.store.ordersByNo(orderNos)).map((o) => [o._id, o]));
      const found = new Map<string, LocalOrder>();
      for (const outTradeNo of outTradeNos) {
        const order = orders.get(orderNoOf(outTradeNo) ?? '');
        if (order?.attempts.some((a) => a.outTradeNo === outTradeNo)) found.set(outTradeNo, local(order));
      }
      return found;
    },
    localPaid: async function* () {
      let after: string | undefined;
      for (;;) {
        const page = await kit.store.paidBetween(new Date(day.from), new Date(day.to), 100, after);
        for (const order of page) yield local(order);
        if (page.length < 100) return;
        after = page[page.length - 1]._id;
      }
    },
  };

  const bill = await kit.provider.downloadBill(day.billDate);
  let report: BillReport;
  if (bill) {
    const rec = await reconcileBill(billBatches(bill), sources);
    const refunds: Discrepancy[] = rec.refundDiscrepancies.map((r) => ({
      kind: 'REFUND_NOT_HERE',
      outTradeNo: r.outTradeNo,
      outRefundNo: r.outRefundNo,
      wechatFee: r.wechatFee,
      ...(r.orderNo ? { orderNo: r.orderNo } : {}),
    }));
    if (repair) {
      // Payments first: a payment the kit missed may turn out refunded on the merchant platform,
      // which tells what its refunds in the bill are.
      await repairMissing(kit, rec.discrepancies);
      for (const [i, r] of rec.refundDiscrepancies.entries()) {
        const outcome = await repairRefund(kit, r);
        if (outcome === 'REPAIRED') refunds[i].repaired = true;
        if (outcome === 'OUTSIDE') refunds[i].kind = 'REFUNDED_OUTSIDE_KIT';
      }
    }
    report = {
      billDate: day.billDate,
      billExists: true,
      payments: rec.totals.payments,
      refunds: rec.totals.refunds,
      serviceFee: rec.totals.serviceFee,
      summaryMatches: rec.summaryMatches,
      discrepancies: [...rec.discrepancies, ...refunds],
      reconciledAt: Date.now(),
    };
  } else {
    // No bill: WeChat saw no trade that day, so every payment recorded here is unexplained.
    const discrepancies: Discrepancy[] = [];
    for await (const order of sources.localPaid()) {
      discrepancies.push({
        kind: 'PAID_HERE_NOT_AT_WECHAT',
        outTradeNo: order.outTradeNo ?? '',
        orderNo: order.orderNo,
        localFee: order.totalFee,
      });
    }
    report = {
      billDate: day.billDate,
      billExists: false,
      payments: { count: 0, fee: 0 },
      refunds: { count: 0, fee: 0 },
      serviceFee: 0,
      summaryMatches: true,
      discrepancies,
      reconciledAt: Date.now(),
    };
  }
  await kit.store.saveBill(report);
  return report;
}

/**
 * Settles a refund the bill shows paid out while the kit still has it PROCESSING: WeChat's query
 * decides, and where its answer is inconclusive (reference pitfall 12) the bill line, which is
 * WeChat's own record fetched by the kit, does. A refund recorded otherwise is left as it is. A
 * refund of an order refunded on the merchant platform (recorded so by repairMissing just before,
 * say) is the merchant's own: OUTSIDE, for an admin to look at; so is the refund of a payment held
 * for an admin (not matching its order), which WeChat's trade state then shows refunded. A refund
 * the kit has no record of, of an order whose payment it holds, was made on the merchant platform:
 * recorded as WeChat's query has it (recordRefundMadeOnPlatform), REPAIRED once SUCCESS there.
 */
async function repairRefund(kit: Kit, r: RefundDiscrepancy): Promise<'REPAIRED' | 'OUTSIDE' | 'LEFT'> {
  const read = r.orderNo ? await kit.store.order(r.orderNo) : undefined;
  const order = read && (await recheckMismatch(kit, read));
  if (order?.refundedOutside) return 'OUTSIDE';
  if (!order) return 'LEFT';
  const index = order.refunds.findIndex((x) => x.outRefundNo === r.outRefundNo);
  const settled =
    index < 0
      ? await recordMadeOnPlatform(kit, order, r.outRefundNo)
      : await settleOpen(kit, order, index, r);
  const latest = await kit.store.order(order._id);
  if (latest) await settleRefundHooks(kit, latest);
  const refund = latest?.refunds.find((x) => x.outRefundNo === r.outRefundNo);
  return settled && refund?.status === 'SUCCESS' ? 'REPAIRED' : 'LEFT';
}

/**
 * A refund the kit recorded PROCESSING or refused, which the bill shows paid out: settled by
 * WeChat's query, or the bill line where that is inconclusive. A refund recorded as refused can be
 * one WeChat carried out after all (two requests with its number): the bill, WeChat's record, says
 * so when its notifications were lost too. True if it is settled.
 */
async function settleOpen(kit: Kit, order: OrderDoc, index: number, r: RefundDiscrepancy): Promise<boolean> {
  const record = order.refunds[index];
  const open = record.status === 'PROCESSING' || record.status === 'FAILED';
  if (!open || record.refundFee !== r.wechatFee) return false;
  return (
    (await syncRefund(kit, order, index)) ||
    (r.wechatStatus === 'SUCCESS' && (await recordRefundOutcome(kit, order, index, 'SUCCESS')))
  );
}

/** A refund of the order's payment made on the merchant platform, recorded; true once it is. */
async function recordMadeOnPlatform(kit: Kit, order: OrderDoc, outRefundNo: string): Promise<boolean> {
  return typeof (await recordRefundMadeOnPlatform(kit, order, outRefundNo)) !== 'string';
}

/**
 * Records payments WeChat has and the kit missed, each confirmed with WeChat first: as paid, or as
 * refunded on the merchant platform when WeChat has the trade refunded already. A payment of an
 * unpaid order with another amount is kept on the order for an admin (PAYMENT_NOT_MATCHING).
 */
async function repairMissing(kit: Kit, discrepancies: Discrepancy[]): Promise<void> {
  for (const d of discrepancies) {
    if ((d.kind !== 'PAID_AT_WECHAT_NOT_HERE' && d.kind !== 'AMOUNT_MISMATCH') || !d.orderNo) continue;
    const order = await kit.store.order(d.orderNo);
    if (!order || order.status !== 'NOTPAY') continue;
    const after = await applyTradeStatus(kit, order, await kit.provider.queryTrade(d.outTradeNo));
    if (after.mismatchedPayment?.outTradeNo === d.outTradeNo) d.kind = 'PAYMENT_NOT_MATCHING';
    else if (isPaid(after.status) && after.outTradeNo === d.outTradeNo) d.repaired = true;
  }
}
