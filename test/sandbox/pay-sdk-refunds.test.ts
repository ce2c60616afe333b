/** @jest-environment node */
/**
 * Refunds through the real wx-server-sdk: the refund callback delivered to a function with its
 * fields, queryRefund's shapes and paging, idempotency by outRefundNo, and the refusals (more than
 * paid, unpaid or unknown order, wrong total, too soon after the previous refund).
 */
import { createDecipheriv, createHash } from 'crypto';
import { post } from '../helpers/control';
import { startPaySdk, type PaySdk } from '../helpers/paysdk';
import { SUB_MCH_ID } from '../helpers/constants';

let sdk: PaySdk;

beforeAll(async () => {
  sdk = await startPaySdk();
});

afterAll(async () => {
  await sdk?.stop();
});

function refundParams(outTradeNo: unknown, outRefundNo: string, refundFee: number, totalFee = 100) {
  return {
    subMchId: SUB_MCH_ID,
    outTradeNo,
    outRefundNo,
    totalFee,
    refundFee,
    envId: sdk.envId,
    functionName: 'flakyCallback',
    nonceStr: 'r',
  };
}
const refund = (outTradeNo: unknown, outRefundNo: string, refundFee: number, totalFee = 100) =>
  sdk.ok('refund', refundParams(outTradeNo, outRefundNo, refundFee, totalFee));
const queryRefund = (by: Record<string, unknown>) =>
  sdk.ok('queryRefund', { subMchId: SUB_MCH_ID, nonceStr: 'q', ...by });

