/** @jest-environment node */
import { SandboxClock } from '../../sandbox/clock';
import { PayService, type CallbackDelivery } from '../../sandbox/pay/service';
import { APPID, OPENID, createHarness, type Harness } from './pay-harness';
import { SUB_MCH_ID, TRADE_DAY_NOON } from '../helpers/constants';

let h: Harness;
beforeEach(() => {
  h = createHarness();
});
afterEach(() => h.close());

const pkgOf = (a: Record<string, unknown>): string => (a.payment as { package: string }).package;

async function advance(ms: number): Promise<void> {
  h.clock.advance(ms);
  await h.pay.settle();
}

describe('act (the pay sheet)', () => {
  it('pays and delivers the camelCase payment event once acknowledged', async () => {
    const a = await h.order('PAYCB0001', { attach: 'order-42' });
    expect(await h.pay.act({ package: pkgOf(a), openid: OPENID, action: 'pay' })).toEqual({
      errMsg: 'requestPayment:ok',
    });
    await h.pay.settle();
    expect(h.delivered).toHaveLength(1);
    const d = h.delivered[0];
    expect(d).toMatchObject({ kind: 'payment', envId: 'paykit-sandbox', functionName: 'payCallback' });
    expect(d.event).toEqual({
      returnCode: 'SUCCESS',
      appid: 'wxd2d16a504f24665e',
      mchId: '1800008281',
      subAppid: APPID,
      subMchId: SUB_MCH_ID,
      nonceStr: expect.stringMatching(/^[A-Za-z0-9]{16}$/),
      resultCode: 'SUCCESS',
      openid: expect.stringMatching(/^o/),
      isSubscribe: 'N',
      subOpenid: OPENID,
      subIsSubscribe: 'N',
      tradeType: 'JSAPI',
      bankType: 'OTHERS',
      totalFee: 100,
      feeType: 'CNY',
      cashFee: 100,
      transactionId: expect.stringMatching(/^\d{28}$/),
      outTradeNo: 'PAYCB0001',
      timeEnd: '20240315120000',
      attach: 'order-42',
    });
    const log = h.pay.deliveries({ outTradeNo: 'PAYCB0001' });
    expect(log).toEqual([
      expect.objectContaining({
        attempt: 1,
        outcome: 'ok',
        answer: { errcode: 0, errmsg: '' },
        startedAt: TRADE_DAY_NOON,
      }),
    ]);
  });

  it('cancel, notenough and fail keep the order payable: it stays NOTPAY and sends no callback', async () => {
    const a = await h.order('PAYCB0002');
    expect(await h.pay.act({ package: pkgOf(a), openid: OPENID, action: 'cancel' })).toEqual({
      errMsg: 'requestPayment:fail cancel',
    });
    expect((await h.pay.act({ package: pkgOf(a), openid: OPENID, action: 'notenough' })).errMsg).toMatch(
      /^requestPayment:fail /,
    );
    expect(h.pay.trades({ outTradeNo: 'PAYCB0002' })[0].state).toBe('NOTPAY');
    expect((await h.pay.act({ package: pkgOf(a), openid: OPENID, action: 'fail' })).errMsg).toMatch(
      /^requestPayment:fail /,
    );
    const q = await h.json('queryOrder', {
      sub_mch_id: SUB_MCH_ID,
      out_trade_no: 'PAYCB0002',
      nonce_str: 'n',
    });
    // Reference §11.1: PAYERROR is a 付款码 state; a mini-program payment never reaches it.
    expect(q.trade_state).toBe('NOTPAY');
    expect(h.delivered).toHaveLength(0);
    expect(await h.pay.act({ package: pkgOf(a), openid: OPENID, action: 'pay' })).toEqual({
      errMsg: 'requestPayment:ok',
    });
    expect((await h.json('queryOrder', q)).trade_state).toBe('SUCCESS');
  });

  it("a slow payer's trade is NOTPAY while the payment settles, then SUCCESS with a callback", async () => {
    h.pay.configure({ slowPayerMs: 20_000 });
    const a = await h.order('PAYCB0003');
    expect((await h.pay.act({ package: pkgOf(a), openid: OPENID, action: 'slow' })).errMsg).toBe(
      'requestPayment:ok',
    );
    const q = { sub_mch_id: SUB_MCH_ID, out_trade_no: 'PAYCB0003', nonce_str: 'n' };
    expect((await h.json('queryOrder', q)).trade_state).toBe('NOTPAY');
    await advance(19_999);
    expect((await h.json('queryOrder', q)).trade_state).toBe('NOTPAY');
    expect(h.delivered).toHaveLength(0);
    await advance(1);
    expect((await h.json('queryOrder', q)).trade_state).toBe('SUCCESS');
    expect(h.delivered).toHaveLength(1);
  });

  it('refuses another payer, an expired prepay and a paid order', async () => {
    const a = await h.order('PAYCB0004');
    expect((await h.pay.act({ package: pkgOf(a), openid: 'oSomeoneElse', action: 'pay' })).errMsg).toMatch(
      /^requestPayment:fail /,
    );
    expect((await h.pay.act({ package: 'prepay_id=wxnope', openid: OPENID, action: 'pay' })).errMsg).toMatch(
      /^requestPayment:fail /,
    );
    h.clock.advance(2 * 3600_000);
    expect((await h.pay.act({ package: pkgOf(a), openid: OPENID, action: 'pay' })).errMsg).toBe(
      'requestPayment:fail 该订单已过期',
    );
    const fresh = await h.order('PAYCB0004');
    expect(fresh.prepay_id).not.toBe(a.prepay_id);
    expect((await h.pay.act({ package: pkgOf(fresh), openid: OPENID, action: 'pay' })).errMsg).toBe(
      'requestPayment:ok',
    );
    expect((await h.pay.act({ package: pkgOf(fresh), openid: OPENID, action: 'pay' })).errMsg).toBe(
      'requestPayment:fail 该订单已支付',
    );
  });
});

