/** @jest-environment node */
/**
 * Every crash point, one at a time: an instance of a kit function is SIGKILLed at its Nth cloud API
 * call (before the sandbox carries it out, or after it did and before the function heard the
 * answer), for every N the function reaches; then the caller retries, WeChat delivers again and
 * the sweep runs, and the order must end where it should with nothing done twice: money (WeChat's
 * refunds), shipping uploads (WeChat's count), merchant hook runs.
 */
import { get, post, query, seed } from '../helpers/control';
import { PROVIDER, providerFault, startKitSandbox, type KitClient } from '../helpers/kit';
import type { SandboxProcess } from '../helpers/sandbox';
import { ShippingKit, zto } from '../helpers/shipping-kit';
import { seededRandom } from '../../sandbox/runtime/chaos';

let sandbox: SandboxProcess;
let kit: KitClient;
const ADMIN = 'o-admin-points';
const BUYER = 'o-buyer-points';

beforeAll(async () => {
  ({ sandbox, kit } = await startKitSandbox(ADMIN));
});

afterAll(async () => {
  await sandbox?.stop();
});

type Phase = 'before' | 'after';

/**
 * The kill points that leave different states. On cloudPay everything the kit does outside its own
 * process is a cloud API call, so dying before call N+1 leaves what dying after call N left (calls
 * 1..N carried out; what the function computed in between is lost either way), and dying before
 * call 1 leaves nothing: "after" covers every state. On APIv3 the kit also calls WeChat Pay over
 * HTTPS between cloud API calls, so both phases count (the apiv3 project does not run this suite;
 * `PAYKIT_TEST_PROVIDER=apiv3` does).
 */
const PHASES: Phase[] = PROVIDER === 'cloudpay' ? ['after'] : ['before', 'after'];
interface ChaosAnswer {
  stats: { doomed: number; killedMidInvocation: number; spared: number };
}

/**
 * A seed whose first draws doom the next invocation to die at exactly `call`, `phase`
 * (runtime/chaos.ts draws: whether, then which call of `withinCalls`, then the phase).
 */
function seedFor(call: number, phase: Phase): number {
  for (let seed = 1; ; seed++) {
    const draw = seededRandom(seed);
    draw();
    const at = 1 + Math.floor(draw() * call);
    const when = draw() < 0.5 ? 'before' : 'after';
    if (at === call && when === phase) return seed;
  }
}

/** The next invocation of `name` dies at its `call`th API call. */
const doom = (name: string, call: number, phase: Phase) =>
  post<ChaosAnswer>(`${sandbox.url}/sandbox/functions/chaos`, {
    killRate: 1,
    names: [name],
    withinCalls: call,
    seed: seedFor(call, phase),
  });
/** Chaos off; true if the doomed invocation was killed (false: it made fewer calls and finished). */
async function calm(before: ChaosAnswer): Promise<boolean> {
  const after = await post<ChaosAnswer>(`${sandbox.url}/sandbox/functions/chaos`, { killRate: 0 });
  return after.stats.killedMidInvocation > before.stats.killedMidInvocation;
}

/** Time passes; the timer runs it fires and the callbacks they cause are over. */
const sweepAfter = (ms: number) => kit.moveClock('advance', { ms });

const tradeOf = async (outTradeNo: string) =>
  (
    await get<{
      trades: Array<{
        state: string;
        refundedFee: number;
        refunds: Array<{ outRefundNo: string; refundFee: number; status: string }>;
      }>;
    }>(`${sandbox.url}/sandbox/pay/trades?outTradeNo=${encodeURIComponent(outTradeNo)}`)
  ).trades[0];

const hookRuns = (orderNo: string, hook: string) =>
  query(sandbox.url, 'paykit_hook_runs', { orderNo, hook }).then((r) => r.length);

interface Stored {
  status: string;
  outTradeNo: string;
  fulfilment?: { state: string };
  refunds: Array<{ outRefundNo: string; status: string; refundFee: number; hook?: { state: string } }>;
  shipping?: { state: string; count: number };
}
const stored = async (orderNo: string) => (await kit.order<Stored>(orderNo))!;

const MAX_CALLS = 24;
const SWEEP_MAX_CALLS = 80;

/** The loop stopped at the first invocation that made fewer calls than drawn: it crossed real crash points. */
function expectCrashPoints(spared: number): void {
  expect(spared).toBeGreaterThan(2);
}

async function paidOrder(buyer = BUYER) {
  const placed = await kit.ok(buyer, 'unifiedOrder', { items: [{ sku: 'latte', quantity: 1 }] });
  await kit.payAndConfirm(buyer, placed);
  await sweepAfter(0);
  return placed.orderNo;
}

