/** @jest-environment node */
/**
 * The shipping dimension's moves and the shipment rules: pure functions, with the real
 * wx-server-sdk's commands (no database is reached).
 */
import cloud from 'wx-server-sdk';
import type { OrderDoc } from '../../../cloudfunctions/common/model';
import { orderDelivery } from '../../../cloudfunctions/common/model';
import { itemDesc, uploadBody } from '../../../cloudfunctions/common/shipping';
import { checkShipment, shipOrderRequest } from '../../../cloudfunctions/common/shipping-requests';
import { parseRequest } from '../../../cloudfunctions/common/requests';
import * as states from '../../../cloudfunctions/common/shipping-states';
import { rfc3339Beijing } from '../../../cloudfunctions/common/shipping-wechat';

cloud.init({ env: 'unit-test' });
const _ = cloud.database().command;
const T0 = Date.UTC(2024, 2, 15, 2, 30);

const order = (over: Partial<OrderDoc> = {}): OrderDoc => ({
  _id: 'PK2024031510300012345678',
  openid: 'o-buyer',
  appid: 'wx1',
  items: [{ sku: 'latte', name: '拿铁', unitPrice: 2800, quantity: 2 }],
  totalFee: 5600,
  description: '拿铁×2',
  status: 'SUCCESS',
  attempts: [],
  outTradeNo: null,
  transactionId: '4200000000202403150000000001',
  createdAt: new Date(T0),
  updatedAt: new Date(T0),
  expiresAt: new Date(T0 + 1800_000),
  refunds: [],
  version: 2,
  delivery: 'express',
  shipping: states.awaitingShipment(),
  ...over,
});

const shipment = (trackingNo: string): states.ShipmentRecord => ({
  method: 'express',
  packages: [{ itemDesc: '拿铁×2', trackingNo, expressCompany: 'ZTO' }],
  shippedAt: new Date(T0),
  by: 'o-admin',
  local: false,
});

test('a ship move is conditional on the record as read and on the upload claim: two admins at once record one shipment', () => {
  const claimedAt = new Date(T0);
  const move = states.ship(_, order(), shipment('T1'), new Date(T0 + 1), claimedAt);
  expect(move.where).toEqual({
    status: _.in(['SUCCESS', 'REFUND']),
    'shipping.count': 0,
    'shipping.state': _.in(['AWAITING', 'SHIPPED']),
    'shipping.uploadingSince': claimedAt,
  });
  expect(move.data.shipping).toEqual(
    expect.objectContaining({ state: 'SHIPPED', count: 1, shipments: [shipment('T1')] }),
  );
  expect(move.data.shipping).toEqual(
    expect.objectContaining({ uploadingSince: _.remove(), uploadingUntil: _.remove() }),
  );
  // An order paid before the dimension existed is shipped on the record its claim wrote, never on
  // its version (a refund of it settling meanwhile does not change its shipping).
  expect(
    states.ship(_, order({ shipping: undefined }), shipment('T1'), new Date(T0), claimedAt).where,
  ).toEqual(move.where);
});

test('one upload at a time: a claim is free when absent, or lapsed and older than the lease', () => {
  const now = new Date(T0);
  const until = new Date(T0 + 300_000);
  // A claim that recorded its lapse is free after it; one that did not (made before lapses were
  // recorded), after the lease.
  const free = {
    'shipping.uploadingSince': _.exists(false).or(_.lte(new Date(T0 - states.UPLOAD_LEASE_MS))),
    'shipping.uploadingUntil': _.nor([_.gt(now)]),
  };
  expect(states.claimUpload(_, order(), now, until)).toEqual({
    where: {
      status: _.in(['SUCCESS', 'REFUND']),
      'shipping.count': 0,
      'shipping.state': _.in(['AWAITING', 'SHIPPED']),
      ...free,
    },
    data: { 'shipping.uploadingSince': now, 'shipping.uploadingUntil': until },
  });
  // An order paid before the dimension existed gets its whole record, while it still has none.
  expect(states.claimUpload(_, order({ shipping: undefined }), now, until)).toEqual({
    where: {
      status: _.in(['SUCCESS', 'REFUND']),
      shipping: _.exists(false),
      ...free,
    },
    data: {
      shipping: { state: 'AWAITING', count: 0, shipments: [], uploadingSince: now, uploadingUntil: until },
    },
  });
  expect(states.releaseUpload(_, now)).toEqual({
    where: { 'shipping.uploadingSince': now },
    data: { 'shipping.uploadingSince': _.remove(), 'shipping.uploadingUntil': _.remove() },
  });
});

