/**
 * closeOrder: close the caller's unpaid order. Asks WeChat first, so an order paid meanwhile is
 * recorded as paid (ORDER_PAID), not closed; within WeChat's 5-minute window it answers
 * CLOSE_TOO_EARLY with `retryAt`.
 */
import type { CloseOrderResult } from '../../typings/paykit/functions';
import type { PaykitResponse } from '../../typings/paykit/errors';
import { closeOwnOrder } from '../common/close';
import { caller, initCloud, kit } from '../common/context';
import { respond } from '../common/errors';
import { asEvent, readOrderNo } from '../common/validate';

initCloud();

export async function main(event: unknown): Promise<PaykitResponse<CloseOrderResult>> {
  return respond(() => closeOwnOrder(kit(), readOrderNo(asEvent(event)), caller().openid));
}
