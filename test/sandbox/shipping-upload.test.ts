/** @jest-environment node */
/**
 * upload_shipping_info and get_order through the real wx-server-sdk (`cloud.openapi.wxa.sec.order.*`
 * in a user's function), against orders paid in the sandbox's WeChat Pay: the camelCase and raw
 * forms, every check of the request with WeChat's code, the one re-shipment, identical content.
 */
import { del, eventually, get, post, send } from '../helpers/control';
import { expressUpload, startShippingSdk, type PaidOrder, type ShippingSdk } from '../helpers/shipping';

let sdk: ShippingSdk;

beforeAll(async () => {
  sdk = await startShippingSdk();
});

afterAll(async () => {
  await sdk?.stop();
});

const upload = (params: Record<string, unknown>) => sdk.ship('uploadShippingInfo', params, { raw: true });
const getOrder = async (order: PaidOrder) => {
  const answer = await sdk.ship('getOrder', { transaction_id: order.transactionId }, { raw: true });
  if (!answer.ok) throw new Error(`getOrder failed: ${answer.errCode} ${answer.errMsg}`);
  return answer.res!.order as Record<string, unknown>;
};
/** The errCode a refused upload threw with. */
const refused = async (params: Record<string, unknown>) => {
  const answer = await upload(params);
  expect(answer.ok).toBe(false);
  return answer.errCode;
};

describe('through the SDK', () => {
  test('a paid order is 待发货; an express upload makes it 已发货 with the package (raw keys)', async () => {
    const order = await sdk.paid();
    const before = await getOrder(order);
    expect(before).toEqual(
      expect.objectContaining({
        transaction_id: order.transactionId,
        merchant_trade_no: order.outTradeNo,
        merchant_id: '1800008281',
        paid_amount: 100,
        openid: order.openid,
        order_state: 1,
        in_complaint: false,
      }),
    );
    expect(before.shipping).toBeUndefined();
    const answer = await upload(expressUpload(order));
    expect(answer).toEqual({
      ok: true,
      res: { errCode: 0, errMsg: 'openapi.wxa.sec.order.uploadShippingInfo:ok' },
    });
    const after = await getOrder(order);
    expect(after.order_state).toBe(2);
    expect(after.shipping).toEqual({
      delivery_mode: 1,
      logistics_type: 1,
      finish_shipping: true,
      goods_desc: '拿铁咖啡 x1',
      finish_shipping_count: 1,
      shipping_list: [
        {
          tracking_no: 'ZT1234567890',
          express_company: 'ZTO',
          goods_desc: '拿铁咖啡 x1',
          upload_time: Date.parse('2024-03-15T13:00:00+08:00') / 1000,
        },
      ],
    });
  });

  test('the default camelCase form converts both ways', async () => {
    const order = await sdk.paid();
    const answer = await sdk.ship('uploadShippingInfo', {
      orderKey: { orderNumberType: 1, mchid: '1900000109', outTradeNo: order.outTradeNo },
      logisticsType: 3,
      deliveryMode: 1,
      shippingList: [{ itemDesc: '贴纸包' }],
      uploadTime: '2024-03-15T13:00:00.120+08:00',
      payer: { openid: order.openid },
    });
    expect(answer.ok).toBe(true);
    const got = await sdk.ship('getOrder', { transactionId: order.transactionId });
    expect(got.res).toEqual(
      expect.objectContaining({
        errCode: 0,
        errMsg: 'openapi.wxa.sec.order.getOrder:ok',
        order: expect.objectContaining({
          orderState: 2,
          merchantTradeNo: order.outTradeNo,
          shipping: expect.objectContaining({ logisticsType: 3, finishShippingCount: 1 }),
        }),
      }),
    );
  });

  test('a refusal throws CloudSDKError with WeChat errcode and errmsg', async () => {
    const answer = await upload({
      ...expressUpload({ transactionId: '4200000000000000000000000000', outTradeNo: '', openid: 'x' }),
    });
    expect(answer.ok).toBe(false);
    expect(answer.errCode).toBe(10060001);
    expect(answer.errMsg).toMatch(/^openapi\.wxa\.sec\.order\.uploadShippingInfo:fail 支付单不存在 rid: /);
  });
});

