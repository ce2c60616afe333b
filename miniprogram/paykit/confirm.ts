/**
 * `wx.requestPayment` reporting success is not proof of payment (DESIGN §3): the order is paid
 * when the kit says so. confirmPayment asks queryOrder (which syncs with WeChat Pay server-side) a
 * bounded number of times, waiting `confirmDelays` between tries.
 */
import type { OrderStatus, OrderView } from '../../typings/paykit/order';
import { queryOrder } from './api';
import { getPaykitConfig } from './config';
import { asPaykitError, type PaykitError } from './errors';

export type Confirmation =
  | { confirmed: true; order: OrderView }
  /** Not confirmed in time: the last order seen (if any query answered) and the last query error. */
  | { confirmed: false; order?: OrderView; error?: PaykitError };

/** Paid, including paid and since refunded. */
export function isPaidStatus(status: OrderStatus): boolean {
  return status === 'SUCCESS' || status === 'REFUND';
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

export async function confirmPayment(orderNo: string): Promise<Confirmation> {
  let order: OrderView | undefined;
  let error: PaykitError | undefined;
  for (const delay of getPaykitConfig().confirmDelays) {
    await sleep(delay);
    try {
      order = await queryOrder(orderNo);
      error = undefined;
      if (isPaidStatus(order.status)) return { confirmed: true, order };
      // Closed or failed at WeChat: waiting longer will not make it paid.
      if (order.status !== 'NOTPAY') break;
    } catch (err) {
      error = asPaykitError(err);
    }
  }
  return { confirmed: false, ...(order ? { order } : {}), ...(error ? { error } : {}) };
}
