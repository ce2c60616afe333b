/** @jest-environment node */
/**
 * The order after shipping, on the sandbox clock: auto-confirmation after the reference's days, the
 * settlement, the payer's confirm receipt (the weappOrderConfirm stand-in), and the message pushes
 * delivered to the configured function in the §4 shape, recorded with its answers.
 */
import { expressUpload, startShippingSdk, type PaidOrder, type ShippingSdk } from '../helpers/shipping';

let sdk: ShippingSdk;
const DAY = 24 * 3600_000;

beforeAll(async () => {
  sdk = await startShippingSdk();
});

afterAll(async () => {
  await sdk?.stop();
});

const state = async (order: PaidOrder) => {
  const [found] = await sdk.orders({ transactionId: order.transactionId });
  return found.order_state;
};
const shipVirtual = (order: PaidOrder, at = '2024-03-15T13:00:00+08:00') =>
  sdk.ship(
    'uploadShippingInfo',
    expressUpload(order, { logistics_type: 3, shipping_list: [{ item_desc: '会员月卡' }] }, at),
    { raw: true },
  );
const confirm = async (body: Record<string, unknown>) => {
  const res = await sdk.control('POST', 'confirm', body);
  expect(res.status).toBe(200);
  return (res.body as { referrerInfo: { appId: string; extraData: Record<string, unknown> } }).referrerInfo;
};
const pushesOf = async (order: PaidOrder, event?: string) =>
  (await sdk.pushes()).filter(
    (p) => p.event.transaction_id === order.transactionId && (!event || p.event.Event === event),
  );

/**
 * The order's second settlement push, the one that reports the receipt (the shipping one has no
 * confirm_receive_method). Found by what it says: the two go to the function as two deliveries, on
 * two instances when the first is still running, and may be stored in either order.
 */
async function receiptPush(order: PaidOrder) {
  const pushes = await pushesOf(order, 'trade_manage_order_settlement');
  expect(pushes).toHaveLength(2);
  return pushes.find((p) => 'confirm_receive_method' in p.event)!;
}

test('an account that never shipped: trade_manage_remind_access_api at its first payment and daily, never remind_shipping', async () => {
  const first = await sdk.paid();
  await sdk.paid();
  let events = await sdk.events({ event: 'trade_manage_remind_access_api' });
  expect(events).toHaveLength(1);
  // Past the 48 hours: the per-order reminder is for accounts that have shipped before (§4).
  await sdk.advance(49 * 3600_000);
  expect(await pushesOf(first, 'trade_manage_remind_shipping')).toEqual([]);
  events = await sdk.events({ event: 'trade_manage_remind_access_api' });
  expect(events).toHaveLength(2);
  expect(events[0]).toEqual(
    expect.objectContaining({
      functionName: 'shippingEvents',
      status: 'delivered',
      answer: { errcode: 0, errmsg: 'ok' },
    }),
  );
  expect(events[0].payload).toEqual(
    expect.objectContaining({
      MsgType: 'event',
      Event: 'trade_manage_remind_access_api',
      msg: expect.any(String),
    }),
  );
});

test('express: the shipping push, auto-confirmation after 10 days, then the settlement push', async () => {
  const order = await sdk.paid();
  expect((await sdk.ship('uploadShippingInfo', expressUpload(order), { raw: true })).ok).toBe(true);
  const [shipped] = await pushesOf(order, 'trade_manage_order_settlement');
  const now = (await sdk.clock({ action: 'freeze' })) / 1000;
  expect(shipped.source).toBe('wx_msg');
  expect(shipped.event).toEqual({
    ToUserName: expect.stringMatching(/^gh_/),
    FromUserName: expect.any(String),
    CreateTime: Math.floor(now),
    MsgType: 'event',
    Event: 'trade_manage_order_settlement',
    transaction_id: order.transactionId,
    merchant_id: '1800008281',
    sub_merchant_id: '1900000109',
    merchant_trade_no: order.outTradeNo,
    pay_time: expect.any(Number),
    shipped_time: Math.floor(now),
    estimated_settlement_time: Math.floor(now) + 10 * 86400,
    msg: expect.any(String),
  });
  await sdk.advance(10 * DAY - 1000);
  expect(await state(order)).toBe(2);
  await sdk.advance(1000);
  expect(await state(order)).toBe(4);
  expect((await receiptPush(order)).event).toEqual(
    expect.objectContaining({
      confirm_receive_method: 1,
      confirm_receive_time: Math.floor(now) + 10 * 86400,
      settlement_time: Math.floor(now) + 10 * 86400,
    }),
  );
});

