/** @jest-environment node */
/**
 * The request schemas are the only validation of a function's event: each is checked here against
 * the contract both sides compile against (`typings/paykit/functions.ts`), by the compiler, and
 * against hostile input, in milliseconds.
 */
import type * as v from 'valibot';
import {
  downloadBillRequest,
  listOrdersRequest,
  listProductsRequest,
  orderRequest,
  parseRequest,
  parseUnifiedOrder,
  refundRequest,
  type newOrderRequest,
  type payOrderRequest,
} from '../../../cloudfunctions/common/requests';
import { shipOrderRequest } from '../../../cloudfunctions/common/shipping-requests';
import type { PaykitFunctions } from '../../../typings/paykit/functions';

/** True only when A and B are the same type. */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Request<K extends keyof PaykitFunctions> = PaykitFunctions[K]['request'];
type In<S extends v.GenericSchema> = v.InferInput<S>;

// The compiler proves that each schema accepts exactly the contract's request.
const contract: Array<true> = [
  true as Equals<In<typeof newOrderRequest> | In<typeof payOrderRequest>, Request<'unifiedOrder'>>,
  true as Equals<In<typeof orderRequest>, Request<'queryOrder'>>,
  true as Equals<In<typeof orderRequest>, Request<'closeOrder'>>,
  true as Equals<In<typeof listOrdersRequest>, Request<'listOrders'>>,
  true as Equals<In<typeof listProductsRequest>, Request<'listProducts'>>,
  true as Equals<In<typeof refundRequest>, Request<'refund'>>,
  true as Equals<In<typeof downloadBillRequest>, Request<'downloadBill'>>,
];

const ORDER_NO = 'PK2024031510000012345678';

const message = (run: () => unknown): string => {
  try {
    run();
  } catch (err) {
    expect(err).toEqual(expect.objectContaining({ code: 'INVALID_PARAM' }));
    return (err as Error).message;
  }
  throw new Error('expected INVALID_PARAM');
};

test('the schemas match the contract', () => {
  expect(contract).toHaveLength(7);
});

describe('unifiedOrder', () => {
  test('a new order keeps only the catalogue lines and the request key', () => {
    const event = {
      items: [{ sku: 'coffee-latte', quantity: 2, price: 1 }],
      requestKey: 'tap-00000001',
      totalFee: 1,
      openid: 'o-someone-else',
    };
    expect(parseUnifiedOrder(event)).toEqual({
      items: [{ sku: 'coffee-latte', quantity: 2 }],
      requestKey: 'tap-00000001',
    });
  });

  test('an orderNo pays an existing order', () => {
    expect(parseUnifiedOrder({ orderNo: ORDER_NO, items: 'ignored' })).toEqual({ orderNo: ORDER_NO });
  });

  test.each([
    [null, 'the request must be an object'],
    [[], 'the request must be an object'],
    [{}, 'items must be a non-empty array'],
    [{ items: [] }, 'items must be a non-empty array'],
    [{ items: [{ sku: 'a', quantity: 0 }] }, 'items[0].quantity must be a whole number from 1 to 99'],
    [{ items: [{ sku: 'a', quantity: 1.5 }] }, 'items[0].quantity must be a whole number from 1 to 99'],
    [{ items: [{ sku: 'a b', quantity: 1 }] }, 'items[0].sku must be a catalogue sku'],
    [{ items: ['x'] }, 'items[0] must be an object'],
    [
      { items: Array.from({ length: 21 }, () => ({ sku: 'a', quantity: 1 })) },
      'items at most 20 items per order',
    ],
    [
      { items: [{ sku: 'a', quantity: 1 }], requestKey: 'short' },
      'requestKey must be 8 to 64 letters, digits, _ or -',
    ],
    [{ orderNo: 'PK1' }, 'orderNo must be an order number'],
    [{ orderNo: { $ne: null } }, 'orderNo must be an order number'],
  ])('%j → %s', (event, expected) => {
    expect(message(() => parseUnifiedOrder(event))).toBe(expected);
  });
});

test('a list of a million entries is refused by its length, before any entry is read', () => {
  let reads = 0;
  const huge = new Proxy(new Array<unknown>(1_000_000).fill(0), {
    get(target, key, receiver) {
      if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  expect(message(() => parseUnifiedOrder({ items: huge }))).toBe('items at most 20 items per order');
  expect(message(() => parseRequest(shipOrderRequest, { orderNo: ORDER_NO, packages: huge }))).toBe(
    "packages at most 15 packages (WeChat's limit for a split shipment)",
  );
  expect(reads).toBe(0);
});

describe('the other requests', () => {
  test.each([
    ['queryOrder', orderRequest, {}, 'orderNo must be an order number'],
    [
      'listOrders',
      listOrdersRequest,
      { status: 'PAID' },
      'status must be one of NOTPAY, SUCCESS, CLOSED, REFUND, PAYERROR',
    ],
    ['listOrders', listOrdersRequest, { pageSize: 51 }, 'pageSize must be a whole number from 1 to 50'],
    ['listOrders', listOrdersRequest, { cursor: 'x'.repeat(401) }, 'cursor is not one this function gave'],
    [
      'refund',
      refundRequest,
      { orderNo: ORDER_NO, refundFee: '100' },
      'refundFee must be a whole number of fen',
    ],
    ['refund', refundRequest, { orderNo: ORDER_NO, refundFee: 0 }, 'refundFee must be at least 1 fen'],
    [
      'refund',
      refundRequest,
      { orderNo: ORDER_NO, refundFee: 1, reason: '退'.repeat(27) },
      'reason must be text of at most 80 bytes',
    ],
    [
      'refund',
      refundRequest,
      { orderNo: ORDER_NO, refundFee: 1, reason: '坏了😀' },
      'reason must hold no emoji or other 4-byte character (WeChat Pay refuses them)',
    ],
    [
      'refund',
      refundRequest,
      { orderNo: ORDER_NO, refundFee: 1, reason: 'half \ud800 a pair' },
      'reason must hold no emoji or other 4-byte character (WeChat Pay refuses them)',
    ],
    [
      'refund',
      refundRequest,
      { orderNo: ORDER_NO, refundFee: 1, refundNo: 'r1' },
      'refundNo must be 6 to 64 letters, digits, _ or -',
    ],
    ['downloadBill', downloadBillRequest, { billDate: '2024-03-15' }, 'billDate must be a day as yyyyMMdd'],
    [
      'downloadBill',
      downloadBillRequest,
      { billDate: '20240315', repair: 'yes' },
      'repair must be true or false',
    ],
  ])('%s %j → %s', (_name, schema, event, expected) => {
    expect(message(() => parseRequest(schema as v.GenericSchema, event))).toBe(expected);
  });

  test('valid requests come back typed, without extra fields', () => {
    expect(parseRequest(listOrdersRequest, { status: 'SUCCESS', cursor: null, extra: 1 })).toEqual({
      status: 'SUCCESS',
      cursor: null,
    });
    expect(parseRequest(refundRequest, { orderNo: ORDER_NO, refundFee: 100, openid: 'x' })).toEqual({
      orderNo: ORDER_NO,
      refundFee: 100,
    });
  });
});
