/** @jest-environment node */
/**
 * The order lifecycle at the server: close (5-minute rule, paid meanwhile), paying again (a new
 * attempt, and when there is none), list (cursor pages),
 * refunds (admin, partial, idempotent, callback), hooks run once, and the timer's recoveries.
 */
import { del, post, query } from '../helpers/control';
import { PROVIDER, providerFault, startKitSandbox, type KitClient } from '../helpers/kit';
import type { SandboxProcess } from '../helpers/sandbox';

let sandbox: SandboxProcess;
let kit: KitClient;
const ALICE = 'o-alice-life';
const BOB = 'o-bob-life';
const ADMIN = 'o-admin-life';

beforeAll(async () => {
  ({ sandbox, kit } = await startKitSandbox(ADMIN));
});

afterAll(async () => {
  await sandbox?.stop();
});

const buy = (openid = ALICE, quantity = 1) =>
  kit.ok(openid, 'unifiedOrder', { items: [{ sku: 'latte', quantity }] });

const buyAndPay = async (openid = ALICE) => kit.payAndConfirm(openid, await buy(openid));

describe('closeOrder', () => {
  test('refuses within 5 minutes saying when, closes after, and the order cannot be paid again', async () => {
    const placed = await buy();
    const early = await kit.call(ALICE, 'closeOrder', { orderNo: placed.orderNo });
    expect(early).toEqual(
      expect.objectContaining({ ok: false, code: 'CLOSE_TOO_EARLY', retryAt: expect.any(Number) }),
    );
    const { now } = await kit.clock('advance', { ms: 0 });
    if (!early.ok) expect(early.retryAt! - now).toBeGreaterThan(4 * 60_000);
    await kit.moveClock('advance', { ms: 5 * 60_000 + 1000 });
    const closed = await kit.ok(ALICE, 'closeOrder', { orderNo: placed.orderNo });
    expect(closed.order.status).toBe('CLOSED');
    const outTradeNo = String((await kit.order(placed.orderNo))!.outTradeNo);
    expect((await kit.trade(outTradeNo))!.state).toBe('CLOSED');
    expect(await kit.call(ALICE, 'unifiedOrder', { orderNo: placed.orderNo })).toEqual(
      expect.objectContaining({ ok: false, code: 'ORDER_CLOSED' }),
    );
    // Closing again is harmless.
    expect((await kit.ok(ALICE, 'closeOrder', { orderNo: placed.orderNo })).order.status).toBe('CLOSED');
  });

  test('someone else cannot close it', async () => {
    const placed = await buy();
    expect(await kit.call(BOB, 'closeOrder', { orderNo: placed.orderNo })).toEqual(
      expect.objectContaining({ ok: false, code: 'ORDER_NOT_FOUND' }),
    );
  });

  test('an order paid meanwhile (callback lost) is recorded as paid, not closed', async () => {
    const placed = await buy();
    // Held at WeChat: no delivery and no retry reaches the kit (one lost delivery was retried 15 s
    // later, during the jump below, and recorded the payment before closeOrder ran).
    await post(`${sandbox.url}/sandbox/pay/callbacks`, { mode: 'hold', kind: 'payment', count: 1 });
    await kit.pay(ALICE, placed.payment);
    // 13 minutes on, past the sweep's lost-callback window (unpaid orders 2 to 12 minutes old) and
    // before expiry: the sweep this move fires leaves the order alone too (at 6 minutes it raced
    // closeOrder for the payment), so closeOrder is the one that finds it.
    await kit.moveClock('advance', { ms: 13 * 60_000 });
    expect((await kit.order(placed.orderNo))!.status).toBe('NOTPAY');
    expect(await kit.call(ALICE, 'closeOrder', { orderNo: placed.orderNo })).toEqual(
      expect.objectContaining({ ok: false, code: 'ORDER_PAID' }),
    );
    expect((await kit.order(placed.orderNo))!.status).toBe('SUCCESS');
  });
});

interface StoredOrder {
  status: string;
  outTradeNo: string;
  attempts: Array<{ outTradeNo: string; payment?: unknown; closeAskedAt?: number }>;
}

/** The next call of `api` (cloudPay's name) is carried out at WeChat, and its answer lost. */
const answerLost = (api: string) =>
  post(`${sandbox.url}/sandbox/pay/faults`, {
    ...providerFault(api, 'TIMEOUT'),
    afterProcessing: true,
    count: 1,
  });

