/** @jest-environment node */
/** The order model, identifiers, Beijing time and configuration: pure functions, tested directly. */
import {
  beijingDay,
  beijingDayRange,
  beijingStamp,
  parseBeijing,
} from '../../../cloudfunctions/common/beijing';
import { loadServerConfig } from '../../../cloudfunctions/common/config';
import { newOrderNo, orderNoOf, outTradeNoFor, requestKeyId } from '../../../cloudfunctions/common/ids';
import {
  awaitingPrepay,
  describe as describeItems,
  forSale,
  prepayExpiry,
  prepayUsable,
  priceItems,
  refundableFee,
  refundedFee,
  reusablePayment,
  toView,
  truncateUtf8,
  type OrderDoc,
  type PaymentAttempt,
  type ProductDoc,
} from '../../../cloudfunctions/common/model';
import type { Product } from '../../../typings/paykit/order';

const T0 = Date.UTC(2024, 2, 15, 2, 30, 45); // 2024-03-15 10:30:45 Beijing

const docs: ProductDoc[] = [
  { _id: 'latte', name: '拿铁', price: 2800 },
  { _id: 'tea', name: '乌龙茶', price: 1600, active: true },
  { _id: 'gone', name: '下架', price: 100, active: false },
  { _id: 'free', name: '赠品', price: 0 },
  { _id: 'half', name: '半价', price: 99.5 },
  { _id: 'nameless', price: 100 },
  { _id: 'bad sku', name: '空格', price: 100 },
];
/** The catalogue as the store builds it: only what is for sale. */
const catalogue = new Map<string, Product>(
  docs.flatMap((d) => {
    const product = forSale(d);
    return product ? [[product.sku, product] as const] : [];
  }),
);

test('for sale: active unless marked false, a sku, a name, a whole positive price in fen', () => {
  expect([...catalogue.keys()]).toEqual(['latte', 'tea']);
  expect(forSale(docs[0])).toEqual({
    sku: 'latte',
    name: '拿铁',
    price: 2800,
    active: true,
    delivery: 'express',
  });
  expect(forSale({ ...docs[0], delivery: 'virtual' })?.delivery).toBe('virtual');
  // A delivery method the kit cannot ship is not for sale.
  expect(forSale({ ...docs[0], delivery: 'teleport' })).toBeUndefined();
  expect(forSale({ ...docs[0], delivery: 3 })).toBeUndefined();
});

const order = (over: Partial<OrderDoc> = {}): OrderDoc => ({
  _id: 'PK2024031510304512345678',
  openid: 'o-a',
  appid: 'wx1',
  items: [{ sku: 'latte', name: '拿铁', unitPrice: 2800, quantity: 1 }],
  totalFee: 2800,
  description: '拿铁',
  status: 'SUCCESS',
  attempts: [],
  outTradeNo: null,
  createdAt: new Date(T0),
  updatedAt: new Date(T0),
  expiresAt: new Date(T0 + 1800_000),
  refunds: [],
  version: 1,
  ...over,
});

describe('priceItems', () => {
  test('prices from the catalogue, merging repeated skus', () => {
    expect(
      priceItems(
        [
          { sku: 'latte', quantity: 1 },
          { sku: 'tea', quantity: 2 },
          { sku: 'latte', quantity: 2 },
        ],
        catalogue,
      ),
    ).toEqual({
      items: [
        { sku: 'latte', name: '拿铁', unitPrice: 2800, quantity: 3, delivery: 'express' },
        { sku: 'tea', name: '乌龙茶', unitPrice: 1600, quantity: 2, delivery: 'express' },
      ],
      totalFee: 11600,
    });
  });

  test.each([
    [[{ sku: 'nope', quantity: 1 }], 'PRODUCT_NOT_FOUND'],
    [[{ sku: 'gone', quantity: 1 }], 'PRODUCT_NOT_FOUND'],
    [[{ sku: 'free', quantity: 1 }], 'PRODUCT_NOT_FOUND'],
    [[{ sku: 'nameless', quantity: 1 }], 'PRODUCT_NOT_FOUND'],
    [Array.from({ length: 2 }, () => ({ sku: 'latte', quantity: 60 })), 'INVALID_PARAM'],
  ])('%j is refused with %s', (lines, code) => {
    expect(() => priceItems(lines, catalogue)).toThrow(expect.objectContaining({ code }));
  });
});