describe('refund callbacks', () => {
  test('the refund callback event reaches the function named in the refund, with its fields', async () => {
    const { params } = await sdk.paidOrder({ attach: 'not-in-refund-events' });
    const outRefundNo = `R${String(params.outTradeNo)}`;
    const res = await refund(params.outTradeNo, outRefundNo, 30);
    expect(res).toEqual(
      expect.objectContaining({
        returnCode: 'SUCCESS',
        resultCode: 'SUCCESS',
        outTradeNo: params.outTradeNo,
        outRefundNo,
        refundId: expect.stringMatching(/^50\d{27}$/),
        refundFee: 30,
        totalFee: 100,
        cashFee: 100,
        couponRefundIdList: [],
        errMsg: 'cloudPay.refund:ok',
      }),
    );
    await sdk.settle();
    const deliveries = await sdk.deliveries({ outRefundNo });
    expect(deliveries).toEqual([expect.objectContaining({ kind: 'refund', attempt: 1, outcome: 'ok' })]);
    const effects = (await sdk.effects(params.outTradeNo)).filter((e) => e.event.outRefundNo);
    expect(effects).toHaveLength(1);
    const query = await sdk.queryOrder(params.outTradeNo);
    expect(effects[0].event).toEqual(
      expect.objectContaining({
        returnCode: 'SUCCESS',
        mchId: '1800008281',
        subMchId: SUB_MCH_ID,
        transactionId: query.transactionId,
        outTradeNo: params.outTradeNo,
        refundId: res.refundId,
        outRefundNo,
        totalFee: 100,
        refundFee: 30,
        settlementRefundFee: 30,
        refundStatus: 'SUCCESS',
        successTime: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
        refundRecvAccout: expect.any(String),
        refundAccount: 'REFUND_SOURCE_UNSETTLED_FUNDS',
        refundRequestSource: 'API',
      }),
    );
    expect(effects[0].event.attach).toBeUndefined();
  });

  test('a refund that takes time is PROCESSING until the sandbox clock gets there, then called back', async () => {
    await sdk.config({ refundProcessingMs: 60_000 });
    try {
      const { params } = await sdk.paidOrder();
      const outRefundNo = `RP${String(params.outTradeNo)}`;
      await refund(params.outTradeNo, outRefundNo, 100);
      await sdk.settle();
      const processing = await queryRefund({ outRefundNo });
      expect(processing.refundStatusList).toEqual(['PROCESSING']);
      expect(processing.refundSuccessTimeList).toEqual(['']);
      expect(await sdk.deliveries({ outRefundNo })).toEqual([]);
      await sdk.advance(60_000);
      expect((await queryRefund({ outRefundNo })).refundStatusList).toEqual(['SUCCESS']);
      expect(await sdk.deliveries({ outRefundNo })).toEqual([expect.objectContaining({ outcome: 'ok' })]);
    } finally {
      await sdk.config({ refundProcessingMs: 0 });
    }
  });

  test('a REFUNDCLOSE outcome (refundResult fault) is called back and gives the amount back', async () => {
    const { params } = await sdk.paidOrder();
    await post(`${sdk.base}/sandbox/pay/faults`, { api: 'refundResult', error: 'REFUNDCLOSE' });
    const outRefundNo = `RC${String(params.outTradeNo)}`;
    await refund(params.outTradeNo, outRefundNo, 100);
    await sdk.settle();
    expect((await queryRefund({ outRefundNo })).refundStatusList).toEqual(['REFUNDCLOSE']);
    const [delivery] = await sdk.deliveries({ outRefundNo });
    expect(delivery.event).toEqual(expect.objectContaining({ refundStatus: 'REFUNDCLOSE' }));
    expect(delivery.event.successTime).toBeUndefined();
    expect((await sdk.trade(params.outTradeNo)).refundedFee).toBe(0);
    await sdk.advance(61_000);
    expect((await refund(params.outTradeNo, `${outRefundNo}B`, 100)).resultCode).toBe('SUCCESS');
  });

  test('the encrypted refund event shape carries req_info that decrypts with md5(key)', async () => {
    const { apiKey } = (await sdk.config({ refundEventShape: 'encrypted' })) as { apiKey: string };
    try {
      const { params } = await sdk.paidOrder();
      const outRefundNo = `RE${String(params.outTradeNo)}`;
      await refund(params.outTradeNo, outRefundNo, 10);
      await sdk.settle();
      const [delivery] = await sdk.deliveries({ outRefundNo });
      expect(delivery.event.outRefundNo).toBeUndefined();
      const key = Buffer.from(createHash('md5').update(apiKey).digest('hex'), 'utf8');
      const decipher = createDecipheriv('aes-256-ecb', key, null);
      const xml = Buffer.concat([
        decipher.update(Buffer.from(String(delivery.event.reqInfo), 'base64')),
        decipher.final(),
      ]).toString('utf8');
      expect(xml).toContain(`<out_refund_no><![CDATA[${outRefundNo}]]></out_refund_no>`);
      expect(xml).toContain('<refund_status><![CDATA[SUCCESS]]></refund_status>');
    } finally {
      await sdk.config({ refundEventShape: 'decrypted' });
    }
  });
});