describe('the checks of the request, in WeChat codes', () => {
  let order: PaidOrder;
  beforeAll(async () => {
    order = await sdk.paid();
  });
  const base = () => expressUpload(order);
  const item = (extra: Record<string, unknown>) => ({ item_desc: '拿铁', ...extra });

  test('order key', async () => {
    expect(await refused({ ...base(), order_key: { order_number_type: 3 } })).toBe(268485194);
    expect(await refused({ ...base(), order_key: { order_number_type: 2 } })).toBe(268485195);
    expect(await refused({ ...base(), order_key: { order_number_type: 1, out_trade_no: 'x' } })).toBe(
      268485196,
    );
    expect(await refused({ ...base(), order_key: { order_number_type: 1, mchid: '1900000109' } })).toBe(
      268485197,
    );
    expect(await refused({ ...base(), order_key: 'tx' })).toBe(47001);
    // The provider's mch id is not the order's merchant for order_number_type 1 (use the sub-merchant).
    const provider = { order_number_type: 1, mchid: '1800008281', out_trade_no: order.outTradeNo };
    expect(await refused({ ...base(), order_key: provider })).toBe(10060001);
  });

  test('enums, list shape, split rules', async () => {
    expect(await refused({ ...base(), logistics_type: 5 })).toBe(10060005);
    expect(await refused({ ...base(), logistics_type: '1' })).toBe(47001);
    expect(await refused({ ...base(), delivery_mode: 3 })).toBe(268485224);
    expect(await refused({ ...base(), shipping_list: { item_desc: 'x' } })).toBe(47001);
    expect(await refused({ ...base(), shipping_list: [] })).toBe(10060020);
    const two = [
      item({ tracking_no: 'A1', express_company: 'ZTO' }),
      item({ tracking_no: 'A2', express_company: 'ZTO' }),
    ];
    expect(await refused({ ...base(), shipping_list: two })).toBe(268485228);
    expect(
      await refused({
        ...base(),
        delivery_mode: 2,
        logistics_type: 2,
        shipping_list: [item({})],
        is_all_delivered: true,
      }),
    ).toBe(10060006);
    expect(await refused({ ...base(), delivery_mode: 2, shipping_list: two })).toBe(10060007);
    const sixteen = Array.from({ length: 16 }, (_, i) =>
      item({ tracking_no: `P${i}`, express_company: 'YTO' }),
    );
    expect(
      await refused({ ...base(), delivery_mode: 2, is_all_delivered: true, shipping_list: sixteen }),
    ).toBe(10060024);
  });

  test('items: description, tracking number, company, SF contact', async () => {
    const list = (extra: Record<string, unknown>) => ({
      ...base(),
      shipping_list: [{ ...base().shipping_list[0], ...extra }],
    });
    expect(await refused(list({ item_desc: '' }))).toBe(10060008);
    expect(await refused(list({ item_desc: '咖'.repeat(121) }))).toBe(10060009);
    expect(await refused(list({ tracking_no: '' }))).toBe(268485226);
    expect(await refused(list({ express_company: undefined }))).toBe(268485227);
    expect(await refused(list({ tracking_no: 'T'.repeat(129) }))).toBe(10060026);
    expect(await refused(list({ express_company: 'C'.repeat(129) }))).toBe(10060025);
    expect(await refused(list({ express_company: 'SF' }))).toBe(10060014);
    expect(await refused(list({ express_company: 'SF', contact: { receiver_contact: '13812345678' } }))).toBe(
      10060014,
    );
    // 120 characters are fine (the doc counts characters; a setting counts bytes).
    expect((await upload(list({ item_desc: '咖'.repeat(120) }))).ok).toBe(true);
  });

  test('upload_time and payer', async () => {
    const fresh = await sdk.paid();
    const at = (upload_time: unknown) => ({ ...expressUpload(fresh), upload_time });
    expect(await refused(at('2024-03-15 13:00:00'))).toBe(268485216);
    expect(await refused(at('2024-03-15T13:00:00'))).toBe(268485216);
    expect(await refused(at(1710478800))).toBe(47001);
    expect(await refused({ ...expressUpload(fresh), payer: { openid: 'o-someone-else' } })).toBe(10060031);
    expect(await refused({ ...expressUpload(fresh), payer: {} })).toBe(10060014);
    expect((await upload(at('2024-03-15T05:00:00Z'))).ok).toBe(true);
  });
});

