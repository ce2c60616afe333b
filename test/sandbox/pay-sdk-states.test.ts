/** @jest-environment node */
/**
 * Trade states through the real wx-server-sdk: the payer's actions on a prepay (pay, cancel, fail,
 * insufficient balance, a slow payer) and the states queryOrder then reports; ORDERNOTEXIST,
 * ORDERPAID and ORDERCLOSED from queryOrder, closeOrder and a repeated unifiedOrder.
 */
import { PAYER, startPaySdk, type PaySdk } from '../helpers/paysdk';
import { SUB_MCH_ID } from '../helpers/constants';

let sdk: PaySdk;

beforeAll(async () => {
  sdk = await startPaySdk();
});

afterAll(async () => {
  await sdk?.stop();
});

const close = (outTradeNo: unknown) =>
  sdk.ok('closeOrder', { subMchId: SUB_MCH_ID, outTradeNo, nonceStr: 'c' });

test('the sub-app option cloud.cloudPay({ appid }) orders and signs for that mini-program (reference §1)', async () => {
  const other = 'wx5a1b2c3d4e5f6a7b';
  const answer = await sdk.cloudPay('unifiedOrder', sdk.orderParams(), PAYER, other);
  if (!answer.ok) throw new Error(answer.errMsg);
  expect(answer.res).toEqual(
    expect.objectContaining({
      resultCode: 'SUCCESS',
      subAppid: other,
      payment: expect.objectContaining({ appId: other }),
    }),
  );
  // Without it, the caller's own mini-program, as before.
  const own = await sdk.ok('unifiedOrder', sdk.orderParams());
  expect(own.subAppid).not.toBe(other);
});

describe('queryOrder', () => {
  test('an unknown order is ORDERNOTEXIST (resolved, errCode still 0)', async () => {
    const res = await sdk.queryOrder('NOSUCHORDER0001');
    expect(res).toEqual(
      expect.objectContaining({
        returnCode: 'SUCCESS',
        resultCode: 'FAIL',
        errCodeDes: '订单不存在',
        errCode: 0,
        errMsg: 'cloudPay.queryOrder:ok',
      }),
    );
    expect(res.tradeState).toBeUndefined();
  });

  test('NOTPAY before payment (no payment fields), SUCCESS after, also found by transactionId', async () => {
    const { params, pkg } = await sdk.order({ attach: 'a1' });
    const before = await sdk.queryOrder(params.outTradeNo);
    expect(before).toEqual(
      expect.objectContaining({
        resultCode: 'SUCCESS',
        tradeState: 'NOTPAY',
        tradeStateDesc: '订单未支付',
        outTradeNo: params.outTradeNo,
        totalFee: 100,
      }),
    );
    expect(before.transactionId).toBeUndefined();
    expect(before.timeEnd).toBeUndefined();

    expect(await sdk.act(pkg)).toBe('requestPayment:ok');
    await sdk.settle();
    const after = await sdk.queryOrder(params.outTradeNo);
    expect(after).toEqual(
      expect.objectContaining({
        tradeState: 'SUCCESS',
        tradeType: 'JSAPI',
        bankType: 'OTHERS',
        totalFee: 100,
        cashFee: 100,
        feeType: 'CNY',
        subOpenid: PAYER,
        attach: 'a1',
        timeEnd: expect.stringMatching(/^\d{14}$/),
        couponIdList: [],
      }),
    );
    const byId = await sdk.ok('queryOrder', {
      subMchId: SUB_MCH_ID,
      transactionId: after.transactionId,
      nonceStr: 'q',
    });
    expect(byId.outTradeNo).toBe(params.outTradeNo);
    // transaction_id takes priority over out_trade_no.
    const both = await sdk.ok('queryOrder', {
      subMchId: SUB_MCH_ID,
      transactionId: after.transactionId,
      outTradeNo: 'SOMEOTHERNO01',
      nonceStr: 'q',
    });
    expect(both.outTradeNo).toBe(params.outTradeNo);
    // snake_case request keys work too (the SDK leaves them as they are).
    const snake = await sdk.ok('queryOrder', {
      sub_mch_id: SUB_MCH_ID,
      out_trade_no: params.outTradeNo,
      nonce_str: 'q',
    });
    expect(snake.tradeState).toBe('SUCCESS');
  });
});

