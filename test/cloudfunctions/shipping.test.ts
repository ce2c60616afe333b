/** @jest-environment node */
/**
 * After the payment, through the real wx-server-sdk against the sandbox's emulation of WeChat's
 * order-shipping management (enrolled by default, as `npm start` gives a newcomer): virtual goods
 * ship themselves, admins ship the rest with WeChat's rules, WeChat's answers and events move the
 * order, and an account that is not enrolled records shipping locally.
 */
import { eventually, get, paidWithoutTransactionId, post, seedOrderNo, seedOrders } from '../helpers/control';
import { startKitSandbox, type KitClient } from '../helpers/kit';
import type { SandboxProcess } from '../helpers/sandbox';
import { ShippingKit, zto } from '../helpers/shipping-kit';

const ADMIN = 'o-ship-admin';
const BUYER = 'o-ship-buyer';
let sandbox: SandboxProcess;
let kit: KitClient;
let ship: ShippingKit;

beforeAll(async () => {
  ({ sandbox, kit } = await startKitSandbox(ADMIN));
  ship = new ShippingKit(kit, BUYER);
});

afterAll(async () => {
  await sandbox?.stop();
});

test('a virtual order ships itself: WeChat does not know the payment at first (10060001), the sweep retries', async () => {
  const { orderNo, transactionId } = await ship.paid('voucher-coffee');
  // The payment callback tried right after onPaid; WeChat answered 10060001.
  const first = await ship.stored(orderNo);
  expect(first.delivery).toBe('virtual');
  expect(first.shipping).toEqual(
    expect.objectContaining({ state: 'AWAITING', count: 0, retry: expect.objectContaining({ attempts: 1 }) }),
  );
  expect(first.shipping!.retry!.lastError).toContain('10060001');
  expect((await ship.atWeChat(transactionId))?.order_state).toBe(1);

  await ship.sweepAfter(5 * 60_000);
  const after = await ship.stored(orderNo);
  expect(after.shipping).toEqual(expect.objectContaining({ state: 'SHIPPED', count: 1, retry: null }));
  expect(after.shipping!.shipments).toEqual([
    expect.objectContaining({
      method: 'virtual',
      by: 'auto',
      local: false,
      packages: [{ itemDesc: '咖啡电子兑换券' }],
    }),
  ]);
  expect(await ship.atWeChat(transactionId)).toEqual(
    expect.objectContaining({ order_state: 2, shipping: expect.objectContaining({ logistics_type: 3 }) }),
  );
  // The buyer sees it shipped.
  const { order } = await kit.ok(BUYER, 'queryOrder', { orderNo });
  expect(order.shipping).toEqual(
    expect.objectContaining({ state: 'SHIPPED', delivery: 'virtual', shipCount: 1 }),
  );
});

test('an express order ships, re-ships once, and is refused a third time', async () => {
  const { orderNo, transactionId } = await ship.paidAndKnown('tea-oolong');
  const shipped = await kit.ok(ADMIN, 'shipOrder', { orderNo, packages: [zto('ZT1000000001')] });
  expect(shipped.shipping).toEqual(
    expect.objectContaining({
      state: 'SHIPPED',
      shipCount: 1,
      shipment: expect.objectContaining({ method: 'express', packages: [zto('ZT1000000001')], local: false }),
    }),
  );
  // The same shipment sent again (a double tap) is the one already recorded.
  expect(
    (await kit.ok(ADMIN, 'shipOrder', { orderNo, packages: [zto('ZT1000000001')] })).shipping.shipCount,
  ).toBe(1);

  const reshipped = await kit.ok(ADMIN, 'shipOrder', { orderNo, packages: [zto('ZT1000000002')] });
  expect(reshipped.shipping.shipCount).toBe(2);
  expect((await ship.atWeChat(transactionId))?.shipping?.finish_shipping_count).toBe(2);

  const third = await kit.call(ADMIN, 'shipOrder', { orderNo, packages: [zto('ZT1000000003')] });
  expect(third).toEqual(expect.objectContaining({ ok: false, code: 'RESHIP_USED' }));
  expect(!third.ok && third.message).toMatch(/重新发货/);
  const stored = await ship.stored(orderNo);
  expect(stored.shipping!.shipments.map((s) => s.packages[0].trackingNo)).toEqual([
    'ZT1000000001',
    'ZT1000000002',
  ]);
});

