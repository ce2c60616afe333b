/** @jest-environment node */
/**
 * The pay emulator as cloud functions see it: a user's function calls cloud.cloudPay.* through the
 * real wx-server-sdk (camelCase conversion, errCode always 0, platform rejections, bills as text or
 * Buffer), and the sandbox calls back a real function on WeChat's retry schedule.
 */
import { gunzipSync } from 'zlib';
import { get } from '../helpers/control';
import { startPaySdk, type PaySdk } from '../helpers/paysdk';
import { SUB_MCH_ID } from '../helpers/constants';

let sdk: PaySdk;
let base: string;

// Short names for what this suite does most (the sandbox's clock starts frozen).
const cloudPay = (api: string, params: Record<string, unknown>) => sdk.cloudPay(api, params);
const orderParams = (overrides?: Record<string, unknown>) => sdk.orderParams(overrides);
const clock = (body: Record<string, unknown>) => sdk.clock(body);
const settle = () => sdk.settle();
const payAs = async (pkg: unknown) => ({ errMsg: await sdk.act(String(pkg)) });

beforeAll(async () => {
  sdk = await startPaySdk();
  base = sdk.base;
});

afterAll(async () => {
  await sdk?.stop();
});

describe('unifiedOrder through the SDK', () => {
  test('answers camelCase with a signed payment and errCode 0', async () => {
    const answer = await cloudPay('unifiedOrder', orderParams());
    expect(answer.ok).toBe(true);
    const res = answer.res!;
    expect(res).toEqual(
      expect.objectContaining({
        returnCode: 'SUCCESS',
        resultCode: 'SUCCESS',
        tradeType: 'JSAPI',
        mchId: '1800008281',
        subMchId: SUB_MCH_ID,
        errCode: 0,
        errMsg: 'cloudPay.unifiedOrder:ok',
      }),
    );
    expect(res.prepayId).toMatch(/^wx\d{8}/);
    expect(res.payment).toEqual(
      expect.objectContaining({
        package: `prepay_id=${res.prepayId}`,
        signType: 'MD5',
        timeStamp: expect.stringMatching(/^\d{10}$/),
        paySign: expect.stringMatching(/^[0-9A-F]{32}$/),
        nonceStr: res.nonceStr,
      }),
    );
  });

  test('business failures resolve with FAIL codes, mistyped fields reject like the platform', async () => {
    const zero = await cloudPay('unifiedOrder', orderParams({ totalFee: 0 }));
    expect(zero.res).toEqual(expect.objectContaining({ returnCode: 'FAIL', errCode: 0 }));
    const badNo = await cloudPay('unifiedOrder', orderParams({ outTradeNo: 'T1' }));
    expect(badNo.res!.returnCode).toBe('FAIL');
    expect(String(badNo.res!.returnMsg)).toMatch(/out_trade_no/);
    const longBody = await cloudPay('unifiedOrder', orderParams({ body: '商'.repeat(50) }));
    expect(longBody.res!.returnCode).toBe('FAIL');
    const asString = await cloudPay('unifiedOrder', orderParams({ totalFee: '100' }));
    expect(asString.ok).toBe(false);
    // Reference §1's real example: errCode -501001, errMsg unifiedOrder:fail wx api error: -202.
    expect(asString.errCode).toBe(-501001);
    expect(asString.errMsg).toBe('unifiedOrder:fail wx api error: -202');
  });

  test('re-entry: same parameters give the same prepay, changed ones 201 duplicate', async () => {
    const params = orderParams();
    const first = await cloudPay('unifiedOrder', params);
    const again = await cloudPay('unifiedOrder', params);
    expect(again.res!.prepayId).toBe(first.res!.prepayId);
    const changed = await cloudPay('unifiedOrder', { ...params, totalFee: 200 });
    expect(changed.res).toEqual(expect.objectContaining({ returnCode: 'SUCCESS', resultCode: 'FAIL' }));
    expect(changed.res!.errCodeDes).toBe('201 商户订单号重复');
  });
});

