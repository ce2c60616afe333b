/**
 * listProducts: the catalogue for sale, in sku order, with a cursor (never `skip`). The cursor names
 * the last product document looked at; the next page starts strictly after it. Anyone may read the
 * catalogue: nothing here depends on the caller.
 */
import type { ListProductsResult } from '../../typings/paykit/functions';
import type { Product } from '../../typings/paykit/order';
import { invalid } from './errors';
import { DEFAULT_PAGE, MAX_PAGE } from './list';
import type { ProductDoc, Store } from './store';
import { isSku, type Event } from './validate';

export interface ProductsQuery {
  /** The sku the page starts after. */
  after?: string;
  pageSize: number;
}

export function readProductsRequest(event: Event): ProductsQuery {
  const { cursor, pageSize } = event;
  return {
    after: cursor === undefined || cursor === null ? undefined : decodeCursor(cursor),
    pageSize: readPageSize(pageSize),
  };
}

function readPageSize(value: unknown): number {
  if (value === undefined) return DEFAULT_PAGE;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_PAGE)
    throw invalid(`pageSize must be a whole number from 1 to ${MAX_PAGE}`);
  return value;
}

export async function listProducts(store: Store, query: ProductsQuery): Promise<ListProductsResult> {
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

/** The product as the mini-program lists it, or undefined when it cannot be sold. */
export function forSale(doc: ProductDoc): Product | undefined {
  const { _id, name, price, active } = doc;
  if (active === false || !isSku(_id)) return undefined;
  if (typeof name !== 'string' || !name.trim()) return undefined;
  if (typeof price !== 'number' || !Number.isInteger(price) || price <= 0) return undefined;
  return { sku: _id, name, price, active: true };
}

function encodeCursor(sku: string): string {
  return Buffer.from(`p:${sku}`).toString('base64url');
}

/** The cursor names any document's `_id` (a page may end on one that is not listed, not a sku). */
function decodeCursor(value: unknown): string {
  if (typeof value !== 'string' || value.length > 400) throw invalid('cursor is not one this function gave');
  const m = /^p:(.{1,256})$/su.exec(Buffer.from(value, 'base64url').toString());
  if (!m || encodeCursor(m[1]) !== value) throw invalid('cursor is not one this function gave');
  return m[1];
}
