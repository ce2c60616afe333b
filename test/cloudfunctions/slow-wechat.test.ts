/** @jest-environment node */
/**
 * WeChat Pay answering slowly but correctly (the sandbox's SLOW fault), on either provider. The
 * kit's functions have 10 s (config.json), enforced by the sandbox as by SCF; paying again, closing
 * and refunding ask WeChat two or three times in a row. However slow WeChat is, each function
 * answers the kit's retryable PAY_PROVIDER_ERROR within its time, never the platform's timeout, and
 * leaves the order so that the next call, once WeChat is quick again, finds the truth. A slow answer
 * that fits in the time is simply used. Delays are real time, a few seconds each: few cases.
 */
import { del, get, post, query } from '../helpers/control';
import { providerFault, startKitSandbox, type KitClient } from '../helpers/kit';
import type { SandboxProcess } from '../helpers/sandbox';

const ADMIN = 'o-admin-slow';
const BUYER = 'o-buyer-slow';
/** Two slow answers and the call's own work: longer than the function's 10 s, shorter than a test. */
const SLOW_TEST_MS = 40_000;
let sandbox: SandboxProcess;
let kit: KitClient;

beforeAll(async () => {
  ({ sandbox, kit } = await startKitSandbox(ADMIN));
});

afterAll(async () => {
  await sandbox?.stop();
});

// A fault whose call never came must not strike the next test.
afterEach(() => del(`${sandbox.url}/sandbox/pay/faults`));

/** The next call of `api` (cloudPay's name) is carried out and answered `delayMs` of real time late. */
const slow = (api: string, delayMs: number) =>
  post(`${sandbox.url}/sandbox/pay/faults`, { ...providerFault(api, 'SLOW'), delayMs, count: 1 });
const fault = (api: string, error: string) =>
  post(`${sandbox.url}/sandbox/pay/faults`, { ...providerFault(api, error), count: 1 });
const armedFaults = async () =>
  (await get<{ api: Array<{ api: string; remaining: number }> }>(`${sandbox.url}/sandbox/pay/faults`)).api;

/** WeChat did not answer in time: a retryable code, never the platform's timeout (which post() throws). */
const RETRYABLE = expect.objectContaining({ ok: false, code: 'PAY_PROVIDER_ERROR' });

interface Stored {
  status: string;
  attempts: Array<{ outTradeNo: string }>;
  refunds: Array<{ outRefundNo: string; status: string; hook?: { state: string } }>;
}
const stored = async (orderNo: string) => (await kit.order<Stored>(orderNo))!;

interface Trade {
  state: string;
  refunds: Array<{ outRefundNo: string; refundFee: number; status: string }>;
}
const tradesOf = async (orderNo: string): Promise<Trade[]> => {
  const all: Trade[] = [];
  for (const { outTradeNo } of (await stored(orderNo)).attempts) {
    const { trades } = await get<{ trades: Trade[] }>(
      `${sandbox.url}/sandbox/pay/trades?outTradeNo=${encodeURIComponent(outTradeNo)}`,
    );
    all.push(...trades);
  }
  return all;
};

/**
 * An unpaid order past WeChat's 5 minutes whose close failed (WeChat did not carry it out): its
 * payment is no longer handed out, so paying it again asks WeChat about the old trade, closes it
 * and creates a new one, three calls in a row.
 */
async function orderToPayAgain(): Promise<string> {
  const placed = await kit.ok(BUYER, 'unifiedOrder', { items: [{ sku: 'latte', quantity: 1 }] });
  await kit.moveClock('advance', { ms: 6 * 60_000 });
  await fault('closeOrder', 'SYSTEMERROR');
  expect(await kit.call(BUYER, 'closeOrder', { orderNo: placed.orderNo })).toEqual(RETRYABLE);
  return placed.orderNo;
}

async function paidOrder(): Promise<string> {
  const placed = await kit.ok(BUYER, 'unifiedOrder', { items: [{ sku: 'latte', quantity: 1 }] });
  await kit.payAndConfirm(BUYER, placed);
  await kit.moveClock('advance', { ms: 0 });
  return placed.orderNo;
}

