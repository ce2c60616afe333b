/**
 * Merchant hooks: what your business does when money moves.
 *
 * The contract, which every hook must keep:
 * - `onPaid` runs for each paid order and `onRefunded` for each successful refund, once in the
 *   normal case however many callbacks, queries, timers and bills report the same payment.
 * - At least once, not exactly once: a hook that throws is retried (by WeChat's next callback
 *   delivery or the closeExpiredOrders timer), and an instance that dies in the middle of a hook
 *   has it run again after a minute's lease. So a hook must be safe to repeat.
 * - In order per order: no `onRefunded` starts before the order's `onPaid` finished, and refunds'
 *   hooks run in the order the refunds were made.
 * - Writes merge: a hook updates only the fields it owns (never replaces a whole document), so a
 *   repeated `onPaid` cannot erase what `onRefunded` wrote, as the examples below do.
 */
import type { OrderDoc, RefundRecord } from './model';
import type { Database } from './store';

export const DELIVERIES = 'paykit_deliveries';

/** Example: mark the goods as delivered. */
export async function onPaid(order: OrderDoc, db: Database): Promise<void> {
  await mergeDoc(db, DELIVERIES, order._id, {
    openid: order.openid,
    items: order.items.map((i) => ({ sku: i.sku, quantity: i.quantity })),
    status: 'DELIVERED',
    deliveredAt: new Date(),
  });
}

/** Example: note the refund against the delivery record. */
export async function onRefunded(order: OrderDoc, refund: RefundRecord, db: Database): Promise<void> {
  await mergeDoc(db, DELIVERIES, order._id, {
    refunds: { [refund.outRefundNo]: refund.refundFee },
    refundedAt: new Date(),
  });
}

/**
 * Writes `data` into document `id`, creating it if it is missing and keeping every field it does
 * not name (nested objects merge field by field). Safe to repeat and to race.
 */
export async function mergeDoc(
  db: Database,
  collection: string,
  id: string,
  data: Record<string, unknown>,
): Promise<void> {
  const docs = db.collection(collection);
  const updated = async () =>
    ((await docs.where({ _id: id }).update({ data })) as unknown as { stats: { updated: number } }).stats
      .updated > 0;
  if (await updated()) return;
  try {
    await docs.add({ data: { ...data, _id: id } });
  } catch (err) {
    // Created meanwhile by a concurrent run: merge into it. (An update that changes nothing may
    // count as no update, so the document's existence is what tells.)
    if (await updated()) return;
    const found = (await docs.where({ _id: id }).get()) as unknown as { data: unknown[] };
    if (!found.data.length) throw err;
  }
}
