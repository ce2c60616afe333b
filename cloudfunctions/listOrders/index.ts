/** listOrders: the caller's orders, newest first, optionally by status, one cursor page at a time. */
import type { ListOrdersResult } from '../../typings/paykit/functions';
import type { PaykitResponse } from '../../typings/paykit/errors';
import { caller, initCloud, kit } from '../common/context';
import { respond } from '../common/errors';
import { listOrders, readListRequest } from '../common/list';
import { asEvent } from '../common/validate';

initCloud();

export async function main(event: unknown): Promise<PaykitResponse<ListOrdersResult>> {
  return respond(() => listOrders(kit(), caller().openid, readListRequest(asEvent(event))));
}
