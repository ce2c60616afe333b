/** @jest-environment node */
/**
 * Every crash point, one at a time: an instance of a kit function is SIGKILLed at its Nth cloud API
 * call (before the sandbox carries it out, or after it did and before the function heard the
 * answer), for every N the function reaches; then the caller retries, WeChat delivers again and
 * the sweep runs, and the order must end where it should with nothing done twice: money (WeChat's
 * refunds), shipping uploads (WeChat's count), merchant hook runs.
 */
import { get, post, query } from '../helpers/control';
import { PROVIDER, startKitSandbox, type KitClient } from '../helpers/kit';
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

const sweepAfter = async (ms: number) => {
  await kit.clock('advance', { ms });
  await post(`${sandbox.url}/sandbox/triggers/settle`, {});
  await kit.settle();
};

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

const MAX_CALLS = 14;

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

describe.each(['before', 'after'] as Phase[])('killed %s its Nth API call', (phase) => {
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
