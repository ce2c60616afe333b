/** listToShip (merchant admins only): paid orders awaiting shipment, one cursor page at a time. */
import type { ListToShipResult } from '../../typings/paykit/functions';
import type { PaykitResponse } from '../../typings/paykit/errors';
import { adminCaller } from '../common/access';
import { initCloud, loadKit } from '../common/context';
import { respond } from '../common/errors';
import { parseRequest } from '../common/requests';
import { listToShipRequest } from '../common/shipping-requests';
import { listToShip } from '../common/shipping-sync';

initCloud();

export async function main(event: unknown, context: unknown): Promise<PaykitResponse<ListToShipResult>> {
  return respond(() => {
    const kit = loadKit(context);
    adminCaller(kit);
    return listToShip(kit, parseRequest(listToShipRequest, event));
  });
}
