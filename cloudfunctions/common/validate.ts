/** Input validation for function events: everything the client sends is untrusted. */
import { invalid } from './errors';
import { MAX_LINES, MAX_QUANTITY } from './model';

export type Event = Record<string, unknown>;

export function asEvent(event: unknown): Event {
  if (!event || typeof event !== 'object' || Array.isArray(event))
    throw invalid('the request must be an object');
  return event as Event;
}

const SKU = /^[A-Za-z0-9_.:-]{1,64}$/;
const ORDER_NO = /^PK\d{22}$/;
const REQUEST_KEY = /^[A-Za-z0-9_-]{8,64}$/;

/** The catalogue lines of a purchase. Unknown fields (an amount, an openid) are ignored, never read. */
export function readItems(event: Event): Array<{ sku: string; quantity: number }> {
  const items = event.items;
  if (!Array.isArray(items) || items.length === 0) throw invalid('items must be a non-empty array');
  if (items.length > MAX_LINES) throw invalid(`at most ${MAX_LINES} items per order`);
  return items.map((raw, i) => {
    if (!raw || typeof raw !== 'object') throw invalid(`items[${i}] must be an object`);
    const { sku, quantity } = raw as Record<string, unknown>;
    if (typeof sku !== 'string' || !SKU.test(sku)) throw invalid(`items[${i}].sku must be a catalogue sku`);
    if (
      typeof quantity !== 'number' ||
      !Number.isInteger(quantity) ||
      quantity < 1 ||
      quantity > MAX_QUANTITY
    ) {
      throw invalid(`items[${i}].quantity must be a whole number from 1 to ${MAX_QUANTITY}`);
    }
    return { sku, quantity };
  });
}

export function readOrderNo(event: Event): string {
  const orderNo = event.orderNo;
  if (typeof orderNo !== 'string' || !ORDER_NO.test(orderNo))
    throw invalid('orderNo must be an order number');
  return orderNo;
}

export function readOptionalOrderNo(event: Event): string | undefined {
  return event.orderNo === undefined ? undefined : readOrderNo(event);
}

export function readRequestKey(event: Event): string | undefined {
  const key = event.requestKey;
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || !REQUEST_KEY.test(key))
    throw invalid('requestKey must be 8 to 64 letters, digits, _ or -');
  return key;
}

/** A string that can be a catalogue sku (a product's `_id`). */
export function isSku(value: unknown): value is string {
  return typeof value === 'string' && SKU.test(value);
}