describe('queryRefund', () => {
  test('by outTradeNo, transactionId, outRefundNo and refundId: the same refunds as lists', async () => {
    const { params } = await sdk.paidOrder();
    const first = await refund(params.outTradeNo, `QA${String(params.outTradeNo)}`, 10);
    await sdk.advance(61_000);
    const second = await refund(params.outTradeNo, `QB${String(params.outTradeNo)}`, 20);
    await sdk.settle();
    const byTrade = await queryRefund({ outTradeNo: params.outTradeNo });
    expect(byTrade).toEqual(
      expect.objectContaining({
        returnCode: 'SUCCESS',
        resultCode: 'SUCCESS',
        outTradeNo: params.outTradeNo,
        totalFee: 100,
        cashFee: 100,
        totalRefundCount: 2,
        refundCount: 2,
        outRefundNoList: [first.outRefundNo, second.outRefundNo],
        refundIdList: [first.refundId, second.refundId],
        refundFeeList: [10, 20],
        refundStatusList: ['SUCCESS', 'SUCCESS'],
        refundChannel: ['ORIGINAL', 'ORIGINAL'],
        refundSuccessTimeList: [expect.any(String), expect.any(String)],
        errMsg: 'cloudPay.queryRefund:ok',
      }),
    );
    const byTransaction = await queryRefund({ transactionId: first.transactionId });
    expect(byTransaction.outRefundNoList).toEqual(byTrade.outRefundNoList);
    const byOutRefundNo = await queryRefund({ outRefundNo: second.outRefundNo });
    expect(byOutRefundNo).toEqual(
      expect.objectContaining({ refundCount: 1, refundIdList: [second.refundId], refundFeeList: [20] }),
    );
    // refund_id wins over the other keys.
    const byRefundId = await queryRefund({ refundId: first.refundId, outRefundNo: second.outRefundNo });
    expect(byRefundId.outRefundNoList).toEqual([first.outRefundNo]);
    const snake = await sdk.ok('queryRefund', {
      sub_mch_id: SUB_MCH_ID,
      out_refund_no: first.outRefundNo,
      nonce_str: 'q',
    });
    expect(snake.refundIdList).toEqual([first.refundId]);
  });

  test('REFUNDNOTEXIST for an unknown refund and for an order without refunds', async () => {
    const unknown = await queryRefund({ outRefundNo: 'NOSUCHREFUND' });
    expect(unknown).toEqual(expect.objectContaining({ resultCode: 'FAIL', errCodeDes: expect.any(String) }));
    const { params } = await sdk.paidOrder();
    const none = await queryRefund({ outTradeNo: params.outTradeNo });
    expect(none.resultCode).toBe('FAIL');
    expect(none.errCodeDes).toBe(unknown.errCodeDes);
  });

  test('more than 10 refunds page by offset; at the end the page is empty, past it PARAM_ERROR', async () => {
    const { params } = await sdk.paidOrder();
    for (let i = 0; i < 11; i++) {
      expect((await refund(params.outTradeNo, `PG${i}${String(params.outTradeNo)}`, 1)).resultCode).toBe(
        'SUCCESS',
      );
      await sdk.advance(60_000);
    }
    const page1 = await queryRefund({ outTradeNo: params.outTradeNo });
    expect(page1).toEqual(expect.objectContaining({ totalRefundCount: 11, refundCount: 10 }));
    const page2 = await queryRefund({ outTradeNo: params.outTradeNo, offset: 10 });
    expect(page2).toEqual(expect.objectContaining({ totalRefundCount: 11, refundCount: 1 }));
    expect(page2.outRefundNoList).toEqual([`PG10${String(params.outTradeNo)}`]);
    // Reference §7 refuses an offset greater than the count, not equal to it.
    const end = await queryRefund({ outTradeNo: params.outTradeNo, offset: 11 });
    expect(end).toEqual(
      expect.objectContaining({ resultCode: 'SUCCESS', totalRefundCount: 11, refundCount: 0 }),
    );
    const past = await queryRefund({ outTradeNo: params.outTradeNo, offset: 12 });
    expect(past).toEqual(
      expect.objectContaining({ resultCode: 'FAIL', errCodeDes: expect.stringMatching(/offset/) }),
    );
  });

  test('the v2 indexed style (a config knob) comes through the SDK as refundStatus_0', async () => {
    const { params } = await sdk.paidOrder();
    const r = await refund(params.outTradeNo, `IX${String(params.outTradeNo)}`, 5);
    await sdk.settle();
    await sdk.config({ queryRefundStyle: 'indexed' });
    try {
      const res = await queryRefund({ outTradeNo: params.outTradeNo });
      // The SDK's snake→camel conversion leaves the digit suffix alone (reference §1).
      expect(res).toEqual(
        expect.objectContaining({ refundStatus_0: 'SUCCESS', refundId_0: r.refundId, refundFee_0: 5 }),
      );
    } finally {
      await sdk.config({ queryRefundStyle: 'lists' });
    }
  });
});