test('one re-shipment: shippable while fewer than two uploads and not confirmed', () => {
  const shipped = (count: number, state: states.ShippingRecord['state'] = 'SHIPPED') =>
    order({ shipping: { state, count, shipments: [] } });
  expect(states.canShip(order())).toBe(true);
  expect(states.canShip(shipped(1))).toBe(true);
  expect(states.canShip(shipped(2))).toBe(false);
  expect(states.canShip(shipped(1, 'CONFIRMED'))).toBe(false);
  expect(states.canShip(order({ status: 'NOTPAY' }))).toBe(false);
});

test('WeChat’s order_state moves the record forward only', () => {
  expect([1, 2, 3, 4, 5, 6, 7].map(states.stateOfWeChat)).toEqual([
    'AWAITING',
    'SHIPPED',
    'CONFIRMED',
    'SETTLED',
    'REFUNDED',
    'CONFIRMED',
    undefined,
  ]);
  const at = new Date(T0);
  const shipped = order({ shipping: { state: 'SHIPPED', count: 1, shipments: [] } });
  expect(states.followWeChat(_, shipped, 'CONFIRMED', at)).toEqual(states.confirm(at));
  expect(states.followWeChat(_, shipped, 'SETTLED', at)).toEqual(states.settle(_, at));
  expect(states.followWeChat(_, shipped, 'SHIPPED', at)).toBeUndefined();
  expect(states.followWeChat(_, shipped, 'AWAITING', at)).toBeUndefined();
  const settled = order({ shipping: { state: 'SETTLED', count: 1, shipments: [] } });
  expect(states.followWeChat(_, settled, 'CONFIRMED', at)).toBeUndefined();
  expect(states.followWeChat(_, order(), 'REFUNDED', at)).toEqual(states.refunded(_));
  // Confirm starts from SHIPPED only: a duplicate confirmation matches nothing.
  expect(states.confirm(at).where).toEqual({ 'shipping.state': 'SHIPPED' });
});

test('WeChat’s upload request: transaction_id key, logistics type, unified or split, RFC 3339 time', () => {
  const body = uploadBody(
    order(),
    'express',
    [{ itemDesc: 'a', trackingNo: 'T1', expressCompany: 'SF', contact: { receiverContact: '189****1234' } }],
    T0,
  );
  expect(body).toEqual({
    order_key: { order_number_type: 2, transaction_id: '4200000000202403150000000001' },
    logistics_type: 1,
    delivery_mode: 1,
    shipping_list: [
      {
        item_desc: 'a',
        tracking_no: 'T1',
        express_company: 'SF',
        contact: { receiver_contact: '189****1234' },
      },
    ],
    upload_time: '2024-03-15T10:30:00.000+08:00',
    payer: { openid: 'o-buyer' },
  });
  const split = uploadBody(order(), 'express', [{ itemDesc: 'a' }, { itemDesc: 'b' }], T0);
  expect(split).toEqual(expect.objectContaining({ delivery_mode: 2, is_all_delivered: true }));
  expect(uploadBody(order(), 'virtual', [{ itemDesc: 'a' }], T0).logistics_type).toBe(3);
  expect(rfc3339Beijing(Date.UTC(2022, 11, 15, 5, 29, 35, 120))).toBe('2022-12-15T13:29:35.120+08:00');
});

test('item_desc names the items within 120 characters', () => {
  expect(itemDesc(order())).toBe('拿铁×2');
  const many = order({
    items: Array.from({ length: 40 }, (_, i) => ({
      sku: `s${i}`,
      name: `商品名称${i}`,
      unitPrice: 1,
      quantity: 1,
    })),
  });
  expect([...itemDesc(many)]).toHaveLength(120);
});

test('an order is delivered as its items are; mixed physical and virtual ships physically', () => {
  const item = (delivery?: 'express' | 'virtual' | 'same-city') => ({
    sku: 's',
    name: 'n',
    unitPrice: 1,
    quantity: 1,
    ...(delivery ? { delivery } : {}),
  });
  expect(orderDelivery([item('virtual'), item('virtual')])).toBe('virtual');
  expect(orderDelivery([item('virtual'), item('same-city')])).toBe('same-city');
  expect(orderDelivery([item(), item('virtual')])).toBe('express');
});

