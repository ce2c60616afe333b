/**
 * What the timers do. closeExpiredOrders (every 5 minutes): close unpaid orders whose time ran
 * out, recover payments whose callback was lost (asking WeChat about unpaid orders whose payment
 * attempt is a few minutes old), re-ask WeChat about refunds still processing, and retry every
 * merchant hook that has not finished (onPaid and onRefunded); record virtual goods as shipped
 * (WeChat may not have known the payment at first), and ask WeChat about shipped orders whose
 * confirmation or settlement is due. Each part pages through all its orders until done or until
 * the run's time is spent (a call to WeChat it could no longer start included: its order is left as
 * it was, not as asked); the next run carries on.
 */
import { closeUnpaidOrder } from './close';
import type { Kit } from './context';
import { ServerError } from './errors';
import { fulfil, settleRefundHooks } from './fulfil';
import { hasUnfinishedHooks } from './order-states';
import type { OrderDoc } from './model';
import { applyTradeStatus } from './payments';
import { syncRefund } from './refunds';
import { shipVirtualGoods, RECHECK_SHIPPED_MS } from './shipping';
import { recheckAt, shippingOf } from './shipping-states';
import { syncShipping } from './shipping-sync';
import type { SweepQuery } from './store';

export const SWEEP_PAGE = 100;
/** A callback normally arrives within seconds; after this an unpaid order's new attempt is asked about. */
export const LOST_CALLBACK_AFTER_MS = 2 * 60_000;
/** How far back the lost-callback check looks: two sweeps' worth, so every order is asked twice.
 * Older unpaid orders are asked when they expire (closing queries first). */
export const LOST_CALLBACK_WINDOW_MS = 10 * 60_000;
/** Real time one run may spend when the invocation's time limit is not known. */
export const SWEEP_BUDGET_MS = 40_000;

export interface SweepReport {
  closed: number;
  recoveredPaid: number;
  refundsSettled: number;
  hooksRetried: number;
  /** Virtual goods recorded as shipped. */
  virtualShipped: number;
  /** Shipped orders WeChat had moved on (receipt confirmed, settled, refunded). */
  shippingMoved: number;
  /** Unpaid orders found paid at WeChat with another amount or merchant: set aside for an admin. */
  paymentsNotMatching: number;
  /** False when the time budget ran out, or a call to WeChat could not start, before every part was done. */
  complete: boolean;
  errors: string[];
}