describe('WeChat answers slowly', () => {
  test(
    'paying again: slow answers that fit in the time are used, and the new payment pays',
    async () => {
      const orderNo = await orderToPayAgain();
      for (const api of ['queryOrder', 'closeOrder', 'unifiedOrder']) await slow(api, 2000);
      const again = await kit.ok(BUYER, 'unifiedOrder', { orderNo });
      expect(await armedFaults()).toEqual([]);
      await kit.payAndConfirm(BUYER, again);
      expect((await tradesOf(orderNo)).map((t) => t.state)).toEqual(['CLOSED', 'SUCCESS']);
    },
    SLOW_TEST_MS,
  );

  test(
    'paying again: a close answered too late for the function is a retryable error; paying again then works',
    async () => {
      const orderNo = await orderToPayAgain();
      // 5 s for the query, 5 more for the close: waiting for both overruns the function's 10 s.
      await slow('queryOrder', 5000);
      await slow('closeOrder', 5000);
      expect(await kit.call(BUYER, 'unifiedOrder', { orderNo })).toEqual(RETRYABLE);
      // WeChat closed the trade all the same; the next payment finds that out and starts a new one.
      const again = await kit.ok(BUYER, 'unifiedOrder', { orderNo });
      await kit.payAndConfirm(BUYER, again);
      expect((await tradesOf(orderNo)).map((t) => t.state)).toEqual(['CLOSED', 'SUCCESS']);
    },
    SLOW_TEST_MS,
  );

  test(
    'closeOrder: with too little time left after a slow query, the close is not asked; the retry closes',
    async () => {
      const placed = await kit.ok(BUYER, 'unifiedOrder', { items: [{ sku: 'latte', quantity: 1 }] });
      await kit.moveClock('advance', { ms: 6 * 60_000 });
      await slow('queryOrder', 7500);
      await slow('closeOrder', 6000);
      expect(await kit.call(BUYER, 'closeOrder', { orderNo: placed.orderNo })).toEqual(RETRYABLE);
      // The close was never sent: its fault is still armed, the trade still open at WeChat.
      expect((await armedFaults()).map((f) => [f.api, f.remaining])).toEqual([
        [providerFault('closeOrder', 'SLOW').api, 1],
      ]);
      expect((await tradesOf(placed.orderNo)).map((t) => t.state)).toEqual(['NOTPAY']);
      await del(`${sandbox.url}/sandbox/pay/faults`);
      expect((await kit.ok(BUYER, 'closeOrder', { orderNo: placed.orderNo })).order.status).toBe('CLOSED');
      expect((await tradesOf(placed.orderNo)).map((t) => t.state)).toEqual(['CLOSED']);
    },
    SLOW_TEST_MS,
  );

  test(
    'a payment confirmed in the last seconds of the function is recorded and answered; onPaid runs later, whole',
    async () => {
      // The clock stands still until the check: WeChat's retry of the lost notification (15 s on)
      // and the sweep would otherwise run the hook first on a slow machine.
      await kit.clock('freeze');
      const placed = await kit.ok(BUYER, 'unifiedOrder', { items: [{ sku: 'latte', quantity: 1 }] });
      // The kit learns of the payment only by asking: its notification is lost.
      await post(`${sandbox.url}/sandbox/pay/callbacks`, { mode: 'drop', count: 1 });
      expect((await kit.pay(BUYER, placed.payment)).errMsg).toBe('requestPayment:ok');
      // Answered with less than 3 s of the function's 10 left: too little to start a merchant hook.
      await slow('queryOrder', 7500);
      expect((await kit.ok(BUYER, 'queryOrder', { orderNo: placed.orderNo })).order.status).toBe('SUCCESS');
      const onPaidRuns = () =>
        query(sandbox.url, 'paykit_hook_runs', { orderNo: placed.orderNo, hook: 'onPaid' });
      expect(await onPaidRuns()).toEqual([]);
      expect((await kit.order<{ fulfilment: { state: string } }>(placed.orderNo))?.fulfilment.state).toBe(
        'PENDING',
      );
      // Unclaimed, the next delivery or the sweep runs it at once: no lease to wait out.
      await kit.clock('resume');
      await kit.moveClock('advance', { ms: 5 * 60_000 });
      expect((await kit.order<{ fulfilment: { state: string } }>(placed.orderNo))?.fulfilment.state).toBe(
        'DONE',
      );
      expect(await onPaidRuns()).toHaveLength(1);
    },
    SLOW_TEST_MS,
  );

  test(
    'refund asked again after a refusal: a refund answered too late is a retryable error; the retry ends it once',
    async () => {
      const orderNo = await paidOrder();
      const request = { orderNo, refundFee: 900, refundNo: `${orderNo}S1` };
      await fault('refund', 'NOTENOUGH');
      expect(await kit.call(ADMIN, 'refund', request)).toEqual(RETRYABLE);
      // Asked again, the kit first asks WeChat whether the refund was made after all, then refunds.
      await slow('queryRefund', 5000);
      await slow('refund', 5000);
      expect(await kit.call(ADMIN, 'refund', request)).toEqual(RETRYABLE);
      await kit.ok(ADMIN, 'refund', request);
      await kit.settle();
      for (let i = 0; i < 3 && (await stored(orderNo)).refunds[0]?.hook?.state !== 'DONE'; i++)
        await kit.moveClock('advance', { ms: 6 * 60_000 });
      const [trade] = await tradesOf(orderNo);
      expect(trade.refunds.map((r) => [r.outRefundNo, r.refundFee, r.status])).toEqual([
        [request.refundNo, 900, 'SUCCESS'],
      ]);
      expect((await stored(orderNo)).refunds.map((r) => [r.status, r.hook?.state])).toEqual([
        ['SUCCESS', 'DONE'],
      ]);
      expect(await query(sandbox.url, 'paykit_hook_runs', { orderNo, hook: 'onRefunded' })).toHaveLength(1);
    },
    SLOW_TEST_MS,
  );
});