describe('closeOrder', () => {
  test('ORDERNOTEXIST for an unknown order, ORDERPAID for a paid one, ORDERCLOSED when closed twice', async () => {
    const unknown = await close('NOSUCHORDER0002');
    expect(unknown).toEqual(expect.objectContaining({ resultCode: 'FAIL', errCodeDes: '订单不存在' }));

    const paid = await sdk.paidOrder();
    await sdk.advance(6 * 60_000);
    const closePaid = await close(paid.params.outTradeNo);
    expect(closePaid).toEqual(
      expect.objectContaining({ resultCode: 'FAIL', errCodeDes: expect.stringMatching(/已支付/) }),
    );
    expect((await sdk.queryOrder(paid.params.outTradeNo)).tradeState).toBe('SUCCESS');

    const open = await sdk.order();
    await sdk.advance(5 * 60_000);
    expect(await close(open.params.outTradeNo)).toEqual(
      expect.objectContaining({ returnCode: 'SUCCESS', resultCode: 'SUCCESS' }),
    );
    const again = await close(open.params.outTradeNo);
    expect(again).toEqual(
      expect.objectContaining({ resultCode: 'FAIL', errCodeDes: expect.stringMatching(/已关闭/) }),
    );
    expect(await sdk.act(open.pkg)).toBe('requestPayment:fail 该订单已关闭');
  });

  test('exactly at 5 minutes the close is allowed, a millisecond before it is refused', async () => {
    const { params } = await sdk.order();
    await sdk.advance(5 * 60_000 - 1);
    expect((await close(params.outTradeNo)).resultCode).toBe('FAIL');
    expect((await sdk.queryOrder(params.outTradeNo)).tradeState).toBe('NOTPAY');
    await sdk.advance(1);
    expect((await close(params.outTradeNo)).resultCode).toBe('SUCCESS');
    expect((await sdk.queryOrder(params.outTradeNo)).tradeState).toBe('CLOSED');
  });
});

