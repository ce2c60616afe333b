/**
 * listProducts: the products for sale, in sku order, one cursor page at a time. Anyone may call it
 * (the catalogue is public), so it neither needs nor reads the caller; nor the pay configuration.
 */
import type { ListProductsResult } from '../../typings/paykit/functions';
import type { PaykitResponse } from '../../typings/paykit/errors';
import { initCloud } from '../common/context';
import { respond } from '../common/errors';
import { listProducts } from '../common/products';
import { listProductsRequest, parseRequest } from '../common/requests';
import { Store } from '../common/store';

initCloud();

export async function main(event: unknown): Promise<PaykitResponse<ListProductsResult>> {
  return respond(() => listProducts(new Store(), parseRequest(listProductsRequest, event)));
}