describe('time rules on the sandbox clock', () => {
  test('a close at 4 minutes is refused and at 6 succeeds; a closed order cannot be paid', async () => {
    const params = orderParams();
    await cloudPay('unifiedOrder', params);
    await clock({ action: 'advance', ms: 4 * 60_000 });
    const early = await cloudPay('closeOrder', {
      subMchId: SUB_MCH_ID,
      outTradeNo: params.outTradeNo,
      nonceStr: 'x',
    });
    expect(early.res!.resultCode).toBe('FAIL');
    await clock({ action: 'advance', ms: 2 * 60_000 });
    const late = await cloudPay('closeOrder', {
      subMchId: SUB_MCH_ID,
      outTradeNo: params.outTradeNo,
      nonceStr: 'x',
    });
    expect(late.res).toEqual(expect.objectContaining({ returnCode: 'SUCCESS', resultCode: 'SUCCESS' }));
    const query = await cloudPay('queryOrder', {
      subMchId: SUB_MCH_ID,
      outTradeNo: params.outTradeNo,
      nonceStr: 'x',
    });
    expect(query.res!.tradeState).toBe('CLOSED');
    const reorder = await cloudPay('unifiedOrder', params);
    expect(reorder.res!.resultCode).toBe('FAIL');
    expect(String(reorder.res!.errCodeDes)).toMatch(/关闭|ORDERCLOSED/);
  });
});

describe('payment callbacks', () => {
  test('a payment whose first three callbacks fail is delivered on the fourth at the scheduled time', async () => {
    const params = orderParams({ attach: '3' });
    const order = await cloudPay('unifiedOrder', params);
    expect((await payAs((order.res!.payment as { package: string }).package)).errMsg).toBe(
      'requestPayment:ok',
    );
    await settle();
    const deliveries = async () =>
      (
        await get<{
          deliveries: Array<{ attempt: number; startedAt: number; outcome: string; answer?: unknown }>;
        }>(`${base}/sandbox/pay/deliveries?outTradeNo=${params.outTradeNo}`)
      ).deliveries;
    expect(await deliveries()).toEqual([expect.objectContaining({ attempt: 1, outcome: 'rejected' })]);
    for (const step of [15_000, 15_000, 30_000]) {
      await clock({ action: 'advance', ms: step - 1 });
      await settle();
      const before = (await deliveries()).length;
      await clock({ action: 'advance', ms: 1 });
      await settle();
      expect((await deliveries()).length).toBe(before + 1);
    }
    const all = await deliveries();
    expect(all.map((d) => d.outcome)).toEqual(['rejected', 'rejected', 'rejected', 'ok']);
    expect(all.map((d) => d.startedAt - all[0].startedAt)).toEqual([0, 15_000, 30_000, 60_000]);
    expect(all[3].answer).toEqual({ errcode: 0, errmsg: '' });
    // Acknowledged: nothing more is scheduled.
    await clock({ action: 'advance', ms: 24 * 3600_000 });
    await settle();
    expect(await deliveries()).toHaveLength(4);
    const query = await cloudPay('queryOrder', {
      subMchId: SUB_MCH_ID,
      outTradeNo: params.outTradeNo,
      nonceStr: 'x',
    });
    expect(query.res).toEqual(expect.objectContaining({ tradeState: 'SUCCESS', totalFee: 100, attach: '3' }));
    expect(query.res!.transactionId).toMatch(/^42\d{26}$/);
  });

  test('refunds: partial, never more than paid, state REFUND', async () => {
    const params = orderParams({ totalFee: 500 });
    const order = await cloudPay('unifiedOrder', params);
    await payAs((order.res!.payment as { package: string }).package);
    await settle();
    const refund = (outRefundNo: string, refundFee: number) =>
      cloudPay('refund', {
        subMchId: SUB_MCH_ID,
        outTradeNo: params.outTradeNo,
        outRefundNo,
        totalFee: 500,
        refundFee,
        envId: sdk.envId,
        functionName: 'flakyCallback',
        nonceStr: 'x',
      });
    const partial = await refund(`R${params.outTradeNo}1`, 200);
    expect(partial.res).toEqual(
      expect.objectContaining({ returnCode: 'SUCCESS', resultCode: 'SUCCESS', refundFee: 200 }),
    );
    await clock({ action: 'advance', ms: 61_000 });
    const over = await refund(`R${params.outTradeNo}2`, 301);
    expect(over.res!.resultCode).toBe('FAIL');
    const query = await cloudPay('queryOrder', {
      subMchId: SUB_MCH_ID,
      outTradeNo: params.outTradeNo,
      nonceStr: 'x',
    });
    expect(query.res!.tradeState).toBe('REFUND');
  });
});