test('a shipment asked from a stale view (shipped meanwhile from another phone) is refused, not spent as the one re-shipment', async () => {
  const { orderNo, transactionId } = await ship.paidAndKnown('tea-oolong');
  // Two phones list the order to ship (no shipment yet); the first ships it.
  const first = { orderNo, shipments: 0, packages: [zto('ZT1200000001')] };
  expect((await kit.ok(ADMIN, 'shipOrder', first)).shipping.shipCount).toBe(1);
  // Its answer lost, it sends the same again: that is the shipment recorded, not a conflict.
  expect((await kit.ok(ADMIN, 'shipOrder', first)).shipping.shipCount).toBe(1);

  // The other phone, on its stale list, ships another: refused, nothing uploaded.
  const stale = await kit.call(ADMIN, 'shipOrder', {
    orderNo,
    shipments: 0,
    packages: [zto('ZT1200000002')],
  });
  // Named, so that the list can say it was shipped meanwhile (and not any other conflict).
  expect(stale).toEqual(
    expect.objectContaining({ ok: false, code: 'ORDER_STATE_CONFLICT', conflict: 'SHIPPED_MEANWHILE' }),
  );
  expect(!stale.ok && stale.message).toMatch(/another shipment of the order was recorded meanwhile/);
  expect((await ship.atWeChat(transactionId))?.shipping?.finish_shipping_count).toBe(1);
  expect((await ship.stored(orderNo)).shipping!.shipments.map((s) => s.packages[0].trackingNo)).toEqual([
    'ZT1200000001',
  ]);

  // A re-shipment asked knowingly (the order showed its one shipment) is made.
  const again = await kit.ok(ADMIN, 'shipOrder', { orderNo, shipments: 1, packages: [zto('ZT1200000003')] });
  expect(again.shipping.shipCount).toBe(2);
  expect((await ship.atWeChat(transactionId))?.shipping?.finish_shipping_count).toBe(2);

  for (const shipments of [-1, 3, 0.5, '1', null]) {
    expect(
      await kit.call(ADMIN, 'shipOrder', { orderNo, shipments, packages: [zto('ZT1200000004')] }),
    ).toEqual(expect.objectContaining({ ok: false, code: 'INVALID_PARAM' }));
  }
});

test('an order paid without a WeChat Pay transaction id is refused as NO_TRANSACTION_ID, nothing uploaded', async () => {
  const orderNo = seedOrderNo(20240603000000, 1);
  await seedOrders(sandbox.url, [paidWithoutTransactionId(orderNo, BUYER)]);
  expect(
    await kit.call(ADMIN, 'shipOrder', { orderNo, shipments: 0, packages: [zto('ZT1300000001')] }),
  ).toEqual(
    expect.objectContaining({ ok: false, code: 'ORDER_STATE_CONFLICT', conflict: 'NO_TRANSACTION_ID' }),
  );
  expect((await ship.stored(orderNo)).shipping).toEqual(
    expect.objectContaining({ state: 'AWAITING', count: 0 }),
  );
  // Another conflict names none: only those the caller may act on are named.
  const unpaid = await kit.ok(BUYER, 'unifiedOrder', { items: [{ sku: 'tea-oolong', quantity: 1 }] });
  const refused = await kit.call(ADMIN, 'shipOrder', {
    orderNo: unpaid.orderNo,
    packages: [zto('ZT1300000002')],
  });
  expect(refused).toEqual(expect.objectContaining({ ok: false, code: 'ORDER_STATE_CONFLICT' }));
  expect(refused).not.toHaveProperty('conflict');
});

test('WeChat already holding exactly this shipment (10060023) counts as done', async () => {
  const { orderNo, transactionId } = await ship.paidAndKnown('tea-oolong');
  await kit.ok(ADMIN, 'shipOrder', { orderNo, packages: [zto('ZT1100000001')] });
  // The kit loses its record of the upload (say, it died between WeChat's answer and its own write).
  const { paykit_orders: orders } = await get<{ paykit_orders: Array<Record<string, unknown>> }>(
    `${kit.base}/sandbox/db/export?collections=paykit_orders`,
  );
  const doc = orders.find((o) => o._id === orderNo)!;
  await post(`${kit.base}/sandbox/db/import`, {
    paykit_orders: [{ ...doc, shipping: { state: 'AWAITING', count: 0, shipments: [] } }],
  });
  const again = await kit.ok(ADMIN, 'shipOrder', { orderNo, packages: [zto('ZT1100000001')] });
  expect(again.shipping).toEqual(expect.objectContaining({ state: 'SHIPPED', shipCount: 1 }));
  // No re-shipment was spent at WeChat.
  expect((await ship.atWeChat(transactionId))?.shipping?.finish_shipping_count).toBe(1);
});