describe('the payer', () => {
  test('cancel leaves the order NOTPAY and payable; no callback', async () => {
    const { params, pkg } = await sdk.order();
    expect(await sdk.act(pkg, 'cancel')).toBe('requestPayment:fail cancel');
    await sdk.settle();
    expect((await sdk.queryOrder(params.outTradeNo)).tradeState).toBe('NOTPAY');
    expect(await sdk.deliveries({ outTradeNo: String(params.outTradeNo) })).toEqual([]);
    expect(await sdk.act(pkg)).toBe('requestPayment:ok');
    await sdk.settle();
    expect((await sdk.queryOrder(params.outTradeNo)).tradeState).toBe('SUCCESS');
  });

  test('insufficient balance fails the attempt, the order stays NOTPAY and can be paid later', async () => {
    const { params, pkg } = await sdk.order();
    expect(await sdk.act(pkg, 'notenough')).toBe('requestPayment:fail 余额不足');
    expect((await sdk.queryOrder(params.outTradeNo)).tradeState).toBe('NOTPAY');
    expect(await sdk.act(pkg)).toBe('requestPayment:ok');
    await sdk.settle();
    expect((await sdk.queryOrder(params.outTradeNo)).tradeState).toBe('SUCCESS');
  });

  test('a failed payment leaves the order NOTPAY (PAYERROR is for 付款码 only): no callback, and it can be paid', async () => {
    const { params, pkg } = await sdk.order();
    expect(await sdk.act(pkg, 'fail')).toBe('requestPayment:fail 支付失败');
    await sdk.settle();
    expect(await sdk.queryOrder(params.outTradeNo)).toEqual(
      expect.objectContaining({ tradeState: 'NOTPAY', tradeStateDesc: '订单未支付' }),
    );
    expect(await sdk.deliveries({ outTradeNo: String(params.outTradeNo) })).toEqual([]);
    const reorder = await sdk.ok('unifiedOrder', params);
    expect(reorder).toEqual(expect.objectContaining({ resultCode: 'SUCCESS' }));
    expect(await sdk.act(pkg)).toBe('requestPayment:ok');
    await sdk.settle();
    expect((await sdk.queryOrder(params.outTradeNo)).tradeState).toBe('SUCCESS');
  });

  test('a slow payment: NOTPAY while it settles (USERPAYING is for 付款码 only), then SUCCESS and the callback', async () => {
    const { slowPayerMs } = (await sdk.config()) as { slowPayerMs: number };
    const { params, pkg } = await sdk.order();
    await sdk.advance(6 * 60_000);
    expect(await sdk.act(pkg, 'slow')).toBe('requestPayment:ok');
    const paying = await sdk.queryOrder(params.outTradeNo);
    expect(paying).toEqual(expect.objectContaining({ tradeState: 'NOTPAY', tradeStateDesc: '订单未支付' }));
    expect((await sdk.trade(params.outTradeNo)).payingUntil).toBeGreaterThan(0);
    // The pay sheet knows its payment is on the way; WeChat Pay re-enters the order as any NOTPAY one.
    expect(await sdk.act(pkg)).toBe('requestPayment:fail 该订单正在支付中');
    const reorder = await sdk.ok('unifiedOrder', params);
    expect(reorder).toEqual(expect.objectContaining({ resultCode: 'SUCCESS' }));

    await sdk.advance(slowPayerMs - 1);
    expect((await sdk.queryOrder(params.outTradeNo)).tradeState).toBe('NOTPAY');
    expect(await sdk.deliveries({ outTradeNo: String(params.outTradeNo) })).toEqual([]);
    await sdk.advance(1);
    expect((await sdk.queryOrder(params.outTradeNo)).tradeState).toBe('SUCCESS');
    expect(await sdk.deliveries({ outTradeNo: String(params.outTradeNo) })).toEqual([
      expect.objectContaining({ kind: 'payment', attempt: 1, outcome: 'ok' }),
    ]);
    expect(await sdk.effects(params.outTradeNo)).toHaveLength(1);
  });

  test('an order closed while its slow payment settles stays CLOSED: the payment never lands, no callback', async () => {
    const { slowPayerMs } = (await sdk.config()) as { slowPayerMs: number };
    const { params, pkg } = await sdk.order();
    await sdk.advance(6 * 60_000);
    expect(await sdk.act(pkg, 'slow')).toBe('requestPayment:ok');
    expect((await close(params.outTradeNo)).resultCode).toBe('SUCCESS');
    await sdk.advance(slowPayerMs);
    expect((await sdk.queryOrder(params.outTradeNo)).tradeState).toBe('CLOSED');
    expect(await sdk.deliveries({ outTradeNo: String(params.outTradeNo) })).toEqual([]);
  });

  test('only the payer the order was placed for can pay it; a paid prepay cannot be paid twice', async () => {
    const { params, pkg } = await sdk.order();
    expect(await sdk.act(pkg, 'pay', 'o-someone-else')).toMatch(
      /^requestPayment:fail 下单账号与支付账号不一致/,
    );
    expect(await sdk.act('prepay_id=wx00000000nosuchprepay')).toBe('requestPayment:fail prepay_id无效');
    expect(await sdk.act(pkg)).toBe('requestPayment:ok');
    expect(await sdk.act(pkg)).toBe('requestPayment:fail 该订单已支付');
    await sdk.settle();
    const reorder = await sdk.ok('unifiedOrder', params);
    expect(reorder).toEqual(expect.objectContaining({ resultCode: 'FAIL', errCodeDes: '该订单已支付' }));
  });

  test('the payment callback event has the reference shape', async () => {
    const { params } = await sdk.paidOrder({ attach: 'shape', totalFee: 321 });
    const [effect] = await sdk.effects(params.outTradeNo);
    const query = await sdk.queryOrder(params.outTradeNo);
    expect(effect.event).toEqual(
      expect.objectContaining({
        returnCode: 'SUCCESS',
        resultCode: 'SUCCESS',
        appid: query.appid,
        mchId: '1800008281',
        subMchId: SUB_MCH_ID,
        subOpenid: PAYER,
        isSubscribe: 'N',
        tradeType: 'JSAPI',
        bankType: 'OTHERS',
        totalFee: 321,
        feeType: 'CNY',
        cashFee: 321,
        transactionId: query.transactionId,
        outTradeNo: params.outTradeNo,
        timeEnd: query.timeEnd,
        attach: 'shape',
      }),
    );
    expect(effect.event.sign).toBeUndefined();
  });
});