test('describe fits WeChat’s 128-byte body, cutting at a character', () => {
  expect(describeItems(order().items, '咖啡店-')).toBe('咖啡店-拿铁');
  const long = truncateUtf8('拿'.repeat(100), 128);
  expect(Buffer.byteLength(long)).toBeLessThanOrEqual(128);
  expect(long.endsWith('…')).toBe(true);
});

/** The payment parameters of a prepay WeChat answered. */
const payment = {
  timeStamp: '1',
  nonceStr: 'n',
  package: 'prepay_id=p',
  signType: 'MD5' as const,
  paySign: 's',
};

test('a prepay is reused until a minute before it expires', () => {
  const attempt = {
    outTradeNo: 'A01',
    createdAt: T0,
    prepayId: 'p',
    prepayExpiresAt: T0 + 7200_000,
    payment,
  };
  const unpaid = order({ status: 'NOTPAY', attempts: [attempt], outTradeNo: 'A01' });
  expect(reusablePayment(unpaid, T0)).toBe(payment);
  expect(reusablePayment(unpaid, T0 + 7200_000 - 60_001)).toBe(payment);
  expect(reusablePayment(unpaid, T0 + 7200_000 - 60_000)).toBeUndefined();
  // Recorded before WeChat answered: nothing to reuse.
  expect(
    reusablePayment(order({ attempts: [{ outTradeNo: 'A01', createdAt: T0 }], outTradeNo: 'A01' }), T0),
  ).toBeUndefined();
});

test('a retry with the request key waits for a prepay only while one may still come', () => {
  const unpaid = (attempt: PaymentAttempt) =>
    order({ status: 'NOTPAY', attempts: [attempt], outTradeNo: 'A01' });
  const asking = { outTradeNo: 'A01', createdAt: T0 };
  expect(awaitingPrepay(unpaid(asking))).toBe(true);
  // The ask failed, and said so: nothing is coming.
  expect(awaitingPrepay(unpaid({ ...asking, prepayFailedAt: T0 + 500 }))).toBe(false);
  expect(awaitingPrepay(unpaid({ ...asking, prepayId: 'p', prepayExpiresAt: T0 + 7200_000, payment }))).toBe(
    false,
  );
  expect(awaitingPrepay(order({ status: 'CLOSED', attempts: [asking], outTradeNo: 'A01' }))).toBe(false);
});

test('a prepay lives 2 hours, never beyond its order, and is handed out with a minute to spare', () => {
  // Both providers date their prepays with prepayExpiry.
  expect(prepayExpiry(T0, T0 + 30 * 60_000)).toBe(T0 + 30 * 60_000);
  expect(prepayExpiry(T0, T0 + 3 * 3600_000)).toBe(T0 + 2 * 3600_000);
  expect(prepayUsable(T0 + 60_001, T0)).toBe(true);
  expect(prepayUsable(T0 + 60_000, T0)).toBe(false);
  expect(prepayUsable(T0, T0)).toBe(false);
});

test('refunds: what went through, and what is left to refund', () => {
  const refund = (refundFee: number, status: 'PROCESSING' | 'SUCCESS' | 'FAILED') => ({
    outRefundNo: `R${refundFee}`,
    refundFee,
    status,
    by: 'admin',
    createdAt: new Date(T0),
  });
  const o = order({ refunds: [refund(500, 'SUCCESS'), refund(300, 'PROCESSING'), refund(1000, 'FAILED')] });
  expect(refundedFee(o)).toBe(500);
  expect(refundableFee(o)).toBe(2000);
  expect(toView(o)).toEqual(
    expect.objectContaining({ orderNo: o._id, refundedFee: 500, createdAt: T0, expiresAt: T0 + 1800_000 }),
  );
  // A refund made on the merchant platform counts as any, and reads as made there.
  const platform = { ...refund(1500, 'SUCCESS'), by: 'merchant-platform', onPlatform: true as const };
  const both = order({ refunds: [refund(500, 'SUCCESS'), platform] });
  expect(refundedFee(both)).toBe(2000);
  expect(refundableFee(both)).toBe(800);
  expect(toView(both).refunds.map((r) => r.onPlatform ?? false)).toEqual([false, true]);
  // Recorded while a refund of the kit's was still reserved (WeChat then refuses that one): nothing is left.
  expect(refundableFee(order({ refunds: [refund(2000, 'PROCESSING'), platform] }))).toBe(0);
});