describe('refund rules', () => {
  test('the same outRefundNo again is the same refund; with other amounts it is refused', async () => {
    const { params } = await sdk.paidOrder();
    const outRefundNo = `ID${String(params.outTradeNo)}`;
    const first = await refund(params.outTradeNo, outRefundNo, 40);
    const again = await refund(params.outTradeNo, outRefundNo, 40);
    expect(again).toEqual(
      expect.objectContaining({ resultCode: 'SUCCESS', refundId: first.refundId, refundFee: 40 }),
    );
    const trade = await sdk.trade(params.outTradeNo);
    expect(trade.refundedFee).toBe(40);
    expect(trade.refunds).toHaveLength(1);
    const changed = await refund(params.outTradeNo, outRefundNo, 41);
    expect(changed).toEqual(expect.objectContaining({ resultCode: 'FAIL', errCodeDes: expect.any(String) }));
    await sdk.settle();
    expect(await sdk.deliveries({ outRefundNo })).toHaveLength(1);
  });

  test('never more than paid: over-refund, then a full refund, then nothing is left', async () => {
    const { params } = await sdk.paidOrder();
    const over = await refund(params.outTradeNo, `OV1${String(params.outTradeNo)}`, 101);
    expect(over).toEqual(
      expect.objectContaining({ resultCode: 'FAIL', errCodeDes: '申请退款金额超过订单可退金额' }),
    );
    expect((await refund(params.outTradeNo, `OV2${String(params.outTradeNo)}`, 100)).resultCode).toBe(
      'SUCCESS',
    );
    await sdk.advance(61_000);
    const more = await refund(params.outTradeNo, `OV3${String(params.outTradeNo)}`, 1);
    expect(more).toEqual(expect.objectContaining({ resultCode: 'FAIL', errCodeDes: '订单已全额退款' }));
    expect((await sdk.queryOrder(params.outTradeNo)).tradeState).toBe('REFUND');
  });

  test('an unpaid or unknown order cannot be refunded (ORDERNOTEXIST); the total must match', async () => {
    const { params } = await sdk.order();
    const unpaid = await refund(params.outTradeNo, `UP${String(params.outTradeNo)}`, 10);
    expect(unpaid).toEqual(
      expect.objectContaining({ returnCode: 'SUCCESS', resultCode: 'FAIL', errCodeDes: '订单未支付' }),
    );
    // The cloud answer carries the coupon lists even on FAIL (reference §6.2).
    expect(unpaid.couponRefundIdList).toEqual([]);
    const unknown = await refund('NOSUCHORDER0003', 'UPX0001', 10);
    expect(unknown).toEqual(expect.objectContaining({ resultCode: 'FAIL', errCodeDes: '订单不存在' }));
    const paid = await sdk.paidOrder();
    const wrongTotal = await refund(paid.params.outTradeNo, `WT${String(paid.params.outTradeNo)}`, 10, 99);
    expect(wrongTotal.resultCode).toBe('FAIL');
    const asString = await sdk.cloudPay('refund', {
      ...refundParams(paid.params.outTradeNo, 'STR0001', 10),
      refundFee: '10',
    });
    expect(asString).toEqual(expect.objectContaining({ ok: false, errCode: -501001 }));
  });

  test('two refunds of one order need a minute between them', async () => {
    const { params } = await sdk.paidOrder();
    expect((await refund(params.outTradeNo, `FQ1${String(params.outTradeNo)}`, 10)).resultCode).toBe(
      'SUCCESS',
    );
    await sdk.advance(59_000);
    const soon = await refund(params.outTradeNo, `FQ2${String(params.outTradeNo)}`, 10);
    expect(soon).toEqual(
      expect.objectContaining({ resultCode: 'FAIL', errCodeDes: expect.stringMatching(/1分钟/) }),
    );
    await sdk.advance(1000);
    expect((await refund(params.outTradeNo, `FQ2${String(params.outTradeNo)}`, 10)).resultCode).toBe(
      'SUCCESS',
    );
  });
});
