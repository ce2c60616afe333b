/**
 * The whole payment in one call: order (or reuse an order), open the payment sheet, confirm with
 * the server. Never rejects; every ending is one of four results. pay-button is a view over this.
 */
import type { UnifiedOrderRequest } from '../../typings/paykit/functions';
import type { OrderView } from '../../typings/paykit/order';
import { unifiedOrder } from './api';
import { confirmPayment } from './confirm';
import { asPaykitError, PaykitError } from './errors';
import { requestPayment } from './payment';

export type PayResult =
  /** The server confirmed the payment. */
  | { status: 'paid'; orderNo: string; order: OrderView }
  /** The sheet said paid but the server had not confirmed it in time: show "processing", check later. */
  | { status: 'pending'; orderNo: string; order?: OrderView }
  /** The user closed the sheet; the order stays payable. */
  | { status: 'cancelled'; orderNo: string }
  /**
   * Ordering, the sheet or the provider failed; no orderNo when no order was made (an existing
   * order's number always: paid or closed meanwhile, it is the one to show again).
   */
  | { status: 'failed'; orderNo?: string; error: PaykitError };

export async function pay(request: UnifiedOrderRequest): Promise<PayResult> {
  let orderNo: string | undefined = 'orderNo' in request ? request.orderNo : undefined;
  try {
    const order = await unifiedOrder(request);
    orderNo = order.orderNo;
    const outcome = await requestPayment(order.payment);
    if (outcome.status === 'cancelled') return { status: 'cancelled', orderNo };
    if (outcome.status === 'failed') return { status: 'failed', orderNo, error: outcome.error };
    const confirmation = await confirmPayment(orderNo);
    if (confirmation.confirmed) return { status: 'paid', orderNo, order: confirmation.order };
    return { status: 'pending', orderNo, ...(confirmation.order ? { order: confirmation.order } : {}) };
  } catch (err) {
    const error = err instanceof PaykitError ? err : asPaykitError(err);
    return orderNo === undefined ? { status: 'failed', error } : { status: 'failed', orderNo, error };
  }
}
