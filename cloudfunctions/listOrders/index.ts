/** listOrders: the caller's orders, newest first, optionally by status, one cursor page at a time. */
import type { ListOrdersResult } from '../../typings/paykit/functions';
import type { PaykitResponse } from '../../typings/paykit/errors';
import { caller } from '../common/access';
import { initCloud, loadKit } from '../common/context';
import { respond } from '../common/errors';
import { checkScope, listOrders } from '../common/list';
import { listOrdersRequest, parseRequest } from '../common/requests';

initCloud();

export async function main(event: unknown, context: unknown): Promise<PaykitResponse<ListOrdersResult>> {
  return respond(() => {
    const kit = loadKit(context);
    const { openid } = caller();
    checkScope(kit, openid, event);
    return listOrders(kit, openid, parseRequest(listOrdersRequest, event));
  });
}
