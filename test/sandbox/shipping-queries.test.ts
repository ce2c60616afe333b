/** @jest-environment node */
/**
 * The other order-shipping cloud calls through the real wx-server-sdk: get_order by either key
 * (cloudPay and APIv3 payments), get_order_list paging, notify_confirm_receive, set_msg_jump_path,
 * is_trade_managed; enrolment (48001), the function's permissions (-604101), calls that are not
 * cloud calls (-604100).
 */
import { post } from '../helpers/control';
import { expressUpload, startShippingSdk, type PaidOrder, type ShippingSdk } from '../helpers/shipping';
import { readMerchant, V3Client } from '../helpers/v3client';

let sdk: ShippingSdk;
const APPID = 'wx0000000000sandbox';

beforeAll(async () => {
  sdk = await startShippingSdk();
});

afterAll(async () => {
  await sdk?.stop();
});

const raw = (api: string, params: Record<string, unknown>) => sdk.ship(api, params, { raw: true });
const errCodeOf = async (api: string, params: Record<string, unknown>) => {
  const answer = await raw(api, params);
  expect(answer.ok).toBe(false);
  return answer.errCode;
};
const orderOf = async (params: Record<string, unknown>) => {
  const answer = await raw('getOrder', params);
  if (!answer.ok) throw new Error(`getOrder: ${answer.errCode} ${answer.errMsg}`);
  return answer.res!.order as Record<string, unknown>;
};

describe('get_order', () => {
  let order: PaidOrder;
  beforeAll(async () => {
    order = await sdk.paid();
  });

  test('by transaction_id, by the sub-merchant, by the provider plus the sub-merchant', async () => {
    const byId = await orderOf({ transaction_id: order.transactionId });
    expect(byId.description).toBe('测试商品');
    expect(await orderOf({ merchant_id: '1900000109', merchant_trade_no: order.outTradeNo })).toEqual(byId);
    expect(
      await orderOf({
        merchant_id: '1800008281',
        sub_merchant_id: '1900000109',
        merchant_trade_no: order.outTradeNo,
      }),
    ).toEqual(byId);
    expect(
      await errCodeOf('getOrder', { merchant_id: '1800008281', merchant_trade_no: order.outTradeNo }),
    ).toBe(10060001);
    expect(await errCodeOf('getOrder', {})).toBe(10060014);
    expect(await errCodeOf('getOrder', { transaction_id: 42 })).toBe(47001);
  });

  test('an APIv3 payment is an order too: the merchant is the mchid, no sub-merchant', async () => {
    const merchant = readMerchant(sdk.sandbox.dataDir);
    const client = new V3Client(sdk.base, merchant, merchant.publicKeyId);
    const placed = await client.order('V3SHIP0001', { payer: { openid: 'o-v3-payer' } });
    expect(placed.status).toBe(200);
    const payment = client.payment(String(placed.json.prepay_id));
    const paid = await post<{ errMsg: string }>(`${sdk.base}/gateway/pay`, {
      ...payment,
      openid: 'o-v3-payer',
    });
    expect(paid.errMsg).toBe('requestPayment:ok');
    await sdk.advance(60_000);
    const [trade] = await sdk.orders({ outTradeNo: 'V3SHIP0001' });
    const v3 = await orderOf({ merchant_id: merchant.mchid, merchant_trade_no: 'V3SHIP0001' });
    expect(v3).toEqual(trade);
    expect(v3).toEqual(
      expect.objectContaining({ merchant_id: merchant.mchid, openid: 'o-v3-payer', order_state: 1 }),
    );
    expect(v3.sub_merchant_id).toBeUndefined();
    const upload = expressUpload({
      transactionId: String(v3.transaction_id),
      outTradeNo: 'V3SHIP0001',
      openid: 'o-v3-payer',
    });
    expect((await raw('uploadShippingInfo', upload)).ok).toBe(true);
  });
});