describe('shipping rules', () => {
  test('one re-shipment: the second different upload is accepted, the third refused (10060003)', async () => {
    const order = await sdk.paid();
    expect((await upload(expressUpload(order))).ok).toBe(true);
    // The same content again: 10060023, and it does not use the re-shipment.
    expect(await refused(expressUpload(order, {}, '2024-03-15T13:05:00+08:00'))).toBe(10060023);
    const corrected = {
      shipping_list: [
        {
          tracking_no: 'SF000111',
          express_company: 'SF',
          item_desc: '拿铁咖啡 x1',
          contact: { receiver_contact: '138****5678' },
        },
      ],
    };
    // An older upload_time than the last upload is refused.
    expect(await refused(expressUpload(order, corrected, '2024-03-15T12:00:00+08:00'))).toBe(268485216);
    expect((await upload(expressUpload(order, corrected, '2024-03-15T14:00:00+08:00'))).ok).toBe(true);
    expect((await getOrder(order)).shipping).toEqual(expect.objectContaining({ finish_shipping_count: 2 }));
    const third = { logistics_type: 4, shipping_list: [{ item_desc: '到店自提' }] };
    expect(await refused(expressUpload(order, third, '2024-03-15T15:00:00+08:00'))).toBe(10060003);
    expect(await refused(expressUpload(order, corrected, '2024-03-15T15:00:00+08:00'))).toBe(10060023);
  });

  test('split: packages accumulate until is_all_delivered, then 已发货; more parts are 10060002', async () => {
    const order = await sdk.paid();
    const pkg = (n: number) => ({ tracking_no: `YT${n}`, express_company: 'YTO', item_desc: `包裹${n}` });
    const part = (n: number, all: boolean, at: string) =>
      expressUpload(order, { delivery_mode: 2, is_all_delivered: all, shipping_list: [pkg(n)] }, at);
    expect((await upload(part(1, false, '2024-03-15T13:00:00+08:00'))).ok).toBe(true);
    expect((await getOrder(order)).order_state).toBe(1);
    expect((await upload(part(2, true, '2024-03-15T13:10:00+08:00'))).ok).toBe(true);
    const shipped = await getOrder(order);
    expect(shipped.order_state).toBe(2);
    expect((shipped.shipping as { shipping_list: unknown[] }).shipping_list).toHaveLength(2);
    expect(await refused(part(3, false, '2024-03-15T13:20:00+08:00'))).toBe(10060002);
  });

  test('the 10060001 window after payment, and orders of other states', async () => {
    const { params } = await sdk.paidOrder();
    const trade = (await sdk.trade(params.outTradeNo)) as unknown as {
      transactionId: string;
      subOpenid: string;
    };
    const order = {
      transactionId: trade.transactionId,
      outTradeNo: String(params.outTradeNo),
      openid: trade.subOpenid,
    };
    expect(await refused(expressUpload(order))).toBe(10060001);
    await sdk.advance(59_000);
    expect(await refused(expressUpload(order))).toBe(10060001);
    await sdk.advance(1_000);
    expect((await upload(expressUpload(order))).ok).toBe(true);
    // An unpaid order is not an order here.
    const unpaid = await sdk.order();
    const byNo = { order_number_type: 1, mchid: '1900000109', out_trade_no: unpaid.params.outTradeNo };
    expect(await refused({ ...expressUpload(order), order_key: byNo })).toBe(10060001);
  });

  test('a fully refunded order is 已退款 and cannot ship (10060004)', async () => {
    const order = await sdk.paid();
    const refund = await sdk.ok('refund', {
      subMchId: '1900000109',
      outTradeNo: order.outTradeNo,
      outRefundNo: `R${order.outTradeNo}`,
      totalFee: 100,
      refundFee: 100,
      nonceStr: 'r',
    });
    expect(refund.resultCode).toBe('SUCCESS');
    await sdk.settle();
    expect((await getOrder(order)).order_state).toBe(5);
    expect(await refused(expressUpload(order))).toBe(10060004);
  });
});

describe('answering slowly (the SLOW fault of shipping.<call>)', () => {
  const arm = (fault: Record<string, unknown>) =>
    post(`${sdk.base}/sandbox/pay/faults`, { count: 1, ...fault });
  const armed = async () =>
    (await get<{ api: Array<{ api: string }> }>(`${sdk.base}/sandbox/pay/faults`)).api;
  afterEach(() => del(`${sdk.base}/sandbox/pay/faults`));

  test('the call is carried out at once and its answer, a refusal as much as a success, given late', async () => {
    const order = await sdk.paid();
    await arm({ api: 'shipping.uploadShippingInfo', error: 'SLOW', delayMs: 1500 });
    await arm({ api: 'shipping.getOrder', error: 'SLOW', delayMs: 1500 });
    let answered = 0;
    const uploading = upload(expressUpload(order)).then((a) => {
      answered++;
      return a;
    });
    const asking = sdk
      .ship('getOrder', { transaction_id: '4200000000000000000000000000' }, { raw: true })
      .then((a) => {
        answered++;
        return a;
      });
    // Both calls are in (their faults taken), yet neither is answered: WeChat holds the upload already.
    await eventually(async () => ((await armed()).length === 0 ? true : undefined));
    expect(answered).toBe(0);
    const [atWeChat] = await sdk.orders({ transactionId: order.transactionId });
    expect(atWeChat.order_state).toBe(2);
    expect((await uploading).ok).toBe(true);
    expect(await asking).toEqual(expect.objectContaining({ ok: false, errCode: 10060001 }));
  });

  test('"*" does not strike a shipping call, and a shipping call takes SLOW only', async () => {
    const order = await sdk.paid();
    await arm({ api: '*', error: 'SYSTEMERROR' });
    expect((await upload(expressUpload(order))).ok).toBe(true);
    expect((await armed()).map((f) => f.api)).toEqual(['*']);
    for (const error of ['TIMEOUT', 'SYSTEMERROR']) {
      const answer = await send('POST', `${sdk.base}/sandbox/pay/faults`, {
        api: 'shipping.getOrder',
        error,
        count: 1,
      });
      expect(answer.status).toBe(400);
      expect(JSON.stringify(answer.body)).toContain(
        `unknown error \\"${error}\\" for shipping.getOrder; use one of SLOW`,
      );
    }
  });
});