describe.each(PHASES)('killed %s its Nth API call', (phase) => {
  test('refund: a retry with its number and the sweep end with one refund of the amount', async () => {
    for (let call = 1; call <= MAX_CALLS; call++) {
      const orderNo = await paidOrder();
      const refundNo = `${orderNo}X${call}`;
      const request = { orderNo, refundFee: 900, refundNo };
      const before = await doom('refund', call, phase);
      const first = await kit.call(ADMIN, 'refund', request).catch((e: Error) => e);
      const killed = await calm(before);
      if (killed) await kit.call(ADMIN, 'refund', request).catch(() => undefined);
      await kit.settle();
      for (let i = 0; i < 3 && (await stored(orderNo)).refunds[0]?.hook?.state !== 'DONE'; i++)
        await sweepAfter(6 * 60_000);
      const order = await stored(orderNo);
      const trade = await tradeOf(order.outTradeNo);
      const where = `call ${call} ${phase} (first answer ${JSON.stringify(first)})`;
      expect({ where, refunds: trade.refunds.map((r) => [r.outRefundNo, r.refundFee, r.status]) }).toEqual({
        where,
        refunds: [[refundNo, 900, 'SUCCESS']],
      });
      expect({ where, local: order.refunds.map((r) => [r.outRefundNo, r.status, r.hook?.state]) }).toEqual({
        where,
        local: [[refundNo, 'SUCCESS', 'DONE']],
      });
      expect({ where, runs: await hookRuns(orderNo, 'onRefunded') }).toEqual({ where, runs: 1 });
      if (!killed) return expectCrashPoints(call);
    }
    throw new Error(`still killed at call ${MAX_CALLS}: raise MAX_CALLS`);
  }, 240_000);

  test('closeOrder: a retry ends closed here and at WeChat', async () => {
    for (let call = 1; call <= MAX_CALLS; call++) {
      const placed = await kit.ok(BUYER, 'unifiedOrder', { items: [{ sku: 'latte', quantity: 1 }] });
      await kit.clock('advance', { ms: 6 * 60_000 });
      const before = await doom('closeOrder', call, phase);
      await kit.call(BUYER, 'closeOrder', { orderNo: placed.orderNo }).catch(() => undefined);
      const killed = await calm(before);
      const retry = await kit.call(BUYER, 'closeOrder', { orderNo: placed.orderNo });
      const where = `call ${call} ${phase}`;
      expect({ where, ok: retry.ok }).toEqual({ where, ok: true });
      const order = await stored(placed.orderNo);
      expect({ where, here: order.status, there: (await tradeOf(order.outTradeNo)).state }).toEqual({
        where,
        here: 'CLOSED',
        there: 'CLOSED',
      });
      if (!killed) return expectCrashPoints(call);
    }
    throw new Error(`still killed at call ${MAX_CALLS}: raise MAX_CALLS`);
  }, 240_000);

  test('payment notification: later deliveries and the sweep record it once, onPaid done', async () => {
    const fn = PROVIDER === 'cloudpay' ? 'payCallback' : 'payNotify';
    for (let call = 1; call <= MAX_CALLS; call++) {
      const placed = await kit.ok(BUYER, 'unifiedOrder', { items: [{ sku: 'latte', quantity: 1 }] });
      const before = await doom(fn, call, phase);
      expect((await kit.pay(BUYER, placed.payment)).errMsg).toBe('requestPayment:ok');
      await kit.settle();
      const killed = await calm(before);
      for (let i = 0; i < 4 && (await stored(placed.orderNo)).fulfilment?.state !== 'DONE'; i++)
        await sweepAfter(2 * 60_000);
      const where = `call ${call} ${phase}`;
      const order = await stored(placed.orderNo);
      expect({ where, status: order.status, hook: order.fulfilment?.state }).toEqual({
        where,
        status: 'SUCCESS',
        hook: 'DONE',
      });
      const runs = await hookRuns(placed.orderNo, 'onPaid');
      expect({ where, runs: runs >= 1 && runs <= 2 }).toEqual({ where, runs: true });
      if (!killed) return expectCrashPoints(call);
    }
    throw new Error(`still killed at call ${MAX_CALLS}: raise MAX_CALLS`);
  }, 240_000);

  test('shipOrder: a retry of the same shipment records it once, at WeChat too', async () => {
    const shipping = new ShippingKit(kit, BUYER);
    for (let call = 1; call <= MAX_CALLS; call++) {
      const order = await shipping.paidAndKnown('latte');
      const request = { orderNo: order.orderNo, packages: [zto(`ZT${call}${phase}`, '拿铁')] };
      const before = await doom('shipOrder', call, phase);
      await kit.call(ADMIN, 'shipOrder', request).catch(() => undefined);
      const killed = await calm(before);
      // The admin tries again a minute later, once a dead instance's claim on the upload lapsed.
      if (killed) await kit.clock('advance', { ms: 61_000 });
      const retry = await kit.call(ADMIN, 'shipOrder', request);
      const where = `call ${call} ${phase}`;
      expect({ where, ok: retry.ok }).toEqual({ where, ok: true });
      const here = (await stored(order.orderNo)).shipping;
      const there = await shipping.atWeChat(order.transactionId);
      expect({
        where,
        here: [here?.state, here?.count],
        there: there?.shipping?.finish_shipping_count,
      }).toEqual({ where, here: ['SHIPPED', 1], there: 1 });
      if (!killed) return expectCrashPoints(call);
    }
    throw new Error(`still killed at call ${MAX_CALLS}: raise MAX_CALLS`);
  }, 240_000);
});

