/**
 * listProducts: the catalogue for sale, in sku order, with a cursor (never `skip`). The cursor names
 * the last product document looked at; the next page starts strictly after it. Anyone may read the
 * catalogue: nothing here depends on the caller.
 */
import type { ListProductsResult } from '../../typings/paykit/functions';
import { invalid } from './errors';
import { forSale } from './model';
import { DEFAULT_PAGE, type ListProductsInput } from './requests';
import type { Store } from './store';

export async function listProducts(store: Store, request: ListProductsInput): Promise<ListProductsResult> {
  const query = {
    after: request.cursor == null ? undefined : decodeCursor(request.cursor),
    pageSize: request.pageSize ?? DEFAULT_PAGE,
  };
  const docs = await store.productsAfter(query.after, query.pageSize + 1);
  const page = docs.slice(0, query.pageSize);
  const last = page[page.length - 1];
  return {
    // What unifiedOrder would refuse to sell (no name, a price that is not whole positive fen) is
    // left out rather than shown at a price the order would not get.
    products: page.flatMap((doc) => {
      const product = forSale(doc);
      return product ? [product] : [];
    }),
    nextCursor: docs.length > query.pageSize && last ? encodeCursor(last._id) : null,
  };
}

function encodeCursor(sku: string): string {
  return Buffer.from(`p:${sku}`).toString('base64url');
}

/** The cursor names any document's `_id` (a page may end on one that is not listed, not a sku). */
function decodeCursor(value: string): string {
  const m = /^p:(.{1,256})$/su.exec(Buffer.from(value, 'base64url').toString());
  if (!m || encodeCursor(m[1]) !== value) throw invalid('cursor is not one this function gave');
  return m[1];
}
