/** @jest-environment node */
import { createDecipheriv, createHash } from 'node:crypto';
import { createHarness, type Harness } from './pay-harness';
import { SUB_MCH_ID } from '../helpers/constants';

let h: Harness;
beforeEach(() => {
  h = createHarness();
});
afterEach(() => h.close());

const MIN = 60_000;

function refundReq(
  outRefundNo: string,
  refundFee: number,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    sub_mch_id: SUB_MCH_ID,
    nonce_str: 'n',
    out_trade_no: 'REFUND0001',
    out_refund_no: outRefundNo,
    total_fee: 100,
    refund_fee: refundFee,
    env_id: 'paykit-sandbox',
    function_name: 'refundCallback',
    ...extra,
  };
}

const refund = (no: string, fee: number, extra?: Record<string, unknown>): Promise<Record<string, unknown>> =>
  h.json('refund', refundReq(no, fee, extra));

describe('refund', () => {
  it('refunds partially then fully, never more than paid, and marks the trade REFUND', async () => {
    await h.payOrder('REFUND0001');
    const first = await refund('R1', 30);
    expect(first).toMatchObject({
      return_code: 'SUCCESS',
      result_code: 'SUCCESS',
      out_trade_no: 'REFUND0001',
      out_refund_no: 'R1',
      refund_fee: 30,
      total_fee: 100,
      cash_refund_fee: 30,
      coupon_refund_id_list: [],
    });
    expect(first.refund_id).toMatch(/^50\d{8}20240315\d{11}$/);
    expect(h.pay.trades({ outTradeNo: 'REFUND0001' })[0]).toMatchObject({ state: 'REFUND', refundedFee: 30 });
    h.clock.advance(MIN);
    expect(await refund('R2', 71)).toMatchObject({
      result_code: 'FAIL',
      err_code: 'ERROR',
      err_code_des: '申请退款金额超过订单可退金额',
      coupon_type_list: [],
    });
    expect((await refund('R2', 70)).result_code).toBe('SUCCESS');
    h.clock.advance(MIN);
    expect(await refund('R3', 1)).toMatchObject({ err_code: 'ERROR', err_code_des: '订单已全额退款' });
  });

  it('is idempotent per out_refund_no and refuses a changed retry', async () => {
    await h.payOrder('REFUND0001');
    const a = await refund('R1', 40);
    const b = await refund('R1', 40, { nonce_str: 'other' });
    expect(b.refund_id).toBe(a.refund_id);
    expect(h.pay.trades({ outTradeNo: 'REFUND0001' })[0].refundedFee).toBe(40);
    expect(await refund('R1', 50)).toMatchObject({ err_code: 'PARAM_ERROR' });
    await h.pay.settle();
    expect(h.delivered.filter((d) => d.kind === 'refund')).toHaveLength(1);
  });

  it('refuses unpaid or unknown orders, wrong totals and refunds less than a minute apart', async () => {
    await h.order('REFUND0001');
    expect(await refund('R1', 10)).toMatchObject({ err_code: 'ORDERNOTEXIST' });
    expect(await refund('R1', 10, { out_trade_no: 'NOSUCHORDER' })).toMatchObject({
      err_code: 'ORDERNOTEXIST',
    });
    await h.payOrder('REFUND0001');
    expect(await refund('R1', 10, { total_fee: 99 })).toMatchObject({ err_code: 'PARAM_ERROR' });
    expect((await refund('R1', 10)).result_code).toBe('SUCCESS');
    expect(await refund('R2', 10)).toMatchObject({ err_code: 'FREQUENCY_LIMITED' });
    h.clock.advance(MIN);
    expect((await refund('R2', 10)).result_code).toBe('SUCCESS');
  });

  it('delivers the refund callback with the decrypted req_info fields in camelCase', async () => {
    await h.payOrder('REFUND0001');
    const r = await refund('R1', 25);
    await h.pay.settle();
    const d = h.delivered.find((x) => x.kind === 'refund');
    expect(d).toMatchObject({ functionName: 'refundCallback', envId: 'paykit-sandbox' });
    expect(d?.event).toMatchObject({
      returnCode: 'SUCCESS',
      mchId: '1800008281',
      subMchId: SUB_MCH_ID,
      outTradeNo: 'REFUND0001',
      outRefundNo: 'R1',
      refundId: r.refund_id,
      totalFee: 100,
      refundFee: 25,
      settlementRefundFee: 25,
      refundStatus: 'SUCCESS',
      successTime: '2024-03-15 12:00:00',
      refundRequestSource: 'API',
      refundAccount: 'REFUND_SOURCE_UNSETTLED_FUNDS',
    });
    expect(d?.event).not.toHaveProperty('attach');
  });

  it('can send req_info encrypted (AES-256-ECB, key md5(apiKey))', async () => {
    h.pay.configure({ refundEventShape: 'encrypted' });
    await h.payOrder('REFUND0001');
    await refund('R1', 25);
    await h.pay.settle();
    const event = h.delivered.find((x) => x.kind === 'refund')?.event ?? {};
    const key = createHash('md5').update(h.pay.config().apiKey).digest('hex');
    const decipher = createDecipheriv('aes-256-ecb', Buffer.from(key), null);
    const xml = Buffer.concat([
      decipher.update(String(event.reqInfo), 'base64'),
      decipher.final(),
    ]).toString();
    expect(xml).toContain('<out_refund_no><![CDATA[R1]]></out_refund_no>');
    expect(event).not.toHaveProperty('outRefundNo');
  });

  it('stays PROCESSING for the configured time, then succeeds and calls back', async () => {
    h.pay.configure({ refundProcessingMs: 5 * MIN });
    await h.payOrder('REFUND0001');
    await refund('R1', 25);
    const q = { sub_mch_id: SUB_MCH_ID, nonce_str: 'n', out_refund_no: 'R1' };
    expect((await h.json('queryRefund', q)).refund_status_list).toEqual(['PROCESSING']);
    h.clock.advance(5 * MIN);
    await h.pay.settle();
    const done = await h.json('queryRefund', q);
    expect(done.refund_status_list).toEqual(['SUCCESS']);
    expect(done.refund_success_time_list).toEqual(['2024-03-15 12:05:00']);
    expect(h.delivered.filter((d) => d.kind === 'refund')).toHaveLength(1);
  });

  it('a refundResult fault closes the refund and gives the amount back', async () => {
    h.pay.injectFault({ api: 'refundResult', count: 1, error: 'REFUNDCLOSE' });
    await h.payOrder('REFUND0001');
    await refund('R1', 100);
    await h.pay.settle();
    expect(h.delivered.find((d) => d.kind === 'refund')?.event.refundStatus).toBe('REFUNDCLOSE');
    expect(h.pay.trades({ outTradeNo: 'REFUND0001' })[0].refundedFee).toBe(0);
  });
});