describe('paying an unpaid order again', () => {
  // A fault whose call never came must not strike the next test.
  afterEach(() => del(`${sandbox.url}/sandbox/pay/faults`));

  test('with under 2 minutes of the order left and its prepay spent: ORDER_EXPIRING, and nothing is closed or recorded', async () => {
    const placed = await buy();
    // 29 min 10 s into its 30: less than the minute left the kit hands a prepay out with, and
    // too little for WeChat to take a new one (a time_expire at least a minute on).
    await kit.moveClock('advance', { ms: 29 * 60_000 + 10_000 });
    expect(await kit.call(ALICE, 'unifiedOrder', { orderNo: placed.orderNo })).toEqual(
      expect.objectContaining({ ok: false, code: 'ORDER_EXPIRING' }),
    );
    const stored = (await kit.order<StoredOrder>(placed.orderNo))!;
    expect(stored.status).toBe('NOTPAY');
    expect(stored.attempts).toHaveLength(1);
    expect(stored.attempts[0]).not.toHaveProperty('closeAskedAt');
    expect((await kit.trade(stored.outTradeNo))!.state).toBe('NOTPAY');
  });

  test('with under 2 minutes left, a payment WeChat has (its callback lost) is recorded and answered instead', async () => {
    const placed = await buy();
    await post(`${sandbox.url}/sandbox/pay/callbacks`, { mode: 'hold', kind: 'payment', count: 1 });
    await kit.pay(ALICE, placed.payment);
    // One jump: the sweep it fires finds the order past its lost-callback window (2 to 12 minutes).
    await kit.moveClock('advance', { ms: 29 * 60_000 + 10_000 });
    expect((await kit.order(placed.orderNo))!.status).toBe('NOTPAY');
    expect(await kit.call(ALICE, 'unifiedOrder', { orderNo: placed.orderNo })).toEqual(
      expect.objectContaining({ ok: false, code: 'ORDER_PAID' }),
    );
    expect((await kit.order(placed.orderNo))!.status).toBe('SUCCESS');
  });

  test('a prepay never answered whose close WeChat carried out (that answer lost too) is not asked again: a new attempt pays', async () => {
    const buyer = 'o-carol-life';
    await answerLost('unifiedOrder');
    expect(await kit.call(buyer, 'unifiedOrder', { items: [{ sku: 'latte', quantity: 1 }] })).toEqual(
      expect.objectContaining({ ok: false, code: 'PAY_PROVIDER_ERROR' }),
    );
    const [{ _id: orderNo }] = await query<{ _id: string }>(sandbox.url, 'paykit_orders', { openid: buyer });
    await kit.moveClock('advance', { ms: 6 * 60_000 });
    await answerLost('closeOrder');
    expect(await kit.call(buyer, 'closeOrder', { orderNo })).toEqual(
      expect.objectContaining({ ok: false, code: 'PAY_PROVIDER_ERROR' }),
    );
    const asked = (await kit.order<StoredOrder>(orderNo))!;
    expect(asked.attempts).toEqual([expect.objectContaining({ closeAskedAt: expect.any(Number) })]);
    expect(asked.attempts[0]).not.toHaveProperty('payment');
    expect((await kit.trade(asked.outTradeNo))!.state).toBe('CLOSED');

    const again = await kit.ok(buyer, 'unifiedOrder', { orderNo });
    await kit.payAndConfirm(buyer, again);
    const paid = (await kit.order<StoredOrder>(orderNo))!;
    expect(paid.attempts).toHaveLength(2);
    expect((await kit.trade(paid.attempts[0].outTradeNo))!.state).toBe('CLOSED');
    expect((await kit.trade(paid.attempts[1].outTradeNo))!.state).toBe('SUCCESS');
  });
});

describe('listOrders', () => {
  test('pages newest first by cursor, filters by status, shows only the caller', async () => {
    const carol = 'o-carol-list';
    const placed: string[] = [];
    for (let i = 0; i < 7; i++) {
      placed.push((await buy(carol, 1)).orderNo);
      await kit.moveClock('advance', { ms: 1000 });
    }
    await kit.payAndConfirm(carol, await kit.ok(carol, 'unifiedOrder', { orderNo: placed[2] }));

    const seen: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await kit.ok(carol, 'listOrders', { pageSize: 3, ...(cursor ? { cursor } : {}) });
      seen.push(...page.orders.map((o) => o.orderNo));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual([...placed].reverse());
    const paid = await kit.ok(carol, 'listOrders', { status: 'SUCCESS' });
    expect(paid.orders.map((o) => o.orderNo)).toEqual([placed[2]]);
    expect(paid.nextCursor).toBeNull();
    expect((await kit.ok(BOB, 'listOrders', {})).orders.some((o) => placed.includes(o.orderNo))).toBe(false);
    for (const bad of [
      { status: 'PAID' },
      { pageSize: 500 },
      { cursor: 'not-a-cursor' },
      { pageSize: 1.5 },
    ]) {
      expect(await kit.call(carol, 'listOrders', bad)).toEqual(
        expect.objectContaining({ ok: false, code: 'INVALID_PARAM' }),
      );
    }
  });
});