export async function sweep(kit: Kit): Promise<SweepReport> {
  const report: SweepReport = {
    closed: 0,
    recoveredPaid: 0,
    refundsSettled: 0,
    hooksRetried: 0,
    virtualShipped: 0,
    shippingMoved: 0,
    paymentsNotMatching: 0,
    complete: true,
    errors: [],
  };
  const now = Date.now();
  // Real time, not Date: in the sandbox a function's Date may be a frozen test clock. The run keeps
  // within what its invocation has (a merchant may set a shorter timeout than config.json's 60 s).
  const endsAt = performance.now() + kit.time.runBudgetMs(SWEEP_BUDGET_MS);
  const inBudget = () => performance.now() < endsAt;
  // Once WeChat Pay rate-limits the run (429), the parts that ask it stop until the next run: asking
  // about every remaining order at once is what it asks the merchant not to do (reference §8.3).
  let payThrottled = false;
  const each = async (
    query: SweepQuery,
    work: (order: OrderDoc) => Promise<void>,
    asksWeChatPay = false,
  ): Promise<void> => {
    let after = '';
    for (;;) {
      if (!inBudget() || (asksWeChatPay && payThrottled)) {
        report.complete = false;
        return;
      }
      const page = await kit.store.sweepPage(query, after, SWEEP_PAGE);
      for (const order of page) {
        if (!inBudget() || (asksWeChatPay && payThrottled)) {
          report.complete = false;
          return;
        }
        try {
          await work(order);
        } catch (err) {
          // A call to WeChat not started for lack of time: not asked, the order is as it was, for
          // the next run (the budget, which keeps more than a call needs, ends this one).
          if (err instanceof ServerError && err.notStarted) report.complete = false;
          else if (err instanceof ServerError && err.code === 'ORDER_PAID') report.recoveredPaid++;
          else report.errors.push(`${order._id}: ${(err as Error).message}`);
          if (err instanceof ServerError && err.rateLimited) payThrottled = true;
        }
      }
      if (page.length < SWEEP_PAGE) return;
      after = page[page.length - 1]._id;
    }
  };

  await each(
    { kind: 'expired', now: new Date(now) },
    async (order) => {
      try {
        if ((await closeUnpaidOrder(kit, order)).status === 'CLOSED') report.closed++;
      } catch (err) {
        // Found paid (ORDER_PAID, counted as recovered below) or, not a payment kept, paid and
        // refunded on the merchant platform, or paid not matching the order: recorded, as the
        // check of recent attempts does.
        const code = err instanceof ServerError ? err.code : undefined;
        const found = code === 'ORDER_PAID' || code === 'ORDER_STATE_CONFLICT';
        const latest = found ? await kit.store.order(order._id) : undefined;
        if (latest?.mismatchedPayment) report.paymentsNotMatching++;
        else if (code !== 'ORDER_PAID' || !latest?.refundedOutside) throw err;
      }
    },
    true,
  );

  const windowEnd = now - LOST_CALLBACK_AFTER_MS;
  const from = new Date(windowEnd - LOST_CALLBACK_WINDOW_MS);
  await each(
    { kind: 'unpaidAttempted', from, to: new Date(windowEnd) },
    async (order) => {
      if (order.status !== 'NOTPAY' || !order.outTradeNo) return;
      const after = await applyTradeStatus(kit, order, await kit.provider.queryTrade(order.outTradeNo));
      if (after.status === 'SUCCESS') report.recoveredPaid++;
      else if (after.mismatchedPayment) report.paymentsNotMatching++;
    },
    true,
  );

  await each(
    { kind: 'refundProcessing' },
    async (order) => {
      for (const [i, refund] of order.refunds.entries()) {
        if (refund.status === 'PROCESSING' && (await syncRefund(kit, order, i, { resume: true })))
          report.refundsSettled++;
      }
    },
    true,
  );

  await each({ kind: 'hooksUnfinished' }, async (order) => {
    const paid = await fulfil(kit, order);
    const latest = paid === 'DONE' ? await kit.store.order(order._id) : undefined;
    const refunds = latest ? await settleRefundHooks(kit, latest) : 'BUSY';
    if (paid === 'DONE' && refunds === 'DONE' && hasUnfinishedHooks(order)) report.hooksRetried++;
  });

  await each({ kind: 'virtualAwaiting' }, async (order) => {
    const outcome = await shipVirtualGoods(kit, order, now);
    if (outcome === 'SHIPPED') report.virtualShipped++;
    if (outcome === 'NOT_STARTED') report.complete = false;
  });

  await each({ kind: 'shippingDue', now: new Date(now) }, async (order) => {
    const s = shippingOf(order);
    // A shipment recorded only here (not enrolled) has nothing at WeChat to follow.
    const local = s.shipments[s.shipments.length - 1]?.local ?? true;
    if (!local) {
      const outcome = await syncShipping(kit, order);
      // Never asked: still due, for the next run.
      if (outcome === 'NOT_ASKED') {
        report.complete = false;
        return;
      }
      if (outcome === 'MOVED') report.shippingMoved++;
    }
    // Whatever WeChat said, the order is not asked again before its next check (page order is by _id).
    await kit.store.apply(
      order._id,
      recheckAt(kit.store.command, local ? null : new Date(now + RECHECK_SHIPPED_MS)),
    );
  });
  return report;
}