describe('identifiers', () => {
  test('order and attempt numbers', () => {
    const orderNo = newOrderNo(T0);
    expect(orderNo).toMatch(/^PK20240315103045\d{8}$/);
    expect(outTradeNoFor(orderNo, 2)).toBe(`${orderNo}A02`);
    expect(orderNoOf(`${orderNo}A02`)).toBe(orderNo);
    expect(orderNoOf('SHOP-1')).toBeUndefined();
  });

  test('a request key document is one per user and key', () => {
    expect(requestKeyId('o-a', 'key-0001')).toBe(requestKeyId('o-a', 'key-0001'));
    expect(requestKeyId('o-a', 'key-0001')).not.toBe(requestKeyId('o-b', 'key-0001'));
    expect(requestKeyId('o-a', 'key-0001')).toMatch(/^[0-9a-f]{40}$/);
  });
});

describe('Beijing time', () => {
  test('stamps and days', () => {
    expect(beijingStamp(T0)).toBe('20240315103045');
    expect(parseBeijing('20240315103045')).toBe(T0);
    expect(parseBeijing('2024-03-15 10:30:45')).toBe(T0);
    expect(parseBeijing('nonsense')).toBeNaN();
    expect(beijingDay(Date.UTC(2024, 2, 14, 16))).toBe('20240315');
    expect(beijingDayRange('20240315')).toEqual({
      from: Date.UTC(2024, 2, 14, 16),
      to: Date.UTC(2024, 2, 15, 16),
    });
    expect(beijingDayRange('20240230')).toBeUndefined();
  });
});

describe('server configuration', () => {
  test('reads the environment, with defaults', () => {
    expect(loadServerConfig({ PAYKIT_SUB_MCH_ID: '1900000109', PAYKIT_ADMIN_OPENIDS: ' a, b ,' })).toEqual({
      provider: {
        name: 'cloudpay',
        cloudpay: { subMchId: '1900000109', payCallback: 'payCallback', refundCallback: 'refundCallback' },
      },
      orderTtlMs: 30 * 60_000,
      bodyPrefix: '',
      adminOpenids: ['a', 'b'],
    });
  });

  test.each([
    [{}, /no pay provider is configured: a new merchant sets PAYKIT_PROVIDER=apiv3 .*PAYKIT_SUB_MCH_ID/],
    [{ PAYKIT_PROVIDER: ' ', PAYKIT_SUB_MCH_ID: '' }, /no pay provider is configured/],
    [{ PAYKIT_PROVIDER: 'cloudpay' }, /PAYKIT_SUB_MCH_ID is not set/],
    [{ PAYKIT_SUB_MCH_ID: 'abc' }, /not a merchant number/],
    [{ PAYKIT_SUB_MCH_ID: '1900000109', PAYKIT_ORDER_TTL_MINUTES: '0' }, /PAYKIT_ORDER_TTL_MINUTES/],
    // Too short for WeChat's time_expire (at least a minute after the unifiedOrder).
    [{ PAYKIT_SUB_MCH_ID: '1900000109', PAYKIT_ORDER_TTL_MINUTES: '1' }, /minutes, 2 to 10080/],
    [{ PAYKIT_PROVIDER: 'alipay' }, /PAYKIT_PROVIDER "alipay" is not one of cloudpay, apiv3/],
  ])('%j → NOT_CONFIGURED', (env, message) => {
    expect(() => loadServerConfig(env)).toThrow(
      expect.objectContaining({ code: 'NOT_CONFIGURED', message: expect.stringMatching(message) }),
    );
  });
});