test('a split express shipment of up to 15 packages; 16 are refused before WeChat is asked', async () => {
  const { orderNo, transactionId } = await ship.paidAndKnown('sticker-pack');
  const sixteen = Array.from({ length: 16 }, (_, i) => zto(`ZT20000000${String(i).padStart(2, '0')}`));
  expect(await kit.call(ADMIN, 'shipOrder', { orderNo, packages: sixteen })).toEqual(
    expect.objectContaining({
      ok: false,
      code: 'INVALID_PARAM',
      message: expect.stringContaining('at most 15'),
    }),
  );
  expect((await ship.atWeChat(transactionId))?.order_state).toBe(1);
  const split = await kit.ok(ADMIN, 'shipOrder', { orderNo, packages: sixteen.slice(0, 15) });
  expect(split.shipping.shipment?.packages).toHaveLength(15);
  expect((await ship.atWeChat(transactionId))?.order_state).toBe(2);
});

test('SF without the masked contact is refused with CONTACT_REQUIRED; with it, it ships', async () => {
  const { orderNo } = await ship.paidAndKnown('tea-oolong');
  const sf = { itemDesc: '乌龙茶', trackingNo: 'SF1234567890123', expressCompany: 'SF' };
  const refused = await kit.call(ADMIN, 'shipOrder', { orderNo, packages: [sf] });
  expect(refused).toEqual(expect.objectContaining({ ok: false, code: 'CONTACT_REQUIRED' }));
  expect(!refused.ok && refused.message).toContain('顺丰');
  expect((await ship.stored(orderNo)).shipping!.count).toBe(0);
  const shipped = await kit.ok(ADMIN, 'shipOrder', {
    orderNo,
    packages: [{ ...sf, contact: { receiverContact: '189****1234' } }],
  });
  expect(shipped.shipping.state).toBe('SHIPPED');
});

test('same-city and self-pickup ship without tracking; a final WeChat refusal says why in Chinese', async () => {
  const latte = await ship.paidAndKnown('coffee-latte');
  const sameCity = await kit.ok(ADMIN, 'shipOrder', {
    orderNo: latte.orderNo,
    packages: [{ itemDesc: '拿铁咖啡' }],
  });
  expect(sameCity.shipping).toEqual(expect.objectContaining({ state: 'SHIPPED', delivery: 'same-city' }));
  expect((await ship.atWeChat(latte.transactionId))?.shipping?.logistics_type).toBe(2);

  // An order WeChat has refunded is not shippable there (10060004): final, with the reason, even
  // while the kit has not heard of the refund yet (its notification is late).
  const cake = await ship.paidAndKnown('cake-cheese');
  await post(`${kit.base}/sandbox/pay/callbacks`, { mode: 'drop', kind: 'refund', count: 1 });
  await kit.ok(ADMIN, 'refund', { orderNo: cake.orderNo, refundFee: 3200 });
  await kit.settle();
  expect((await ship.stored(cake.orderNo)).status).toBe('SUCCESS');
  const refused = await kit.call(ADMIN, 'shipOrder', {
    orderNo: cake.orderNo,
    packages: [{ itemDesc: '芝士蛋糕' }],
  });
  expect(refused).toEqual(expect.objectContaining({ ok: false, code: 'SHIPPING_REFUSED' }));
  expect(!refused.ok && refused.message).toMatch(/微信拒绝发货：.*10060004/);
  expect((await ship.stored(cake.orderNo)).shipping!.state).toBe('AWAITING');
});

test('a refund of the whole payment ends the shipment: off the list to ship, refused, virtual goods no longer tried', async () => {
  const partly = await ship.paidAndKnown('tea-oolong');
  const whole = await ship.paidAndKnown('tea-oolong');
  const fee = (await kit.order<{ totalFee: number }>(whole.orderNo))!.totalFee;
  await kit.ok(ADMIN, 'refund', { orderNo: partly.orderNo, refundFee: 100 });
  // In two parts: the second refund completes the payment.
  await kit.ok(ADMIN, 'refund', { orderNo: whole.orderNo, refundFee: fee - 100 });
  // WeChat takes a second refund of one payment a minute after the first.
  await kit.clock('advance', { ms: 61_000 });
  await kit.ok(ADMIN, 'refund', { orderNo: whole.orderNo, refundFee: 100 });
  const settled = async (orderNo: string, count: number) => {
    await kit.settle();
    await eventually(async () => {
      const refunds = (await kit.order<{ refunds: Array<{ status: string }> }>(orderNo))!.refunds;
      return refunds.length === count && refunds.every((r) => r.status === 'SUCCESS') ? true : undefined;
    });
  };
  await settled(whole.orderNo, 2);
  await settled(partly.orderNo, 1);
  expect((await ship.stored(whole.orderNo)).shipping!.state).toBe('REFUNDED');
  expect((await ship.stored(partly.orderNo)).shipping!.state).toBe('AWAITING');
  const listed = (await kit.ok(ADMIN, 'listToShip', { pageSize: 50 })).orders.map((o) => o.orderNo);
  expect(listed).toContain(partly.orderNo);
  expect(listed).not.toContain(whole.orderNo);
  expect(
    await kit.call(ADMIN, 'shipOrder', { orderNo: whole.orderNo, packages: [zto('ZT5000000001')] }),
  ).toEqual(expect.objectContaining({ ok: false, code: 'ORDER_STATE_CONFLICT' }));
  expect(await kit.ok(BUYER, 'queryOrder', { orderNo: whole.orderNo })).toEqual(
    expect.objectContaining({
      order: expect.objectContaining({ shipping: expect.objectContaining({ state: 'REFUNDED' }) }),
    }),
  );

  // Virtual goods refunded before WeChat knew the payment (10060001): the sweep stops trying them.
  const voucher = await ship.paid('voucher-coffee');
  const voucherFee = (await kit.order<{ totalFee: number }>(voucher.orderNo))!.totalFee;
  await kit.ok(ADMIN, 'refund', { orderNo: voucher.orderNo, refundFee: voucherFee });
  await settled(voucher.orderNo, 1);
  await ship.sweepAfter(5 * 60_000);
  const after = await ship.stored(voucher.orderNo);
  expect(after.shipping).toEqual(expect.objectContaining({ state: 'REFUNDED', count: 0, retry: null }));
});

