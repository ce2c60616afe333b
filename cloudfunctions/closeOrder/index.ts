/**
 * closeOrder: close the caller's unpaid order. Asks WeChat first, so an order paid meanwhile is
 * recorded as paid (ORDER_PAID), not closed; within WeChat's 5-minute window it answers
 * CLOSE_TOO_EARLY with `retryAt`.
 */
import type { CloseOrderResult } from '../../typings/paykit/functions';
import type { PaykitResponse } from '../../typings/paykit/errors';
import { caller } from '../common/access';
import { closeOwnOrder } from '../common/close';
import { initCloud, loadKit } from '../common/context';
import { respond } from '../common/errors';
import { orderRequest, parseRequest } from '../common/requests';

initCloud();

export async function main(event: unknown, context: unknown): Promise<PaykitResponse<CloseOrderResult>> {
  return respond(() =>
    closeOwnOrder(loadKit(context), parseRequest(orderRequest, event).orderNo, caller().openid),
  );
}