describe('queryRefund', () => {
  it('finds refunds by refund_id, out_refund_no or order, as filled lists', async () => {
    await h.payOrder('REFUND0001');
    const r1 = await refund('R1', 10);
    h.clock.advance(MIN);
    await refund('R2', 20);
    const base = { sub_mch_id: SUB_MCH_ID, nonce_str: 'n' };
    const byOrder = await h.json('queryRefund', { ...base, out_trade_no: 'REFUND0001' });
    expect(byOrder).toMatchObject({
      result_code: 'SUCCESS',
      transaction_id: expect.stringMatching(/^\d{28}$/),
      total_fee: 100,
      refund_count: 2,
      total_refund_count: 2,
      out_refund_no_list: ['R1', 'R2'],
      refund_fee_list: [10, 20],
      refund_status_list: ['SUCCESS', 'SUCCESS'],
      refund_channel: ['ORIGINAL', 'ORIGINAL'],
      refund_success_time_list: ['2024-03-15 12:00:00', '2024-03-15 12:01:00'],
    });
    const byId = await h.json('queryRefund', { ...base, refund_id: r1.refund_id, out_refund_no: 'R2' });
    expect(byId.out_refund_no_list).toEqual(['R1']);
    expect(await h.json('queryRefund', { ...base, out_refund_no: 'NOPE' })).toMatchObject({
      err_code: 'REFUNDNOTEXIST',
    });
    expect(await h.json('queryRefund', { ...base, out_trade_no: 'REFUND0001', offset: 5 })).toMatchObject({
      err_code: 'PARAM_ERROR',
    });
  });

  it('can answer v2 indexed fields or the empty lists seen in the wild', async () => {
    await h.payOrder('REFUND0001');
    await refund('R1', 10);
    const q = { sub_mch_id: SUB_MCH_ID, nonce_str: 'n', out_trade_no: 'REFUND0001' };
    h.pay.configure({ queryRefundStyle: 'indexed' });
    expect(await h.json('queryRefund', q)).toMatchObject({
      out_refund_no_0: 'R1',
      refund_fee_0: 10,
      refund_status_0: 'SUCCESS',
    });
    h.pay.configure({ queryRefundStyle: 'emptyLists' });
    expect(await h.json('queryRefund', q)).toMatchObject({ refund_count: 1, out_refund_no_list: [] });
  });
});
