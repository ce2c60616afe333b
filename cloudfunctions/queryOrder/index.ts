/** queryOrder: the caller's order, synced from WeChat Pay while unpaid (recovers a lost callback). */
import type { QueryOrderResult } from '../../typings/paykit/functions';
import type { PaykitResponse } from '../../typings/paykit/errors';
import { caller, initCloud, kit } from '../common/context';
import { respond } from '../common/errors';
import { readOrder } from '../common/orders';
import { asEvent, readOrderNo } from '../common/validate';

initCloud();

export async function main(event: unknown): Promise<PaykitResponse<QueryOrderResult>> {
  return respond(() => readOrder(kit(), readOrderNo(asEvent(event)), caller().openid));
}