test('virtual goods auto-confirm after 2 days; a set settlement delay shows 确认收货 in between', async () => {
  await sdk.shippingConfig({ settlementDelayMs: 3600_000 });
  try {
    const order = await sdk.paid();
    expect((await shipVirtual(order)).ok).toBe(true);
    await sdk.advance(2 * DAY);
    expect(await state(order)).toBe(3);
    await sdk.advance(3600_000);
    expect(await state(order)).toBe(4);
  } finally {
    await sdk.shippingConfig({ settlementDelayMs: 0 });
  }
});

test('a clock jump far past the due day dates the confirmation and settlement when they fell due', async () => {
  const order = await sdk.paid();
  expect((await shipVirtual(order)).ok).toBe(true);
  const shippedAt = Math.floor((await sdk.clock({ action: 'freeze' })) / 1000);
  await sdk.advance(30 * DAY);
  const settled = await receiptPush(order);
  expect(settled.event).toEqual(
    expect.objectContaining({
      confirm_receive_method: 1,
      confirm_receive_time: shippedAt + 2 * 86400,
      settlement_time: shippedAt + 2 * 86400,
      CreateTime: shippedAt + 30 * 86400,
    }),
  );
});

test('an unshipped order gets trade_manage_remind_shipping 48 h after payment, once', async () => {
  const order = await sdk.paid();
  await sdk.advance(47 * 3600_000);
  expect(await pushesOf(order, 'trade_manage_remind_shipping')).toHaveLength(0);
  await sdk.advance(3600_000);
  await sdk.advance(3 * DAY);
  const reminders = await pushesOf(order, 'trade_manage_remind_shipping');
  expect(reminders).toHaveLength(1);
  expect(reminders[0].event).toEqual(
    expect.objectContaining({
      merchant_trade_no: order.outTradeNo,
      pay_time: expect.any(Number),
      msg: expect.any(String),
    }),
  );
  expect(await state(order)).toBe(1);
});

describe('the payer confirms receipt (POST /sandbox/shipping/confirm)', () => {
  test('by the payer of a shipped order: success, 确认收货 then 交易完成 with method 2', async () => {
    const order = await sdk.paid();
    const early = await confirm({ transaction_id: order.transactionId, openid: order.openid });
    expect(early.extraData).toEqual(expect.objectContaining({ status: 'fail' }));
    expect((await sdk.ship('uploadShippingInfo', expressUpload(order), { raw: true })).ok).toBe(true);
    const stranger = await confirm({ transaction_id: order.transactionId, openid: 'o-not-the-payer' });
    expect(stranger.extraData).toEqual({
      status: 'fail',
      errormsg: '获取用户订单失败',
      req_extradata: { transaction_id: order.transactionId },
    });
    const answer = await confirm({ transaction_id: order.transactionId, openid: order.openid });
    expect(answer).toEqual({
      appId: 'wx1183b055aeec94d1',
      extraData: { status: 'success', req_extradata: { transaction_id: order.transactionId } },
    });
    expect(await state(order)).toBe(4);
    const settled = await receiptPush(order);
    expect(settled.event.confirm_receive_method).toBe(2);
    const again = await confirm({ transaction_id: order.transactionId, openid: order.openid });
    expect(again.extraData.status).toBe('fail');
  });

  test('by merchant number and trade number', async () => {
    const order = await sdk.paid();
    expect((await shipVirtual(order)).ok).toBe(true);
    const answer = await confirm({
      mchid: '1900000109',
      merchant_trade_no: order.outTradeNo,
      openid: order.openid,
    });
    expect(answer.extraData).toEqual({
      status: 'success',
      req_extradata: { merchant_id: '1900000109', merchant_trade_no: order.outTradeNo },
    });
  });
});

describe('pushes', () => {
  test('events/emit pushes now and answers the recorded push', async () => {
    const order = await sdk.paid();
    const res = await sdk.control('POST', 'events/emit', {
      event: 'trade_manage_remind_shipping',
      transaction_id: order.transactionId,
    });
    expect(res.status).toBe(200);
    const { event } = res.body as { event: Record<string, unknown> };
    expect(event).toEqual(
      expect.objectContaining({ status: 'delivered', event: 'trade_manage_remind_shipping' }),
    );
    expect(await pushesOf(order, 'trade_manage_remind_shipping')).toHaveLength(1);
  });

  test('to another function, or none: recorded as skipped with the reason', async () => {
    const order = await sdk.paid();
    await sdk.shippingConfig({ eventFunction: 'noSuchFunction' });
    try {
      const res = await sdk.control('POST', 'events/emit', {
        event: 'trade_manage_remind_shipping',
        transaction_id: order.transactionId,
      });
      expect((res.body as { event: Record<string, unknown> }).event).toEqual(
        expect.objectContaining({ status: 'skipped', error: 'no function noSuchFunction' }),
      );
    } finally {
      await sdk.shippingConfig({ eventFunction: 'shippingEvents' });
    }
  });
});
