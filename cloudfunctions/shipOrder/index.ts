/**
 * shipOrder (merchant admins only): record the shipment of a paid order at WeChat (express with
 * tracking numbers, same-city, self-pickup; split express up to 15 packages), or its one re-shipment.
 * `shipments`, the count the admin's view showed, refuses a shipment from a stale view.
 */
import type { PaykitResponse } from '../../typings/paykit/errors';
import type { ShipOrderResult } from '../../typings/paykit/shipping';
import { adminCaller } from '../common/access';
import { initCloud, loadKit } from '../common/context';
import { respond } from '../common/errors';
import { parseRequest } from '../common/requests';
import { shipOrder } from '../common/shipping';
import { shipOrderRequest } from '../common/shipping-requests';

initCloud();

export async function main(event: unknown, context: unknown): Promise<PaykitResponse<ShipOrderResult>> {
  return respond(() => {
    const kit = loadKit(context);
    const admin = adminCaller(kit);
    return shipOrder(kit, admin, parseRequest(shipOrderRequest, event));
  });
}
