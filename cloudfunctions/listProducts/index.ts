/**
 * listProducts: the products for sale, in sku order, one cursor page at a time. Anyone may call it
 * (the catalogue is public), so it neither needs nor reads the caller; nor the pay configuration.
 */
import type { ListProductsResult } from '../../typings/paykit/functions';
import type { PaykitResponse } from '../../typings/paykit/errors';
import { initCloud } from '../common/context';
import { respond } from '../common/errors';
import { listProducts, readProductsRequest } from '../common/products';
import { Store } from '../common/store';
import { asEvent } from '../common/validate';

initCloud();

export async function main(event: unknown): Promise<PaykitResponse<ListProductsResult>> {
  return respond(() => listProducts(new Store(), readProductsRequest(asEvent(event))));
}