describe('a merchant admin reads every order', () => {
  test("lists every user's orders newest first with scope all; anyone else is refused", async () => {
    await buy(ALICE);
    await kit.moveClock('advance', { ms: 1000 });
    await buyAndPay(BOB);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await kit.ok(ADMIN, 'listOrders', {
        scope: 'all',
        pageSize: 4,
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...page.orders.map((o) => o.orderNo));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    // Dates come back as extended JSON, as the database export gives them.
    const stored = await query<{ _id: string; createdAt: { $date: string } }>(sandbox.url, 'paykit_orders');
    const at = (o: (typeof stored)[number]) => Date.parse(o.createdAt.$date);
    const newestFirst = [...stored]
      .sort((a, b) => at(b) - at(a) || (b._id < a._id ? -1 : 1))
      .map((o) => o._id);
    expect(seen).toEqual(newestFirst);
    expect(new Set(seen).size).toBe(seen.length);

    const paid = await kit.ok(ADMIN, 'listOrders', { scope: 'all', status: 'SUCCESS', pageSize: 50 });
    expect(paid.orders.length).toBeGreaterThan(0);
    expect(paid.orders.every((o) => o.status === 'SUCCESS')).toBe(true);
    // The admin's own list is still theirs only.
    expect((await kit.ok(ADMIN, 'listOrders', {})).orders).toEqual([]);
    for (const who of [ALICE, BOB]) {
      expect(await kit.call(who, 'listOrders', { scope: 'all' })).toEqual(
        expect.objectContaining({ ok: false, code: 'FORBIDDEN' }),
      );
    }
    expect(await kit.call(ADMIN, 'listOrders', { scope: 'everyone' })).toEqual(
      expect.objectContaining({ ok: false, code: 'INVALID_PARAM' }),
    );
  });

  test("reads anyone's order with what is left to refund; a user reads only their own, without it", async () => {
    const unpaid = await buy(ALICE);
    const paid = await buyAndPay(BOB);
    const admin = await kit.ok(ADMIN, 'queryOrder', { orderNo: paid.orderNo });
    expect(admin).toMatchObject({ own: false, refundable: paid.totalFee, order: { status: 'SUCCESS' } });
    await kit.ok(ADMIN, 'refund', { orderNo: paid.orderNo, refundFee: 100 });
    expect((await kit.ok(ADMIN, 'queryOrder', { orderNo: paid.orderNo })).refundable).toBe(
      paid.totalFee - 100,
    );
    expect(await kit.ok(ADMIN, 'queryOrder', { orderNo: unpaid.orderNo })).toMatchObject({
      own: false,
      refundable: 0,
    });

    const mine = await kit.ok(BOB, 'queryOrder', { orderNo: paid.orderNo });
    expect(mine.own).toBe(true);
    expect(mine).not.toHaveProperty('refundable');
    expect(await kit.call(BOB, 'queryOrder', { orderNo: unpaid.orderNo })).toEqual(
      expect.objectContaining({ ok: false, code: 'ORDER_NOT_FOUND' }),
    );
    // Reading is all: the owner's actions stay the owner's.
    expect(await kit.call(ADMIN, 'closeOrder', { orderNo: unpaid.orderNo })).toEqual(
      expect.objectContaining({ ok: false, code: 'ORDER_NOT_FOUND' }),
    );
    expect(await kit.call(ADMIN, 'unifiedOrder', { orderNo: unpaid.orderNo })).toEqual(
      expect.objectContaining({ ok: false, code: 'ORDER_NOT_FOUND' }),
    );
  });
});

describe('refunds', () => {
  test('only admins refund; partial then the rest; never more than paid; idempotent by refundNo', async () => {
    const placed = await buyAndPay();
    expect(await kit.call(ALICE, 'refund', { orderNo: placed.orderNo, refundFee: 100 })).toEqual(
      expect.objectContaining({ ok: false, code: 'FORBIDDEN' }),
    );
    const first = await kit.ok(ADMIN, 'refund', {
      orderNo: placed.orderNo,
      refundFee: 800,
      refundNo: 'refund-test-1',
    });
    expect(first.refundNo).toBe('refund-test-1');
    await kit.settle();
    const refunded = await kit.orderReaches(placed.orderNo, 'REFUND');
    expect((refunded.refunds as Array<{ status: string }>)[0].status).toBe('SUCCESS');
    const again = await kit.ok(ADMIN, 'refund', {
      orderNo: placed.orderNo,
      refundFee: 800,
      refundNo: 'refund-test-1',
    });
    expect(again.order.refunds).toHaveLength(1);
    expect(await kit.call(ADMIN, 'refund', { orderNo: placed.orderNo, refundFee: 2001 })).toEqual(
      expect.objectContaining({ ok: false, code: 'INVALID_PARAM' }),
    );
    await kit.moveClock('advance', { ms: 61_000 });
    const rest = await kit.ok(ADMIN, 'refund', { orderNo: placed.orderNo, refundFee: 2000 });
    await kit.settle();
    const view = await kit.ok(ALICE, 'queryOrder', { orderNo: placed.orderNo });
    expect(view.order.refundedFee).toBe(2800);
    expect(view.order.refunds.map((r) => [r.refundNo, r.status])).toEqual([
      ['refund-test-1', 'SUCCESS'],
      [rest.refundNo, 'SUCCESS'],
    ]);
    const runs = await query(sandbox.url, 'paykit_hook_runs', { orderNo: placed.orderNo });
    expect(runs.map((r) => r.hook).sort()).toEqual(['onPaid', 'onRefunded', 'onRefunded']);
  });

  test('a refund number names one amount; refunds asked together never answer for one another', async () => {
    const placed = await buyAndPay();
    await kit.ok(ADMIN, 'refund', { orderNo: placed.orderNo, refundFee: 500, refundNo: 'refund-amount-1' });
    const other = await kit.call(ADMIN, 'refund', {
      orderNo: placed.orderNo,
      refundFee: 600,
      refundNo: 'refund-amount-1',
    });
    expect(other).toEqual({
      ok: false,
      code: 'INVALID_PARAM',
      message:
        'refundNo refund-amount-1 is a refund of 500 fen; a refund of another amount needs another refundNo',
    });
    await kit.settle();
    expect((await kit.ok(ADMIN, 'queryOrder', { orderNo: placed.orderNo })).order.refunds).toEqual([
      expect.objectContaining({ refundNo: 'refund-amount-1', refundFee: 500 }),
    ]);

    // Without refund numbers the kit numbers each refund; two asked at once may be given the same
    // number, and neither may then be answered with the other's refund.
    await kit.moveClock('advance', { ms: 61_000 });
    const fees = [100, 200, 300, 400];
    const answers = await Promise.all(
      fees.map((refundFee) => kit.call(ADMIN, 'refund', { orderNo: placed.orderNo, refundFee })),
    );
    await kit.settle();
    const order = await kit.ok(ADMIN, 'queryOrder', { orderNo: placed.orderNo });
    const accepted = answers.flatMap((a, i) =>
      a.ok ? [{ refundNo: a.data.refundNo, refundFee: fees[i] }] : [],
    );
    expect(accepted.length).toBeGreaterThan(0);
    expect(new Set(accepted.map((a) => a.refundNo)).size).toBe(accepted.length);
    for (const { refundNo, refundFee } of accepted) {
      expect(order.order.refunds.find((r) => r.refundNo === refundNo)).toEqual(
        expect.objectContaining({ refundFee }),
      );
    }
    for (const a of answers) {
      if (!a.ok) expect(['ORDER_STATE_CONFLICT', 'PAY_PROVIDER_ERROR']).toContain(a.code);
    }
  });

  test('a refund WeChat refuses for good is REFUND_REFUSED in its words, holds nothing, and is made under its number once put right', async () => {
    const { orderNo, totalFee } = await buyAndPay();
    const ask = { orderNo, refundFee: 500, refundNo: `${orderNo}-refused` };
    const refuse = (error: string) =>
      post(`${sandbox.url}/sandbox/pay/faults`, { ...providerFault('refund', error), count: 1 });
    const stored = async () =>
      (await kit.order<{ refunds: Array<{ outRefundNo: string; status: string; failure?: string }> }>(
        orderNo,
      ))!.refunds;
    const refundable = async () => (await kit.ok(ADMIN, 'queryOrder', { orderNo })).refundable;

    // A system error stays the retryable PAY_PROVIDER_ERROR: WeChat may have made the refund, so its
    // amount stays reserved.
    await refuse('SYSTEMERROR');
    expect(await kit.call(ADMIN, 'refund', ask)).toEqual(
      expect.objectContaining({ ok: false, code: 'PAY_PROVIDER_ERROR' }),
    );
    expect(await stored()).toEqual([expect.objectContaining({ status: 'PROCESSING' })]);
    expect(await refundable()).toBe(totalFee - 500);

    // The merchant's balance is short: WeChat refused it, nothing is reserved any more.
    await refuse('NOTENOUGH');
    const short = await kit.call(ADMIN, 'refund', ask);
    expect(short).toEqual(
      expect.objectContaining({
        ok: false,
        code: 'REFUND_REFUSED',
        refusal: { reason: expect.stringContaining('余额不足'), notEnough: true },
      }),
    );
    expect(await stored()).toEqual([
      expect.objectContaining({
        outRefundNo: ask.refundNo,
        status: 'FAILED',
        failure: expect.stringContaining('余额不足'),
      }),
    ]);
    expect(await refundable()).toBe(totalFee);

    // Another refusal of WeChat's refund table, in WeChat's own words.
    await refuse('USER_ACCOUNT_ABNORMAL');
    expect(await kit.call(ADMIN, 'refund', ask)).toEqual(
      expect.objectContaining({
        ok: false,
        code: 'REFUND_REFUSED',
        refusal: { reason: '退款请求失败', notEnough: false },
      }),
    );
    expect(await refundable()).toBe(totalFee);

    // Put right: the same refund number makes the refund, once.
    await kit.ok(ADMIN, 'refund', ask);
    await kit.settle();
    expect(await stored()).toEqual([
      expect.objectContaining({ outRefundNo: ask.refundNo, status: 'SUCCESS' }),
    ]);
    expect(await refundable()).toBe(totalFee - 500);
  });

  test("a refund the merchant's configuration stands in the way of is NOT_CONFIGURED, says what to put right, and holds nothing", async () => {
    const { orderNo, totalFee } = await buyAndPay();
    const ask = { orderNo, refundFee: 300, refundNo: `${orderNo}-noauth` };
    // cloudPay: the sub-merchant never granted the cloud service provider API refunds; APIv3: 403 NO_AUTH.
    const withoutPermission = (granted: boolean) =>
      PROVIDER === 'cloudpay'
        ? post(`${sandbox.url}/sandbox/pay/config`, { refundAuthorized: granted })
        : granted ||
          post(`${sandbox.url}/sandbox/pay/faults`, { ...providerFault('refund', 'NO_AUTH'), count: 1 });

    await withoutPermission(false);
    const refused = await kit.call(ADMIN, 'refund', ask);
    await withoutPermission(true);
    expect(refused).toEqual(
      expect.objectContaining({
        ok: false,
        code: 'NOT_CONFIGURED',
        message: expect.stringMatching(
          PROVIDER === 'cloudpay' ? /未授权服务商的产品权限.*我的授权产品/ : /NO_AUTH.*PAYKIT_MCHID/,
        ),
      }),
    );
    expect((await kit.order<{ refunds: Array<{ status: string }> }>(orderNo))!.refunds).toEqual([
      expect.objectContaining({ status: 'FAILED' }),
    ]);
    expect((await kit.ok(ADMIN, 'queryOrder', { orderNo })).refundable).toBe(totalFee);

    // Once granted, the same refund number makes the refund.
    await kit.ok(ADMIN, 'refund', ask);
    await kit.settle();
    expect((await kit.order<{ refunds: Array<{ status: string }> }>(orderNo))!.refunds).toEqual([
      expect.objectContaining({ status: 'SUCCESS' }),
    ]);
  });

  test('an unpaid order cannot be refunded', async () => {
    const placed = await buy();
    expect(await kit.call(ADMIN, 'refund', { orderNo: placed.orderNo, refundFee: 100 })).toEqual(
      expect.objectContaining({ ok: false, code: 'ORDER_STATE_CONFLICT' }),
    );
  });
});

describe('hooks and timers', () => {
  test('onPaid delivers the goods exactly once', async () => {
    const placed = await buyAndPay();
    const runs = await query(sandbox.url, 'paykit_hook_runs', { orderNo: placed.orderNo, hook: 'onPaid' });
    expect(runs).toHaveLength(1);
    const delivery = await query(sandbox.url, 'paykit_deliveries', { _id: placed.orderNo });
    expect(delivery).toEqual([expect.objectContaining({ openid: ALICE, status: 'DELIVERED' })]);
  });

  test('the timer recovers a payment whose callbacks were all lost, and closes expired orders', async () => {
    const lost = await buy();
    const abandoned = await buy();
    await post(`${sandbox.url}/sandbox/pay/callbacks`, { mode: 'drop', count: 20 });
    await kit.pay(ALICE, lost.payment);
    await kit.settle();
    expect((await kit.order(lost.orderNo))!.status).toBe('NOTPAY');
    // The sweep runs every 5 minutes and asks about unpaid orders 2 to 12 minutes old; it records
    // the payment, then delivers the goods.
    await kit.moveClock('advance', { ms: 5 * 60_000 });
    expect(await kit.order(lost.orderNo)).toEqual(
      expect.objectContaining({ status: 'SUCCESS', fulfilment: expect.objectContaining({ state: 'DONE' }) }),
    );
    expect(await query(sandbox.url, 'paykit_hook_runs', { orderNo: lost.orderNo })).toHaveLength(1);
    // Unpaid orders expire after 30 minutes; the next sweep closes them at WeChat and here.
    await kit.moveClock('advance', { ms: 30 * 60_000 });
    expect((await kit.order(abandoned.orderNo))!.status).toBe('CLOSED');
    await post(`${sandbox.url}/sandbox/pay/faults`, { api: 'x', error: 'SYSTEMERROR', count: 0 }).catch(
      () => undefined,
    );
  });
});

describe("a merchant WeChat Pay does not know as this mini-program's", () => {
  test('ordering is NOT_CONFIGURED, with what to put right, not a payment service that is down', async () => {
    // cloudPay: the merchant number is not bound to the cloud development service provider
    // (受理关系不存在); APIv3: the merchant number is not bound to the AppID.
    const unbound = (yes: boolean) =>
      PROVIDER === 'cloudpay'
        ? post(`${sandbox.url}/sandbox/pay/config`, { authorizedSubMchIds: yes ? ['1230000109'] : [] })
        : yes &&
          post(`${sandbox.url}/sandbox/pay/faults`, {
            api: 'v3.jsapi',
            error: 'APPID_MCHID_NOT_MATCH',
            count: 1,
          });
    await unbound(true);
    const refused = await kit.call(ALICE, 'unifiedOrder', { items: [{ sku: 'latte', quantity: 1 }] });
    await unbound(false);
    expect(refused).toEqual(
      expect.objectContaining({
        ok: false,
        code: 'NOT_CONFIGURED',
        message: expect.stringMatching(
          PROVIDER === 'cloudpay'
            ? /受理关系不存在.*1800008281.*PAYKIT_PROVIDER=apiv3/
            : /APPID_MCHID_NOT_MATCH/,
        ),
      }),
    );
  });
});

describe("cloudPay's UNCONFIRMED points read strictly (reference §2, §3.1)", () => {
  test("with permissions required and no payer taken from the caller, the kit's functions still order, pay, refund and close: each config.json lists what it calls, and the order names its payer", async () => {
    // Whatever callback faults the tests before left armed are not this test's business.
    await del(`${sandbox.url}/sandbox/pay/faults`);
    await post(`${sandbox.url}/sandbox/pay/config`, {
      cloudPayNeedsPermission: true,
      payerFromCaller: false,
    });
    try {
      const placed = await buyAndPay();
      expect((await kit.order(placed.orderNo))!.status).toBe('SUCCESS');
      await kit.ok(ADMIN, 'refund', { orderNo: placed.orderNo, refundFee: 100 });
      await kit.settle();
      const refunded = await kit.ok(ALICE, 'queryOrder', { orderNo: placed.orderNo });
      expect(refunded.order.refunds).toEqual([expect.objectContaining({ status: 'SUCCESS' })]);

      const unpaid = await buy();
      await kit.moveClock('advance', { ms: 6 * 60_000 });
      expect((await kit.ok(ALICE, 'closeOrder', { orderNo: unpaid.orderNo })).order.status).toBe('CLOSED');
    } finally {
      await post(`${sandbox.url}/sandbox/pay/config`, {
        cloudPayNeedsPermission: false,
        payerFromCaller: true,
      });
    }
  });
});