test('a settlement event moves the order, after get_order confirms it; the sweep catches up on auto-confirmation', async () => {
  const confirmed = await ship.paidAndKnown('tea-oolong');
  await kit.ok(ADMIN, 'shipOrder', { orderNo: confirmed.orderNo, packages: [zto('ZT3000000001')] });
  // The buyer confirms in WeChat (the component's stand-in); WeChat settles and pushes the event.
  await post(`${kit.base}/sandbox/shipping/confirm`, {
    transaction_id: confirmed.transactionId,
    openid: BUYER,
  });
  await post(`${kit.base}/sandbox/shipping/settle`, {});
  await kit.clock('advance', { ms: 1000 });
  await post(`${kit.base}/sandbox/shipping/events/emit`, {
    event: 'trade_manage_order_settlement',
    transaction_id: confirmed.transactionId,
  });
  await post(`${kit.base}/sandbox/shipping/settle`, {});
  const moved = await ship.stored(confirmed.orderNo);
  expect(['CONFIRMED', 'SETTLED']).toContain(moved.shipping!.state);
  const events = await post<{ data: Array<{ event: string; verdict: string }> }>(
    `${kit.base}/sandbox/db/query`,
    {
      collection: 'paykit_shipping_events',
      where: { orderNo: confirmed.orderNo },
    },
  );
  expect(events.data.map((e) => e.event)).toContain('trade_manage_order_settlement');

  // Nobody confirms this one: WeChat auto-confirms after 10 days, the sweep notices.
  const quiet = await ship.paidAndKnown('tea-oolong');
  await kit.ok(ADMIN, 'shipOrder', { orderNo: quiet.orderNo, packages: [zto('ZT3000000002')] });
  await ship.shippingConfig({ eventFunction: '' });
  await ship.sweepAfter(11 * 24 * 3600_000);
  expect(['CONFIRMED', 'SETTLED']).toContain((await ship.stored(quiet.orderNo)).shipping!.state);
  await ship.shippingConfig({ eventFunction: 'shippingEvents' });
});

test('an account that is not enrolled (48001) records shipping locally, without WeChat', async () => {
  await ship.shippingConfig({ enrolled: false });
  try {
    const { orderNo, transactionId } = await ship.paidAndKnown('tea-oolong');
    const shipped = await kit.ok(ADMIN, 'shipOrder', { orderNo, packages: [zto('ZT4000000001')] });
    expect(shipped.shipping).toEqual(
      expect.objectContaining({ state: 'SHIPPED', shipment: expect.objectContaining({ local: true }) }),
    );
    // WeChat never had it shipped.
    expect((await ship.atWeChat(transactionId))?.order_state ?? 1).toBe(1);
    // Virtual goods too: shipped locally right after payment, no retry.
    const voucher = await ship.paid('voucher-coffee');
    expect((await ship.stored(voucher.orderNo)).shipping).toEqual(
      expect.objectContaining({
        state: 'SHIPPED',
        shipments: [expect.objectContaining({ local: true, by: 'auto' })],
      }),
    );
    // The buyer's confirmation has no WeChat side: their word confirms their own order.
    const confirmed = await kit.ok(BUYER, 'confirmReceipt', { orderNo });
    expect(confirmed.shipping.state).toBe('CONFIRMED');
  } finally {
    await ship.shippingConfig({ enrolled: true });
  }
});
