/** @jest-environment node */
/**
 * Faults on demand, seen through the real wx-server-sdk and the callback function: the next N calls
 * of an API fail (business SYSTEMERROR, return_code FAIL, platform error, time-out, optionally after
 * the request was carried out), and callbacks are dropped, delayed, duplicated, held and released in
 * reverse order, re-sent, or abandoned after the full retry schedule.
 */
import { del, get, post } from '../helpers/control';
import { startPaySdk, type PaySdk } from '../helpers/paysdk';
import { SUB_MCH_ID } from '../helpers/constants';

let sdk: PaySdk;

beforeAll(async () => {
  sdk = await startPaySdk();
});

afterAll(async () => {
  await sdk?.stop();
});

afterEach(async () => {
  await del(`${sdk.base}/sandbox/pay/faults`);
});

const fault = (body: Record<string, unknown>) => post(`${sdk.base}/sandbox/pay/faults`, body);
const callbackFault = (body: Record<string, unknown>) => post(`${sdk.base}/sandbox/pay/callbacks`, body);
const faults = () =>
  get<{
    api: Array<{ api: string; remaining: number }>;
    callbacks: Array<{ mode: string; remaining: number }>;
  }>(`${sdk.base}/sandbox/pay/faults`);

describe('API faults', () => {
  test('SYSTEMERROR on the next 2 unifiedOrders: FAIL answers (errCode still 0), then the API works', async () => {
    await fault({ api: 'unifiedOrder', error: 'SYSTEMERROR', count: 2 });
    expect((await faults()).api).toEqual([expect.objectContaining({ api: 'unifiedOrder', remaining: 2 })]);
    const params = sdk.orderParams();
    for (let i = 0; i < 2; i++) {
      const res = await sdk.ok('unifiedOrder', params);
      expect(res).toEqual(
        expect.objectContaining({
          returnCode: 'SUCCESS',
          resultCode: 'FAIL',
          errCodeDes: '系统超时，请稍后再试',
          errCode: 0,
          errMsg: 'cloudPay.unifiedOrder:ok',
        }),
      );
    }
    expect((await sdk.queryOrder(params.outTradeNo)).errCodeDes).toBe('订单不存在');
    expect((await sdk.ok('unifiedOrder', params)).resultCode).toBe('SUCCESS');
    expect((await faults()).api).toEqual([]);
  });

  test('a time-out rejects the SDK call; with afterProcessing the order exists and the retry gets its prepay', async () => {
    await fault({ api: 'unifiedOrder', error: 'TIMEOUT', afterProcessing: true });
    const params = sdk.orderParams();
    const lost = await sdk.cloudPay('unifiedOrder', params);
    expect(lost.ok).toBe(false);
    expect(lost.errCode).toBe(-501002);
    expect(lost.errMsg).toMatch(/timeout/i);
    expect((await sdk.queryOrder(params.outTradeNo)).tradeState).toBe('NOTPAY');
    const retry = await sdk.ok('unifiedOrder', params);
    expect(retry.resultCode).toBe('SUCCESS');
    expect(retry.prepayId).toBe((await sdk.trade(params.outTradeNo)).prepays[0].prepayId);

    await fault({ api: 'queryOrder', error: 'TIMEOUT' });
    expect(
      (
        await sdk.cloudPay('queryOrder', {
          subMchId: SUB_MCH_ID,
          outTradeNo: params.outTradeNo,
          nonceStr: 'q',
        })
      ).ok,
    ).toBe(false);
    expect((await sdk.queryOrder(params.outTradeNo)).tradeState).toBe('NOTPAY');
  });

  test('SLOW: the SDK gets the same answer it would have got, only late (the fault is used up)', async () => {
    await fault({ api: 'unifiedOrder', error: 'SLOW', delayMs: 300 });
    await fault({ api: 'queryOrder', error: 'slow', delayMs: 300, count: 2 });
    const params = sdk.orderParams();
    const placed = await sdk.ok('unifiedOrder', params);
    expect(placed).toEqual(
      expect.objectContaining({ returnCode: 'SUCCESS', resultCode: 'SUCCESS', errCode: 0 }),
    );
    expect(placed.prepayId).toBe((await sdk.trade(params.outTradeNo)).prepays[0].prepayId);
    expect((await sdk.queryOrder(params.outTradeNo)).tradeState).toBe('NOTPAY');
    expect((await sdk.queryOrder('NOSUCHORDER')).errCodeDes).toBe('订单不存在');
    expect((await faults()).api).toEqual([]);
  });

  test('platform errors reject with their code; RETURN_FAIL is a communication failure; "*" hits any API', async () => {
    await fault({ api: 'closeOrder', error: 'EXCEED_REQUEST_LIMIT' });
    const limited = await sdk.cloudPay('closeOrder', {
      subMchId: SUB_MCH_ID,
      outTradeNo: 'ANYORDER01',
      nonceStr: 'c',
    });
    expect(limited).toEqual(expect.objectContaining({ ok: false, errCode: expect.any(Number) }));
    expect(limited.errMsg).toMatch(/closeOrder:fail/);

    await fault({ api: '*', error: 'RETURN_FAIL', count: 2 });
    const first = await sdk.ok('queryOrder', {
      subMchId: SUB_MCH_ID,
      outTradeNo: 'ANYORDER01',
      nonceStr: 'q',
    });
    expect(first).toEqual(
      expect.objectContaining({ returnCode: 'FAIL', returnMsg: 'SYSTEMERROR', errCode: 0 }),
    );
    expect(first.resultCode).toBeUndefined();
    const second = await sdk.ok('downloadBill', {
      subMchId: SUB_MCH_ID,
      billDate: '20240314',
      nonceStr: 'b',
    });
    expect(second.returnMsg).toBe('SYSTEMERROR');
    expect((await sdk.queryOrder('ANYORDER01')).errCodeDes).toBe('订单不存在');
  });

  test('a refund that fails with BIZERR_NEED_RETRY succeeds when retried with the same outRefundNo', async () => {
    const { params } = await sdk.paidOrder();
    await fault({ api: 'refund', error: 'BIZERR_NEED_RETRY' });
    const req = {
      subMchId: SUB_MCH_ID,
      outTradeNo: params.outTradeNo,
      outRefundNo: `BR${String(params.outTradeNo)}`,
      totalFee: 100,
      refundFee: 100,
      nonceStr: 'r',
    };
    const failed = await sdk.ok('refund', req);
    expect(failed).toEqual(expect.objectContaining({ resultCode: 'FAIL', errCodeDes: expect.any(String) }));
    expect((await sdk.trade(params.outTradeNo)).refundedFee).toBe(0);
    expect((await sdk.ok('refund', req)).resultCode).toBe('SUCCESS');
  });

  test('a "*" fault is kept for API calls: a refund settling meanwhile does not use it up', async () => {
    await sdk.config({ refundProcessingMs: 60_000 });
    try {
      const { params } = await sdk.paidOrder();
      const outRefundNo = `WR${String(params.outTradeNo)}`;
      await sdk.ok('refund', {
        subMchId: SUB_MCH_ID,
        outTradeNo: params.outTradeNo,
        outRefundNo,
        totalFee: 100,
        refundFee: 100,
        nonceStr: 'r',
      });
      await fault({ api: '*', error: 'SYSTEMERROR' });
      await sdk.advance(60_000);
      const status = await sdk.ok('queryRefund', { subMchId: SUB_MCH_ID, outRefundNo, nonceStr: 'q' });
      expect(status).toEqual(
        expect.objectContaining({ resultCode: 'FAIL', errCodeDes: '系统超时，请稍后再试' }),
      );
      const again = await sdk.ok('queryRefund', { subMchId: SUB_MCH_ID, outRefundNo, nonceStr: 'q' });
      expect(again.refundStatusList).toEqual(['SUCCESS']);
    } finally {
      await sdk.config({ refundProcessingMs: 0 });
    }
  });

  test('DELETE faults clears what is left; unknown APIs fail at the platform', async () => {
    await fault({ api: 'queryOrder', error: 'SYSTEMERROR', count: 5 });
    await callbackFault({ mode: 'drop', count: 5 });
    expect(await faults()).toEqual({
      api: [expect.objectContaining({ remaining: 5 })],
      callbacks: [expect.objectContaining({ mode: 'drop', remaining: 5 })],
    });
    await del(`${sdk.base}/sandbox/pay/faults`);
    expect(await faults()).toEqual({ api: [], callbacks: [] });
    const unknown = await sdk.cloudPay('downloadFundflow', { subMchId: SUB_MCH_ID, nonceStr: 'x' });
    // Reference §1: the platform's -604100 (API not found), as the SDK's errCode.
    expect(unknown).toEqual({
      ok: false,
      errCode: -604100,
      errMsg: expect.stringMatching(/^downloadFundflow:fail api downloadFundflow not found/),
    });
  });
});