describe('shipment rules per delivery method', () => {
  const pkg = { itemDesc: '拿铁', trackingNo: 'T1', expressCompany: 'ZTO' };
  test.each([
    [
      'express without tracking number',
      'express',
      [{ itemDesc: 'x', expressCompany: 'ZTO' }],
      'INVALID_PARAM',
    ],
    ['express without company', 'express', [{ itemDesc: 'x', trackingNo: 'T1' }], 'INVALID_PARAM'],
    ['SF without contact', 'express', [{ ...pkg, expressCompany: 'SF' }], 'CONTACT_REQUIRED'],
    ['a split same-city delivery', 'same-city', [{ itemDesc: 'a' }, { itemDesc: 'b' }], 'INVALID_PARAM'],
    ['self-pickup with a tracking number', 'self-pickup', [pkg], 'INVALID_PARAM'],
  ] as const)('%s is refused with %s', (_name, method, packages, code) => {
    expect(() => checkShipment(method, [...packages])).toThrow(expect.objectContaining({ code }));
  });

  test('what WeChat accepts passes', () => {
    expect(() =>
      checkShipment('express', [
        { ...pkg, expressCompany: 'SF', contact: { consignorContact: '021-****1234' } },
      ]),
    ).not.toThrow();
    expect(() =>
      checkShipment(
        'express',
        Array.from({ length: 15 }, () => pkg),
      ),
    ).not.toThrow();
    expect(() => checkShipment('virtual', [{ itemDesc: '兑换券' }])).not.toThrow();
  });

  test.each([
    ['16 packages', { packages: Array.from({ length: 16 }, () => pkg) }, 'packages at most 15'],
    ['no packages', { packages: [] }, 'packages must be a list of 1 to 15 packages'],
    [
      'an item_desc over 120 characters',
      { packages: [{ ...pkg, itemDesc: '货'.repeat(121) }] },
      'packages[0].itemDesc',
    ],
    [
      'a contact in clear',
      { packages: [{ ...pkg, contact: { receiverContact: '18912341234' } }] },
      'receiverContact must be a masked',
    ],
    ['an unknown method', { method: 'drone', packages: [pkg] }, 'method must be one of'],
    ['a tracking number with spaces', { packages: [{ ...pkg, trackingNo: 'T 1' }] }, 'trackingNo'],
  ])('%s is refused by the schema', (_name, event, message) => {
    expect(() => parseRequest(shipOrderRequest, { orderNo: 'PK2024031510300012345678', ...event })).toThrow(
      expect.objectContaining({ code: 'INVALID_PARAM', message: expect.stringContaining(message) }),
    );
  });
});

test('refunds settled at once end an open shipping record once the payment is refunded in full', () => {
  const refund = (refundFee: number, status: 'SUCCESS' | 'PROCESSING') =>
    ({ outRefundNo: `R${refundFee}`, refundFee, status }) as OrderDoc['refunds'][number];
  const both = [refund(5000, 'SUCCESS'), refund(600, 'SUCCESS')];
  expect(states.shipmentEndedByRefunds(_, order({ status: 'REFUND', refunds: both }))).toEqual({
    where: { 'shipping.state': _.in(['AWAITING', 'SHIPPED', 'CONFIRMED']) },
    data: { 'shipping.state': 'REFUNDED', 'shipping.checkAt': null, 'shipping.retry': null },
  });
  const partly = [refund(5000, 'SUCCESS'), refund(600, 'PROCESSING')];
  expect(states.shipmentEndedByRefunds(_, order({ status: 'REFUND', refunds: partly }))).toBeUndefined();
  const settled = order({
    status: 'REFUND',
    refunds: both,
    shipping: { state: 'SETTLED', count: 1, shipments: [] },
  });
  expect(states.shipmentEndedByRefunds(_, settled)).toBeUndefined();
  expect(
    states.shipmentEndedByRefunds(_, order({ status: 'REFUND', refunds: both, shipping: undefined })),
  ).toEqual({
    where: { shipping: _.exists(false) },
    data: { shipping: { state: 'REFUNDED', count: 0, shipments: [] } },
  });
});