describe('bills', () => {
  test('downloadBill: text with BOM and CRLF, GZIP as a Buffer, summary equal to the rows, No Bill Exist', async () => {
    const { now } = await get<{ now: number }>(`${base}/sandbox/clock`);
    const beijing = new Date(now + 8 * 3600_000);
    const billDate = beijing.toISOString().slice(0, 10).replace(/-/g, '');
    const nextDay10 = Date.UTC(
      beijing.getUTCFullYear(),
      beijing.getUTCMonth(),
      beijing.getUTCDate() + 1,
      10 - 8,
      5,
    );
    const early = await cloudPay('downloadBill', {
      subMchId: SUB_MCH_ID,
      billDate,
      billType: 'ALL',
      nonceStr: 'x',
    });
    expect(early.res).toEqual(expect.objectContaining({ returnCode: 'FAIL' }));
    await clock({ action: 'set', at: nextDay10 });

    const text = await cloudPay('downloadBill', {
      subMchId: SUB_MCH_ID,
      billDate,
      billType: 'ALL',
      nonceStr: 'x',
    });
    const bill = text.res!.data as string;
    expect(typeof bill).toBe('string');
    expect(bill.startsWith('\uFEFF交易时间,')).toBe(true);
    const lines = bill
      .replace(/^\uFEFF/, '')
      .split('\r\n')
      .filter(Boolean);
    const summaryAt = lines.findIndex((l) => l.startsWith('总交易单数'));
    const rows = lines.slice(1, summaryAt).map((l) => l.split(',').map((f) => f.replace(/^`/, '')));
    const header = lines[0].split(',');
    const summary = lines[summaryAt + 1].split(',').map((f) => Number(f.replace(/^`/, '')));
    const sum = (col: string) =>
      Math.round(rows.reduce((s, r) => s + Number(r[header.indexOf(col)]) * 100, 0)) / 100;
    expect(rows.length).toBeGreaterThan(0);
    expect(summary[0]).toBe(rows.length);
    expect(summary[1]).toBeCloseTo(sum('应结订单金额'), 2);
    expect(summary[2]).toBeCloseTo(sum('退款金额'), 2);

    const gz = await cloudPay('downloadBill', {
      subMchId: SUB_MCH_ID,
      billDate,
      billType: 'ALL',
      tarType: 'GZIP',
      nonceStr: 'x',
    });
    const bytes = Buffer.from((gz.res!.data as { base64: string }).base64, 'base64');
    expect(gunzipSync(bytes).toString('utf8')).toBe(bill);

    const quietDay = new Date(nextDay10 + 8 * 3600_000 - 3 * 86400_000)
      .toISOString()
      .slice(0, 10)
      .replace(/-/g, '');
    const empty = await cloudPay('downloadBill', {
      subMchId: SUB_MCH_ID,
      billDate: quietDay,
      billType: 'ALL',
      nonceStr: 'x',
    });
    expect(empty.res).toEqual(
      expect.objectContaining({ returnCode: 'FAIL', returnMsg: 'No Bill Exist', errorCode: '20002' }),
    );
    // Only the last three months are kept.
    const old = new Date(nextDay10 - 100 * 86400_000 + 8 * 3600_000)
      .toISOString()
      .slice(0, 10)
      .replace(/-/g, '');
    const tooOld = await cloudPay('downloadBill', {
      subMchId: SUB_MCH_ID,
      billDate: old,
      billType: 'ALL',
      nonceStr: 'x',
    });
    expect(tooOld.res).toEqual(expect.objectContaining({ returnCode: 'FAIL', errorCode: '20001' }));
  });
});
