/**
 * What the timers do. closeExpiredOrders (every 5 minutes): close unpaid orders whose time ran
 * out, recover payments whose callback was lost (asking WeChat about unpaid orders a few minutes
 * old), and retry onPaid hooks that failed. Bounded batches, so one run stays within its timeout.
 */
import { closeOrder } from './close';
import type { Kit } from './context';
import { PaykitError } from './errors';
import { fulfil } from './fulfil';
import { applyTradeStatus } from './payments';

export const SWEEP_BATCH = 50;
/** A callback normally arrives within seconds; after this an unpaid order is asked about. */
export const LOST_CALLBACK_AFTER_MS = 2 * 60_000;
/** How far back the lost-callback check looks: two sweeps' worth, so every order is asked twice.
 * Older unpaid orders are asked when they expire (closing queries first). */
export const LOST_CALLBACK_WINDOW_MS = 10 * 60_000;

export interface SweepReport {
  closed: number;
  recoveredPaid: number;
  hooksRetried: number;
  errors: string[];
}

export async function sweep(kit: Kit): Promise<SweepReport> {
  const report: SweepReport = { closed: 0, recoveredPaid: 0, hooksRetried: 0, errors: [] };
  const now = Date.now();
  const seen = new Set<string>();

  for (const order of await kit.store.expiredUnpaid(new Date(now), SWEEP_BATCH)) {
    seen.add(order._id);
    try {
      const after = await closeOrder(kit, order);
      if (after.status === 'CLOSED') report.closed++;
    } catch (err) {
      if (err instanceof PaykitError && err.code === 'ORDER_PAID') report.recoveredPaid++;
      else report.errors.push(`${order._id}: ${(err as Error).message}`);
    }
  }

  const windowEnd = now - LOST_CALLBACK_AFTER_MS;
  const recent = await kit.store.unpaidCreatedBetween(
    new Date(windowEnd - LOST_CALLBACK_WINDOW_MS),
    new Date(windowEnd),
    SWEEP_BATCH,
  );
  for (const order of recent) {
    if (seen.has(order._id) || !order.outTradeNo) continue;
    try {
      const after = await applyTradeStatus(kit, order, await kit.provider.queryTrade(order.outTradeNo));
      if (after.status === 'SUCCESS') report.recoveredPaid++;
    } catch (err) {
      report.errors.push(`${order._id}: ${(err as Error).message}`);
    }
  }

  for (const order of await kit.store.unfulfilled(SWEEP_BATCH)) {
    if ((await fulfil(kit, order)) === 'DONE') report.hooksRetried++;
  }
  return report;
}
