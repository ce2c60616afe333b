/** queryOrder: the caller's order, synced from WeChat Pay while unpaid (recovers a lost callback). */
import type { QueryOrderResult } from '../../typings/paykit/functions';
import type { PaykitResponse } from '../../typings/paykit/errors';
import { caller } from '../common/access';
import { initCloud, loadKit } from '../common/context';
import { respond } from '../common/errors';
import { readOrder } from '../common/orders';
import { orderRequest, parseRequest } from '../common/requests';

initCloud();

export async function main(event: unknown, context: unknown): Promise<PaykitResponse<QueryOrderResult>> {
  return respond(() =>
    readOrder(loadKit(context), parseRequest(orderRequest, event).orderNo, caller().openid),
  );
}
