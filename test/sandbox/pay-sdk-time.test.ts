/** @jest-environment node */
/**
 * Time rules on the sandbox clock, through the real wx-server-sdk: timeExpire (format, minimum,
 * payment refused after it while orderquery still says NOTPAY), the 2-hour prepay lifetime and a
 * fresh prepay from a repeated unifiedOrder, and the clock control itself.
 */
import { get } from '../helpers/control';
import { beijingCompact, startPaySdk, type PaySdk } from '../helpers/paysdk';
import { TRADE_DAY_NOON } from '../helpers/constants';

let sdk: PaySdk;

beforeAll(async () => {
  sdk = await startPaySdk();
});

afterAll(async () => {
  await sdk?.stop();
});

const now = async () => (await get<{ now: number }>(`${sdk.base}/sandbox/clock`)).now;

describe('the clock control', () => {
  test('freeze, advance, set and resume move the time every rule reads', async () => {
    expect(await sdk.clock({ action: 'set', at: TRADE_DAY_NOON })).toBe(TRADE_DAY_NOON);
    const state = await get<{ now: number; frozen: boolean }>(`${sdk.base}/sandbox/clock`);
    expect(state).toEqual(expect.objectContaining({ now: TRADE_DAY_NOON, frozen: true }));
    expect(await sdk.clock({ action: 'advance', ms: 90_000 })).toBe(TRADE_DAY_NOON + 90_000);
    const resumed = await sdk.clock({ action: 'resume' });
    expect(resumed).toBeGreaterThanOrEqual(TRADE_DAY_NOON + 90_000);
    const refrozen = await sdk.clock({ action: 'freeze' });
    expect(refrozen).toBeGreaterThanOrEqual(resumed);
    expect(await sdk.clock({ action: 'set', at: TRADE_DAY_NOON })).toBe(TRADE_DAY_NOON);
    // The prepay's lifetime is counted from the sandbox time.
    const { params } = await sdk.order();
    const trade = await sdk.trade(params.outTradeNo);
    expect(trade.prepays[0]).toEqual(
      expect.objectContaining({ createdAt: TRADE_DAY_NOON, expiresAt: TRADE_DAY_NOON + 2 * 3600_000 }),
    );
  });
});

describe('timeExpire', () => {
  test('a malformed or too early timeExpire is refused', async () => {
    const badFormat = await sdk.ok('unifiedOrder', sdk.orderParams({ timeExpire: '2024-03-15 12:30' }));
    expect(badFormat.returnCode).toBe('FAIL');
    const notADate = await sdk.ok('unifiedOrder', sdk.orderParams({ timeExpire: '20240231120000' }));
    expect(notADate).toEqual(
      expect.objectContaining({ returnCode: 'FAIL', returnMsg: expect.stringMatching(/time_expire/) }),
    );
    const tooSoon = await sdk.ok(
      'unifiedOrder',
      sdk.orderParams({ timeExpire: beijingCompact((await now()) + 30_000) }),
    );
    expect(tooSoon).toEqual(expect.objectContaining({ returnCode: 'SUCCESS', resultCode: 'FAIL' }));
    const asNumber = await sdk.cloudPay('unifiedOrder', sdk.orderParams({ timeExpire: 20991231235959 }));
    expect(asNumber).toEqual(expect.objectContaining({ ok: false, errCode: -501001 }));
  });

  test('after timeExpire the payer is refused, orderquery still says NOTPAY, re-ordering is a 201', async () => {
    const params = sdk.orderParams({ timeExpire: beijingCompact((await now()) + 10 * 60_000) });
    const res = await sdk.ok('unifiedOrder', params);
    expect(res.resultCode).toBe('SUCCESS');
    const pkg = (res.payment as { package: string }).package;
    const sibling = await sdk.order({ timeExpire: params.timeExpire });
    await sdk.advance(10 * 60_000 - 1000);
    // Still payable a second before; not after.
    expect(await sdk.act(sibling.pkg)).toBe('requestPayment:ok');
    await sdk.advance(1000);
    expect(await sdk.act(pkg)).toBe('requestPayment:fail 该订单已失效');
    expect((await sdk.queryOrder(params.outTradeNo)).tradeState).toBe('NOTPAY');
    const again = await sdk.ok('unifiedOrder', params);
    expect(again).toEqual(expect.objectContaining({ resultCode: 'FAIL', errCodeDes: '201 商户订单号重复' }));
    // Closing an expired order is how the number is retired.
    const closed = await sdk.ok('closeOrder', {
      subMchId: params.subMchId,
      outTradeNo: params.outTradeNo,
      nonceStr: 'c',
    });
    expect(closed.resultCode).toBe('SUCCESS');
  });

  test('re-entry may not change timeExpire', async () => {
    const params = sdk.orderParams({ timeExpire: beijingCompact((await now()) + 30 * 60_000) });
    expect((await sdk.ok('unifiedOrder', params)).resultCode).toBe('SUCCESS');
    const changed = await sdk.ok('unifiedOrder', {
      ...params,
      timeExpire: beijingCompact((await now()) + 40 * 60_000),
    });
    expect(changed.errCodeDes).toBe('201 商户订单号重复');
  });
});

describe('the prepay lifetime', () => {
  test('a prepay is valid 2 hours; the same unifiedOrder then gives a new, usable one', async () => {
    const params = sdk.orderParams();
    const first = await sdk.ok('unifiedOrder', params);
    const firstPkg = (first.payment as { package: string }).package;
    await sdk.advance(2 * 3600_000 - 1);
    const stillSame = await sdk.ok('unifiedOrder', params);
    expect(stillSame.prepayId).toBe(first.prepayId);
    await sdk.advance(1);
    expect(await sdk.act(firstPkg)).toBe('requestPayment:fail 该订单已过期');
    expect((await sdk.queryOrder(params.outTradeNo)).tradeState).toBe('NOTPAY');

    const renewed = await sdk.ok('unifiedOrder', params);
    expect(renewed.resultCode).toBe('SUCCESS');
    expect(renewed.prepayId).not.toBe(first.prepayId);
    const payment = renewed.payment as { package: string; timeStamp: string };
    expect(Number(payment.timeStamp)).toBe(Math.floor((await now()) / 1000));
    expect(await sdk.act(firstPkg)).toBe('requestPayment:fail 该订单已过期');
    expect(await sdk.act(payment.package)).toBe('requestPayment:ok');
    await sdk.settle();
    const query = await sdk.queryOrder(params.outTradeNo);
    expect(query.tradeState).toBe('SUCCESS');
    expect((await sdk.trade(params.outTradeNo)).prepays).toHaveLength(2);
    expect(await sdk.deliveries({ outTradeNo: String(params.outTradeNo) })).toEqual([
      expect.objectContaining({ outcome: 'ok' }),
    ]);
  });
});
