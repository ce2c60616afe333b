/** @jest-environment node */
/**
 * The shipping functions as an attacker calls them (any user can call any cloud function, with any
 * event): a forged confirm-receipt result or WeChat event changes nothing, admins alone ship,
 * users see only their own orders, and what shippingEvents stores is bounded.
 */
import { callAs, post } from '../helpers/control';
import { startKitSandbox, type KitClient } from '../helpers/kit';
import type { SandboxProcess } from '../helpers/sandbox';
import { ShippingKit, zto, type PaidKitOrder } from '../helpers/shipping-kit';

const ADMIN = 'o-shipsec-admin';
const BUYER = 'o-shipsec-buyer';
const MALLORY = 'o-shipsec-mallory';
let sandbox: SandboxProcess;
let kit: KitClient;
let ship: ShippingKit;
let shipped: PaidKitOrder;

beforeAll(async () => {
  ({ sandbox, kit } = await startKitSandbox(ADMIN));
  ship = new ShippingKit(kit, BUYER);
  shipped = await ship.paidAndKnown('tea-oolong');
  await kit.ok(ADMIN, 'shipOrder', { orderNo: shipped.orderNo, packages: [zto('ZT5000000001')] });
});

afterAll(async () => {
  await sandbox?.stop();
});

/** shippingEvents as any user may call it (it is no function of the mini-program's contract). */
const emitAs = (openid: string, event: unknown) =>
  callAs<{ ok: boolean; data?: { verdict: string } }>(kit.base, openid, 'shippingEvents', event);

/** The stored events of an order. */
const eventsOf = async (orderNo: string) =>
  (
    await post<{ data: Array<{ event: string; verdict: string }> }>(`${kit.base}/sandbox/db/query`, {
      collection: 'paykit_shipping_events',
      where: { orderNo },
    })
  ).data;

test('a forged confirm-receipt result from the client changes nothing', async () => {
  // What App.onShow would get back from the component, made up by the client: the server asks WeChat.
  const answer = await kit.call(BUYER, 'confirmReceipt', {
    orderNo: shipped.orderNo,
    status: 'success',
    req_extradata: { transaction_id: shipped.transactionId },
  });
  expect(answer).toEqual(expect.objectContaining({ ok: false, code: 'RECEIPT_NOT_CONFIRMED' }));
  expect((await ship.stored(shipped.orderNo)).shipping!.state).toBe('SHIPPED');
  // Someone else's order looks like a missing one.
  expect(await kit.call(MALLORY, 'confirmReceipt', { orderNo: shipped.orderNo })).toEqual(
    expect.objectContaining({ ok: false, code: 'ORDER_NOT_FOUND' }),
  );
});

test('a forged WeChat event by any user changes nothing, and is stored once per order and kind', async () => {
  for (let i = 0; i < 5; i++) {
    const answer = await emitAs(MALLORY, {
      ToUserName: 'gh_0000sandbox',
      MsgType: 'event',
      Event: 'trade_manage_order_settlement',
      transaction_id: shipped.transactionId,
      confirm_receive_method: 2,
      confirm_receive_time: 1700000000,
      settlement_time: 1700000000,
      msg: 'x'.repeat(5000),
    });
    expect(answer).toEqual({ ok: true, data: { verdict: 'UNCHANGED' } });
  }
  expect((await ship.stored(shipped.orderNo)).shipping!.state).toBe('SHIPPED');
  const events = await eventsOf(shipped.orderNo);
  expect(events).toHaveLength(1);
  expect(JSON.stringify(events).length).toBeLessThan(2000);

  // Events naming no order of the kit's, or of no kind the kit acts on, store nothing.
  for (const forged of [
    { Event: 'trade_manage_order_settlement', transaction_id: '4200000000000000000000000000' },
    { Event: 'trade_manage_order_settlement', transaction_id: { $ne: null } },
    { Event: 'xpay_goods_deliver_notify', transaction_id: shipped.transactionId },
    { Event: ['trade_manage_remind_shipping'] },
  ]) {
    const answer = await emitAs(MALLORY, forged);
    expect(answer.data?.verdict).toMatch(/^(UNKNOWN_ORDER|IGNORED)$/);
  }
  expect(await eventsOf(shipped.orderNo)).toHaveLength(1);
});

