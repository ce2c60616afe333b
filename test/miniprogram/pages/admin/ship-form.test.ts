/** @jest-environment node */
/** The to-ship page's shipping form: what it starts with, adding and removing packages, the request. */
import {
  formFor,
  MAX_PACKAGES,
  requestOf,
  withoutPackage,
  withPackage,
  type PackageForm,
} from '../../../../miniprogram/pages/admin/to-ship/form';
import type { OrderView } from '../../../../typings/paykit/order';

const ORDER = {
  orderNo: 'PK2026060109000000000001',
  status: 'SUCCESS',
  items: [
    { sku: 'tea', name: '乌龙茶', unitPrice: 1600, quantity: 2 },
    { sku: 'cake', name: '芝士蛋糕', unitPrice: 3200, quantity: 1 },
  ],
  totalFee: 6400,
  description: '乌龙茶×2、芝士蛋糕',
  createdAt: 0,
  expiresAt: 0,
  refundedFee: 0,
  refunds: [],
  delivery: 'same-city',
} as unknown as OrderView;

const pkg = (key: number, fill: Partial<PackageForm> = {}): PackageForm => ({
  key,
  companyIndex: 0,
  trackingNo: '',
  contact: '',
  itemDesc: '',
  ...fill,
});

test('a new form: the order’s own method and one package described by its items', () => {
  expect(formFor(ORDER)).toEqual({
    orderNo: ORDER.orderNo,
    shipments: 0,
    methodIndex: 1,
    packages: [pkg(0, { itemDesc: '乌龙茶×2、芝士蛋糕' })],
  });
});

test('the form keeps the shipments the list showed, and its request says them', () => {
  const shipped = { ...ORDER, shipping: { state: 'SHIPPED', delivery: 'same-city', shipCount: 1 } };
  const form = formFor(shipped as OrderView);
  expect(form.shipments).toBe(1);
  expect(requestOf(form)).toEqual(expect.objectContaining({ orderNo: ORDER.orderNo, shipments: 1 }));
});

test('another package takes the last one’s company and contact, a key of its own, up to WeChat’s 15', () => {
  const first = pkg(0, { companyIndex: 3, trackingNo: 'ST1', contact: '189****1234', itemDesc: '茶' });
  const two = withPackage([first]);
  expect(two).toEqual([first, pkg(1, { companyIndex: 3, contact: '189****1234' })]);
  let many = two;
  while (many.length < MAX_PACKAGES) many = withPackage(many);
  expect(new Set(many.map((p) => p.key)).size).toBe(MAX_PACKAGES);
  expect(withPackage(many)).toBe(many);
  // Keys stay unique after a removal: the next one is past the largest.
  expect(withPackage(withoutPackage(two, 0)).map((p) => p.key)).toEqual([1, 2]);
});

test('removing a package keeps the others in order, and never the last one', () => {
  const three = [pkg(0), pkg(1), pkg(2)];
  expect(withoutPackage(three, 1).map((p) => p.key)).toEqual([0, 2]);
  expect(withoutPackage([pkg(0)], 0)).toEqual([pkg(0)]);
});

test('an express request sends every package, trimmed, with a contact only where one was given', () => {
  const form = {
    orderNo: ORDER.orderNo,
    shipments: 0,
    methodIndex: 0,
    packages: [
      pkg(0, { trackingNo: ' SF1 ', contact: ' 189****1234 ', itemDesc: ' 乌龙茶×2 ' }),
      pkg(3, { companyIndex: 1, trackingNo: 'ZT2', itemDesc: '芝士蛋糕' }),
    ],
  };
  expect(requestOf(form)).toEqual({
    orderNo: ORDER.orderNo,
    shipments: 0,
    method: 'express',
    packages: [
      {
        itemDesc: '乌龙茶×2',
        trackingNo: 'SF1',
        expressCompany: 'SF',
        contact: { receiverContact: '189****1234' },
      },
      { itemDesc: '芝士蛋糕', trackingNo: 'ZT2', expressCompany: 'ZTO' },
    ],
  });
});

test('the other methods send the first package’s description alone', () => {
  const form = {
    orderNo: ORDER.orderNo,
    shipments: 0,
    methodIndex: 2,
    packages: [pkg(0, { itemDesc: ' 到店自提 ' }), pkg(1)],
  };
  expect(requestOf(form)).toEqual({
    orderNo: ORDER.orderNo,
    shipments: 0,
    method: 'self-pickup',
    packages: [{ itemDesc: '到店自提' }],
  });
});