describe('callback retries (reference §11.6)', () => {
  it('a payment whose first three callbacks fail is delivered on the fourth, 1 minute after the first', async () => {
    const answers: unknown[] = [{ errcode: 1, errmsg: 'busy' }, true, 'THROW'];
    h.respond.fn = (_d, n) => {
      const a = answers[n - 1];
      if (a === 'THROW') throw new Error('function crashed');
      return a ?? { errcode: 0, errmsg: '' };
    };
    await h.payOrder('PAYCB0101');
    expect(h.delivered).toHaveLength(1);
    await advance(15_000);
    expect(h.delivered).toHaveLength(2);
    await advance(15_000);
    expect(h.delivered).toHaveLength(3);
    await advance(29_999);
    expect(h.delivered).toHaveLength(3);
    await advance(1);
    expect(h.delivered).toHaveLength(4);
    const log = h.pay.deliveries({ outTradeNo: 'PAYCB0101' });
    expect(log.map((d) => [d.attempt, d.outcome, d.startedAt - TRADE_DAY_NOON])).toEqual([
      [1, 'rejected', 0],
      [2, 'rejected', 15_000],
      [3, 'error', 30_000],
      [4, 'ok', 60_000],
    ]);
    expect(log[2].error).toBe('function crashed');
    expect(h.pay.notifications({ outTradeNo: 'PAYCB0101' })[0]).toMatchObject({
      status: 'delivered',
      attempts: 4,
    });
    await advance(48 * 3600_000);
    expect(h.delivered).toHaveLength(4);
  });

  it('gives up after the 15 retries of the schedule (24h4m)', async () => {
    h.respond.fn = () => ({ errcode: -1 });
    await h.payOrder('PAYCB0102');
    await advance(24 * 3600_000 + 4 * 60_000 - 1);
    expect(h.delivered).toHaveLength(15);
    await advance(1);
    expect(h.delivered).toHaveLength(16);
    await advance(48 * 3600_000);
    expect(h.delivered).toHaveLength(16);
    expect(h.pay.notifications({ outTradeNo: 'PAYCB0102' })[0]).toMatchObject({
      status: 'abandoned',
      attempts: 16,
    });
  });

  it('re-arms a pending retry after a restart on the same database', async () => {
    h.respond.fn = () => ({ errcode: 1 });
    await h.payOrder('PAYCB0103');
    h.pay.close();
    const clock = new SandboxClock();
    clock.freeze(TRADE_DAY_NOON + 10_000);
    const seen: CallbackDelivery[] = [];
    const revived = new PayService({
      sqlite: h.sqlite,
      clock,
      deliver: async (d) => {
        seen.push(d);
        return { errcode: 0, errmsg: '' };
      },
    });
    revived.start();
    clock.advance(4_999);
    await revived.settle();
    expect(seen).toHaveLength(0);
    clock.advance(1);
    await revived.settle();
    expect(seen).toHaveLength(1);
    expect(seen[0].event.outTradeNo).toBe('PAYCB0103');
    expect(revived.deliveries({ outTradeNo: 'PAYCB0103' }).map((d) => d.outcome)).toEqual(['rejected', 'ok']);
    revived.close();
    clock.stop();
  });
});

describe('callback faults', () => {
  it('drop: the attempt is lost and retried on schedule', async () => {
    h.pay.injectCallbackFault({ mode: 'drop', count: 1 });
    await h.payOrder('PAYCB0201');
    expect(h.delivered).toHaveLength(0);
    await advance(15_000);
    expect(h.delivered).toHaveLength(1);
    expect(h.pay.deliveries({ outTradeNo: 'PAYCB0201' }).map((d) => d.outcome)).toEqual(['dropped', 'ok']);
  });

  it('duplicate: the same event arrives twice', async () => {
    h.pay.injectCallbackFault({ kind: 'payment', mode: 'duplicate', count: 1 });
    await h.payOrder('PAYCB0202');
    expect(h.delivered).toHaveLength(2);
    expect(h.delivered[0].event).toEqual(h.delivered[1].event);
    expect(
      h.pay
        .deliveries({ outTradeNo: 'PAYCB0202' })
        .map((d) => d.duplicate)
        .sort(),
    ).toEqual([false, true]);
  });

  it('delay: the first delivery comes later', async () => {
    h.pay.injectCallbackFault({ mode: 'delay', count: 1, delayMs: 90_000 });
    await h.payOrder('PAYCB0203');
    await advance(89_999);
    expect(h.delivered).toHaveLength(0);
    await advance(1);
    expect(h.delivered).toHaveLength(1);
  });

  it('hold + reverse release reorders callbacks', async () => {
    h.pay.injectCallbackFault({ mode: 'hold', count: 2 });
    await h.payOrder('PAYCB0204');
    await h.payOrder('PAYCB0205');
    expect(h.delivered).toHaveLength(0);
    expect(h.pay.releaseHeldCallbacks('reverse')).toBe(2);
    await h.pay.settle();
    expect(h.delivered.map((d) => d.event.outTradeNo)).toEqual(['PAYCB0205', 'PAYCB0204']);
  });
});