describe('callback faults', () => {
  test('drop: the first attempt is lost (the function never runs), the retry 15 s later delivers it', async () => {
    await callbackFault({ mode: 'drop', kind: 'payment' });
    const { params } = await sdk.paidOrder();
    const no = String(params.outTradeNo);
    expect(await sdk.deliveries({ outTradeNo: no })).toEqual([
      expect.objectContaining({ attempt: 1, outcome: 'dropped' }),
    ]);
    expect(await sdk.effects(no)).toEqual([]);
    await sdk.advance(15_000);
    const all = await sdk.deliveries({ outTradeNo: no });
    expect(all.map((d) => [d.attempt, d.outcome])).toEqual([
      [1, 'dropped'],
      [2, 'ok'],
    ]);
    expect(all[1].startedAt - all[0].startedAt).toBe(15_000);
    expect(await sdk.effects(no)).toHaveLength(1);
  });

  test('delay: the first delivery comes delayMs later', async () => {
    await callbackFault({ mode: 'delay', delayMs: 30_000 });
    const { params } = await sdk.paidOrder();
    const no = String(params.outTradeNo);
    const paidAt = (await sdk.trade(no)) as unknown as { timeEnd: number };
    await sdk.advance(29_999);
    expect(await sdk.deliveries({ outTradeNo: no })).toEqual([]);
    expect(await sdk.effects(no)).toEqual([]);
    await sdk.advance(1);
    const [delivery] = await sdk.deliveries({ outTradeNo: no });
    expect(delivery).toEqual(expect.objectContaining({ attempt: 1, outcome: 'ok' }));
    expect(delivery.startedAt - paidAt.timeEnd).toBe(30_000);
    expect(await sdk.effects(no)).toHaveLength(1);
  });

  test('duplicate: the callback runs twice for one notification (handlers must be idempotent)', async () => {
    await callbackFault({ mode: 'duplicate' });
    const { params } = await sdk.paidOrder();
    const no = String(params.outTradeNo);
    const deliveries = await sdk.deliveries({ outTradeNo: no });
    expect(deliveries).toHaveLength(2);
    expect(deliveries.map((d) => d.duplicate).sort()).toEqual([false, true]);
    expect(new Set(deliveries.map((d) => d.notificationId)).size).toBe(1);
    expect(deliveries.every((d) => d.outcome === 'ok' && d.attempt === 1)).toBe(true);
    const effects = await sdk.effects(no);
    expect(effects).toHaveLength(2);
    expect(effects[0].event.transactionId).toBe(effects[1].event.transactionId);
  });

  test('hold + release reverse: held callbacks wait, then arrive newest first', async () => {
    await callbackFault({ mode: 'hold', count: 2 });
    const a = await sdk.paidOrder();
    const b = await sdk.paidOrder();
    const nos = [String(a.params.outTradeNo), String(b.params.outTradeNo)];
    await sdk.advance(3600_000);
    const held = await get<{ notifications: Array<{ outTradeNo: string; status: string }> }>(
      `${sdk.base}/sandbox/pay/notifications`,
    );
    expect(held.notifications.filter((n) => nos.includes(n.outTradeNo)).map((n) => n.status)).toEqual([
      'held',
      'held',
    ]);
    for (const no of nos) expect(await sdk.deliveries({ outTradeNo: no })).toEqual([]);
    expect(await post(`${sdk.base}/sandbox/pay/callbacks/release`, { order: 'reverse' })).toEqual({
      released: 2,
    });
    await sdk.settle();
    const log = (await sdk.deliveries()).filter((d) => nos.includes(d.outTradeNo));
    expect(log.map((d) => d.outTradeNo)).toEqual([nos[1], nos[0]]);
    expect(log.every((d) => d.outcome === 'ok')).toBe(true);
    for (const no of nos) expect(await sdk.effects(no)).toHaveLength(1);
  });

  test('hold + release in order keeps the payment order', async () => {
    await callbackFault({ mode: 'hold', count: 2, kind: 'payment' });
    const a = await sdk.paidOrder();
    const b = await sdk.paidOrder();
    const nos = [String(a.params.outTradeNo), String(b.params.outTradeNo)];
    expect(await post(`${sdk.base}/sandbox/pay/callbacks/release`, {})).toEqual({ released: 2 });
    await sdk.settle();
    const log = (await sdk.deliveries()).filter((d) => nos.includes(d.outTradeNo));
    expect(log.map((d) => d.outTradeNo)).toEqual(nos);
  });

  test('a fault for refund callbacks leaves payment callbacks alone', async () => {
    await callbackFault({ mode: 'drop', kind: 'refund' });
    const { params } = await sdk.paidOrder();
    const no = String(params.outTradeNo);
    expect((await sdk.deliveries({ outTradeNo: no })).map((d) => d.outcome)).toEqual(['ok']);
    await sdk.ok('refund', {
      subMchId: SUB_MCH_ID,
      outTradeNo: no,
      outRefundNo: `DR${no}`,
      totalFee: 100,
      refundFee: 50,
      envId: sdk.envId,
      functionName: 'flakyCallback',
      nonceStr: 'r',
    });
    await sdk.settle();
    expect((await sdk.deliveries({ outRefundNo: `DR${no}` })).map((d) => d.outcome)).toEqual(['dropped']);
    await sdk.advance(15_000);
    expect((await sdk.deliveries({ outRefundNo: `DR${no}` })).map((d) => d.outcome)).toEqual([
      'dropped',
      'ok',
    ]);
  });

  test('resend delivers an acknowledged notification once more', async () => {
    const { params } = await sdk.paidOrder();
    const no = String(params.outTradeNo);
    const [first] = await sdk.deliveries({ outTradeNo: no });
    expect(await post(`${sdk.base}/sandbox/pay/callbacks/resend`, { id: first.notificationId })).toEqual({
      resent: true,
    });
    await sdk.settle();
    expect((await sdk.deliveries({ outTradeNo: no })).map((d) => [d.attempt, d.outcome])).toEqual([
      [1, 'ok'],
      [2, 'ok'],
    ]);
    expect(await sdk.effects(no)).toHaveLength(2);
  });

  test('a callback that never acknowledges is retried on the whole schedule (15 retries, 24h4m), then abandoned', async () => {
    const { retryScheduleMs } = (await sdk.config()) as { retryScheduleMs: number[] };
    expect(retryScheduleMs.reduce((s, v) => s + v, 0)).toBe((24 * 60 + 4) * 60_000);
    const { params } = await sdk.paidOrder({ attach: '1000' });
    const no = String(params.outTradeNo);
    for (const wait of retryScheduleMs) await sdk.advance(wait);
    await sdk.advance(24 * 3600_000);
    const log = await sdk.deliveries({ outTradeNo: no });
    expect(log).toHaveLength(16);
    expect(log.every((d) => d.outcome === 'rejected')).toBe(true);
    let cumulative = 0;
    const expected = [0, ...retryScheduleMs.map((w) => (cumulative += w))];
    expect(log.map((d) => d.startedAt - log[0].startedAt)).toEqual(expected);
    const { notifications } = await get<{ notifications: Array<{ status: string; attempts: number }> }>(
      `${sdk.base}/sandbox/pay/notifications?outTradeNo=${no}`,
    );
    expect(notifications).toEqual([expect.objectContaining({ status: 'abandoned', attempts: 16 })]);
    expect(await sdk.effects(no)).toHaveLength(16);
  });
});

test('with cloudPay permissions required (a setting), a function whose config.json does not list the API is refused: -604101', async () => {
  await post(`${sdk.base}/sandbox/pay/config`, { cloudPayNeedsPermission: true });
  try {
    expect(
      await sdk.cloudPay('queryOrder', { subMchId: SUB_MCH_ID, outTradeNo: 'NOPERMISSION1', nonceStr: 'n' }),
    ).toEqual({
      ok: false,
      errCode: -604101,
      errMsg: 'queryOrder:fail function has no permission to call this API',
    });
  } finally {
    await post(`${sdk.base}/sandbox/pay/config`, { cloudPayNeedsPermission: false });
  }
});