test('get_order_list: filters and pages with last_index', async () => {
  const since = Math.floor((await sdk.clock({ action: 'freeze' })) / 1000);
  const mine = [await sdk.paid(), await sdk.paid(), await sdk.paid()];
  const filter = { pay_time_range: { begin_time: since } };
  const first = await raw('getOrderList', { ...filter, page_size: 2 });
  expect(first.res).toEqual(
    expect.objectContaining({
      has_more: true,
      last_index: expect.any(String),
      order_list: expect.any(Array),
    }),
  );
  const second = await raw('getOrderList', {
    ...filter,
    page_size: 2,
    last_index: first.res!.last_index,
  });
  expect(second.res!.has_more).toBe(false);
  const ids = [
    ...(first.res!.order_list as Array<{ transaction_id: string }>),
    ...(second.res!.order_list as Array<{ transaction_id: string }>),
  ].map((o) => o.transaction_id);
  expect(ids).toEqual(mine.map((o) => o.transactionId));
  expect((await raw('uploadShippingInfo', expressUpload(mine[0]))).ok).toBe(true);
  const shipped = await raw('getOrderList', { ...filter, openid: mine[0].openid, order_state: 2 });
  expect((shipped.res!.order_list as unknown[]).length).toBe(1);
  expect(await errCodeOf('getOrderList', { last_index: 'not-a-cursor' })).toBe(10060011);
  expect(await errCodeOf('getOrderList', { page_size: 101 })).toBe(10060014);
  expect(await errCodeOf('getOrderList', { order_state: 9 })).toBe(10060014);
  expect(
    (await raw('getOrderList', { pay_time_range: { end_time: since } })).res!.order_list,
  ).not.toContainEqual(expect.objectContaining({ transaction_id: mine[0].transactionId }));
  const camel = await sdk.ship('getOrderList', { payTimeRange: { beginTime: since }, pageSize: 1 });
  expect(camel.res).toEqual(
    expect.objectContaining({ hasMore: true, orderList: [expect.objectContaining({ orderState: 2 })] }),
  );
});

test('notify_confirm_receive: express and shipped only, seconds after shipping, once', async () => {
  const order = await sdk.paid();
  const now = async () => Math.floor((await sdk.clock({ action: 'freeze' })) / 1000);
  expect(
    await errCodeOf('notifyConfirmReceive', {
      transaction_id: order.transactionId,
      received_time: await now(),
    }),
  ).toBe(10060028);
  expect((await raw('uploadShippingInfo', expressUpload(order))).ok).toBe(true);
  await sdk.advance(3600_000);
  const at = await now();
  expect(
    await errCodeOf('notifyConfirmReceive', {
      transaction_id: order.transactionId,
      received_time: at * 1000,
    }),
  ).toBe(10060029);
  expect(
    (await raw('notifyConfirmReceive', { transaction_id: order.transactionId, received_time: at })).ok,
  ).toBe(true);
  expect(
    await errCodeOf('notifyConfirmReceive', { transaction_id: order.transactionId, received_time: at }),
  ).toBe(10060030);
  const virtual = await sdk.paid();
  const ship = expressUpload(virtual, { logistics_type: 3, shipping_list: [{ item_desc: '会员月卡' }] });
  expect((await raw('uploadShippingInfo', ship)).ok).toBe(true);
  expect(
    await errCodeOf('notifyConfirmReceive', {
      transaction_id: virtual.transactionId,
      received_time: await now(),
    }),
  ).toBe(10060032);
});

test('set_msg_jump_path is kept and shown in the settings', async () => {
  expect((await raw('setMsgJumpPath', { path: 'pages/orders/detail/index' })).ok).toBe(true);
  expect((await sdk.shippingConfig()).msgJumpPath).toBe('pages/orders/detail/index');
});

test('is_trade_managed needs the own appid; the confirmation call is not a cloud call', async () => {
  expect((await sdk.ship('isTradeManaged', { appid: APPID })).res).toEqual(
    expect.objectContaining({ isTradeManaged: true, errCode: 0 }),
  );
  expect(await errCodeOf('isTradeManaged', {})).toBe(40097);
  expect(await errCodeOf('isTradeManaged', { appid: 'wxsomeoneelse' })).toBe(40097);
  expect(await errCodeOf('isTradeManagementConfirmationCompleted', { appid: APPID })).toBe(-604100);
});

test('a function without the API in permissions.openapi gets -604101', async () => {
  const answer = await sdk.ship('isTradeManaged', { appid: APPID }, { fn: 'shipperNoPermission' });
  expect(answer.ok).toBe(false);
  expect(answer.errCode).toBe(-604101);
});

test('not enrolled: every call answers 48001, is_trade_managed as the setting says', async () => {
  const order = await sdk.paid();
  await sdk.shippingConfig({ enrolled: false });
  try {
    expect(await errCodeOf('uploadShippingInfo', expressUpload(order))).toBe(48001);
    expect(await errCodeOf('getOrder', { transaction_id: order.transactionId })).toBe(48001);
    const refusal = await raw('isTradeManaged', { appid: APPID });
    expect(refusal).toEqual(expect.objectContaining({ ok: false, errCode: 48001 }));
    expect(refusal.errMsg).toMatch(/api unauthorized/);
    await sdk.shippingConfig({ notEnrolledIsTradeManaged: 'false' });
    expect((await raw('isTradeManaged', { appid: APPID })).res).toEqual(
      expect.objectContaining({ is_trade_managed: false }),
    );
  } finally {
    await sdk.shippingConfig({ enrolled: true, notEnrolledIsTradeManaged: '48001' });
  }
  expect((await raw('uploadShippingInfo', expressUpload(order))).ok).toBe(true);
});
