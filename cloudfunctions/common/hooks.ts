/**
 * Merchant hooks: what your business does when money moves. Edit these two functions.
 *
 * The kit calls `onPaid` once per paid order and `onRefunded` once per successful refund, however
 * many callbacks, queries or timers report the same payment. A hook that throws is retried later
 * (by WeChat's next callback delivery or the closeExpiredOrders timer). A crash in the middle of a
 * hook can make it run again after a minute's lease, so write it to be safe to repeat for the same
 * order, as the examples below are: they key their records by order number or refund number.
 */
import type { Database } from './store';
import type { OrderDoc, RefundRecord } from './model';

export const DELIVERIES = 'paykit_deliveries';

/** Example: mark the goods as delivered. */
export async function onPaid(order: OrderDoc, db: Database): Promise<void> {
  await db
    .collection(DELIVERIES)
    .doc(order._id)
    .set({
      data: {
        openid: order.openid,
        items: order.items.map((i) => ({ sku: i.sku, quantity: i.quantity })),
        status: 'DELIVERED',
        deliveredAt: new Date(),
      },
    });
}

/** Example: note the refund against the delivery record. */
export async function onRefunded(order: OrderDoc, refund: RefundRecord, db: Database): Promise<void> {
  await db
    .collection(DELIVERIES)
    .doc(order._id)
    .update({ data: { [`refunds.${refund.outRefundNo}`]: refund.refundFee, refundedAt: new Date() } });
}