describe.each(PHASES)('killed %s its Nth API call, continued', (phase) => {
  test('refund notification: later deliveries and the sweep settle it once, onRefunded done', async () => {
    const fn = PROVIDER === 'cloudpay' ? 'refundCallback' : 'refundNotify';
    for (let call = 1; call <= MAX_CALLS; call++) {
      const orderNo = await paidOrder();
      const before = await doom(fn, call, phase);
      const { refundNo } = await kit.ok(ADMIN, 'refund', { orderNo, refundFee: 700 });
      await kit.settle();
      const killed = await calm(before);
      for (let i = 0; i < 3 && (await stored(orderNo)).refunds[0]?.hook?.state !== 'DONE'; i++)
        await sweepAfter(6 * 60_000);
      const where = `call ${call} ${phase}`;
      const order = await stored(orderNo);
      expect({ where, local: order.refunds.map((r) => [r.outRefundNo, r.status, r.hook?.state]) }).toEqual({
        where,
        local: [[refundNo, 'SUCCESS', 'DONE']],
      });
      expect({ where, there: (await tradeOf(order.outTradeNo)).refundedFee }).toEqual({ where, there: 700 });
      const runs = await hookRuns(orderNo, 'onRefunded');
      expect({ where, runs: runs >= 1 && runs <= 2 }).toEqual({ where, runs: true });
      if (!killed) return expectCrashPoints(call);
    }
    throw new Error(`still killed at call ${MAX_CALLS}: raise MAX_CALLS`);
  }, 240_000);

  test('unifiedOrder with a request key: the retry pays the same order, through one trade', async () => {
    for (let call = 1; call <= MAX_CALLS; call++) {
      const buyer = `o-key-${phase}-${call}`;
      const request = { items: [{ sku: 'latte', quantity: 1 }], requestKey: `tap-${phase}-${call}` };
      const before = await doom('unifiedOrder', call, phase);
      await kit.call(buyer, 'unifiedOrder', request).catch(() => undefined);
      const killed = await calm(before);
      let retry = await kit.call(buyer, 'unifiedOrder', request);
      if (!retry.ok && retry.code === 'ORDER_STATE_CONFLICT') {
        // The key was claimed by the dead call before its order was written: it is taken over later.
        await kit.clock('advance', { ms: 31_000 });
        retry = await kit.call(buyer, 'unifiedOrder', request);
      }
      const where = `call ${call} ${phase}`;
      expect({ where, ok: retry.ok }).toEqual({ where, ok: true });
      if (!retry.ok) return;
      await kit.payAndConfirm(buyer, retry.data);
      const orders = await query<{ _id: string }>(sandbox.url, 'paykit_orders', { openid: buyer });
      const { trades } = await get<{ trades: Array<{ outTradeNo: string; state: string }> }>(
        `${sandbox.url}/sandbox/pay/trades`,
      );
      const mine = trades.filter((t) => orders.some((o) => t.outTradeNo.startsWith(o._id)));
      expect({ where, orders: orders.length, trades: mine.map((t) => t.state) }).toEqual({
        where,
        orders: 1,
        trades: ['SUCCESS'],
      });
      if (!killed) return expectCrashPoints(call);
    }
    throw new Error(`still killed at call ${MAX_CALLS}: raise MAX_CALLS`);
  }, 240_000);

  test('virtual goods: the notification killed anywhere, the goods are recorded shipped once', async () => {
    const fn = PROVIDER === 'cloudpay' ? 'payCallback' : 'payNotify';
    const shipping = new ShippingKit(kit, BUYER);
    const { unknownWindowMs } = (await shipping.shippingConfig({})) as { unknownWindowMs: number };
    await shipping.shippingConfig({ unknownWindowMs: 0 });
    try {
      for (let call = 1; call <= MAX_CALLS; call++) {
        const placed = await kit.ok(BUYER, 'unifiedOrder', {
          items: [{ sku: 'voucher-coffee', quantity: 1 }],
        });
        const before = await doom(fn, call, phase);
        expect((await kit.pay(BUYER, placed.payment)).errMsg).toBe('requestPayment:ok');
        await kit.settle();
        const killed = await calm(before);
        for (let i = 0; i < 3 && (await stored(placed.orderNo)).shipping?.state !== 'SHIPPED'; i++)
          await shipping.sweepAfter(5 * 60_000);
        const where = `call ${call} ${phase}`;
        const order = await shipping.stored(placed.orderNo);
        const there = await shipping.atWeChat(order.transactionId);
        expect({
          where,
          here: [order.shipping?.state, order.shipping?.count],
          there: there?.shipping?.finish_shipping_count,
        }).toEqual({ where, here: ['SHIPPED', 1], there: 1 });
        if (!killed) return expectCrashPoints(call);
      }
      throw new Error(`still killed at call ${MAX_CALLS}: raise MAX_CALLS`);
    } finally {
      await shipping.shippingConfig({ unknownWindowMs });
    }
  }, 240_000);

  test('the sweep killed anywhere: the next runs close, resume the refund and finish the hook, once each', async () => {
    for (let call = 1; call <= SWEEP_MAX_CALLS; call++) {
      const buyer = `o-sweep-${phase}-${call}`;
      const expired = await kit.ok(buyer, 'unifiedOrder', { items: [{ sku: 'latte', quantity: 1 }] });
      const refunded = await paidOrder(buyer);
      await post(`${sandbox.url}/sandbox/pay/faults`, { ...providerFault('refund', 'TIMEOUT'), count: 1 });
      const refund = await kit.call(ADMIN, 'refund', { orderNo: refunded, refundFee: 600 });
      expect(refund).toEqual(expect.objectContaining({ ok: false, code: 'PAY_PROVIDER_ERROR' }));
      const hooked = await paidOrder(buyer);
      // onPaid waits to run again (a runner released it after a failure).
      const doc = (await kit.order<Record<string, unknown>>(hooked))!;
      await seed(sandbox.url, { paykit_orders: [{ ...doc, fulfilment: { state: 'PENDING', runs: 1 } }] });

      const before = await doom('closeExpiredOrders', call, phase);
      await sweepAfter(31 * 60_000);
      const killed = await calm(before);
      const done = async () =>
        (await stored(expired.orderNo)).status === 'CLOSED' &&
        (await stored(refunded)).refunds[0].hook?.state === 'DONE' &&
        (await stored(hooked)).fulfilment?.state === 'DONE';
      for (let i = 0; i < 3 && !(await done()); i++) await sweepAfter(6 * 60_000);

      const where = `call ${call} ${phase}`;
      const closed = await stored(expired.orderNo);
      expect({ where, here: closed.status, there: (await tradeOf(closed.outTradeNo)).state }).toEqual({
        where,
        here: 'CLOSED',
        there: 'CLOSED',
      });
      const paidBack = await stored(refunded);
      const trade = await tradeOf(paidBack.outTradeNo);
      // Once, or twice when the sweep died inside the hook (its run recorded, not finished): at least
      // once, as merchant hooks are; which call that is depends on the orders the sweep pages through.
      const refundedRuns = await hookRuns(refunded, 'onRefunded');
      expect({
        where,
        here: paidBack.refunds.map((r) => [r.status, r.hook?.state]),
        there: trade.refunds.map((r) => [r.refundFee, r.status]),
        runs: refundedRuns >= 1 && refundedRuns <= 2,
      }).toEqual({ where, here: [['SUCCESS', 'DONE']], there: [[600, 'SUCCESS']], runs: true });
      const runs = await hookRuns(hooked, 'onPaid');
      expect({ where, hook: (await stored(hooked)).fulfilment?.state, runs: runs >= 2 && runs <= 3 }).toEqual(
        {
          where,
          hook: 'DONE',
          runs: true,
        },
      );
      if (!killed) return expectCrashPoints(call);
    }
    throw new Error(`still killed at call ${SWEEP_MAX_CALLS}: raise SWEEP_MAX_CALLS`);
  }, 600_000);
});