test('non-admins may not ship or list orders to ship', async () => {
  for (const who of [BUYER, MALLORY]) {
    expect(
      await kit.call(who, 'shipOrder', { orderNo: shipped.orderNo, packages: [zto('ZT5000000009')] }),
    ).toEqual(expect.objectContaining({ ok: false, code: 'FORBIDDEN' }));
    expect(await kit.call(who, 'listToShip', {})).toEqual(
      expect.objectContaining({ ok: false, code: 'FORBIDDEN' }),
    );
  }
  expect((await ship.stored(shipped.orderNo)).shipping!.count).toBe(1);
});

test('a call with no caller is refused', async () => {
  for (const name of ['shipOrder', 'confirmReceipt', 'listToShip']) {
    const { result } = await post<{ result: { ok: boolean; code: string } }>(
      `${kit.base}/sandbox/functions/${name}/invoke`,
      { data: { orderNo: shipped.orderNo, packages: [zto('ZT5000000010')] } },
    );
    expect(result).toEqual(expect.objectContaining({ ok: false, code: 'UNAUTHENTICATED' }));
  }
});

test.each([
  ['packages as text', { packages: 'ZT1' }, 'packages must be a list'],
  ['an order number that is a query', { orderNo: { $gt: '' } }, 'orderNo must be an order number'],
  ['a tracking number of 129 characters', { packages: [zto('Z'.repeat(129))] }, 'trackingNo'],
  [
    'a company code that is markup',
    { packages: [{ ...zto('ZT1'), expressCompany: '<b>' }] },
    'expressCompany',
  ],
  ['an item_desc that is empty', { packages: [{ ...zto('ZT1'), itemDesc: ' ' }] }, 'itemDesc'],
  [
    'a split same-city delivery',
    { method: 'same-city', packages: [{ itemDesc: 'a' }, { itemDesc: 'b' }] },
    'only express',
  ],
])('hostile input to shipOrder: %s is refused with INVALID_PARAM', async (_name, patch, message) => {
  const answer = await kit.call(ADMIN, 'shipOrder', {
    orderNo: shipped.orderNo,
    packages: [zto('ZT5000000011')],
    ...patch,
  });
  expect(answer).toEqual(
    expect.objectContaining({ ok: false, code: 'INVALID_PARAM', message: expect.stringContaining(message) }),
  );
  expect((await ship.stored(shipped.orderNo)).shipping!.count).toBe(1);
});

test('unpaid and unknown orders are not shipped', async () => {
  const unpaid = await kit.ok(BUYER, 'unifiedOrder', { items: [{ sku: 'tea-oolong', quantity: 1 }] });
  expect(
    await kit.call(ADMIN, 'shipOrder', { orderNo: unpaid.orderNo, packages: [zto('ZT5000000012')] }),
  ).toEqual(expect.objectContaining({ ok: false, code: 'ORDER_STATE_CONFLICT' }));
  expect(
    await kit.call(ADMIN, 'shipOrder', {
      orderNo: 'PK2024010112000012345678',
      packages: [zto('ZT5000000013')],
    }),
  ).toEqual(expect.objectContaining({ ok: false, code: 'ORDER_NOT_FOUND' }));
  expect(await kit.call(BUYER, 'confirmReceipt', { orderNo: unpaid.orderNo })).toEqual(
    expect.objectContaining({ ok: false, code: 'ORDER_STATE_CONFLICT' }),
  );
});

test('the admin’s to-ship list holds paid orders awaiting shipment, page by page', async () => {
  const a = await ship.paid('sticker-pack');
  const b = await ship.paid('coffee-latte');
  const first = await kit.ok(ADMIN, 'listToShip', { pageSize: 1 });
  expect(first.orders).toHaveLength(1);
  const second = await kit.ok(ADMIN, 'listToShip', { pageSize: 50, cursor: first.nextCursor });
  const listed = [...first.orders, ...second.orders].map((o) => o.orderNo);
  expect(listed).toEqual(expect.arrayContaining([a.orderNo, b.orderNo]));
  expect(listed).not.toContain(shipped.orderNo);
  expect(first.orders[0].shipping?.state).toBe('AWAITING');
  expect(await kit.call(ADMIN, 'listToShip', { cursor: 'forged' })).toEqual(
    expect.objectContaining({ ok: false, code: 'INVALID_PARAM' }),
  );
});
