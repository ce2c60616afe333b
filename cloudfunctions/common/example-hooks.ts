/**
 * The kit's example merchant hooks, used when the project has no `merchant/hooks.ts`. Copy this
 * file there to write your own (a kit upgrade never touches it).
 *
 * The contract, which every hook must keep:
 * - `onPaid` runs for each paid order and `onRefunded` for each successful refund, once in the
 *   normal case however many callbacks, queries, timers and bills report the same payment.
 * - At least once, not exactly once: a hook that throws is retried (by WeChat's next callback
 *   delivery or the closeExpiredOrders timer), not sooner than 30 s after that run began, then 1, 2
 *   and 4 minutes after each next failing run; and an instance that dies in the middle of a hook
 *   has it run again once its claim lapsed: a minute after it began, or when the platform would
 *   have stopped its function, if that is later. So a hook must be safe to repeat.
 * - In order per order: no `onRefunded` starts before the order's `onPaid` finished, and refunds'
 *   hooks run in the order the refunds were made.
 * - Writes merge: a hook updates only the fields it owns (never replaces a whole document), so a
 *   repeated `onPaid` cannot erase what `onRefunded` wrote, as the examples below do.
 */
import { mergeDoc, type OnPaid, type OnRefunded } from './hooks-api';

export const DELIVERIES = 'paykit_deliveries';

/** Example: mark the goods as delivered. */
export const onPaid: OnPaid = async (order, db) => {
  await mergeDoc(db, DELIVERIES, order._id, {
    openid: order.openid,
    items: order.items.map((i) => ({ sku: i.sku, quantity: i.quantity })),
    status: 'DELIVERED',
    deliveredAt: new Date(),
  });
};

/** Example: note the refund against the delivery record. */
export const onRefunded: OnRefunded = async (order, refund, db) => {
  await mergeDoc(db, DELIVERIES, order._id, {
    refunds: { [refund.outRefundNo]: refund.refundFee },
    refundedAt: new Date(),
  });
};
