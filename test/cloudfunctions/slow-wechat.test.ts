/** @jest-environment node */
/**
 * WeChat Pay answering slowly but correctly (the sandbox's SLOW fault), on either provider, for a
 * merchant who set the config.json `timeout` of the functions called here to 6 s (the kit ships
 * 10 s: running a function out of its time takes that time for real, so the merchant's shorter
 * setting, read and enforced by the sandbox as SCF does, is what is tested). Paying again, closing
 * and refunding ask WeChat two or three times in a row. However slow WeChat is, each function
 * answers the kit's retryable PAY_PROVIDER_ERROR within its time, never the platform's timeout, and
 * leaves the order so that the next call, once WeChat is quick again, finds the truth. A slow answer
 * that fits in the time is simply used. The same holds for WeChat's order-shipping service (its
 * cloud calls, `shipping.<call>` faults). Delays are real time, seconds each: few cases. A call is
 * not started with less than 3 s left (ANSWER_RESERVE_MS + MIN_PAY_WAIT_MS), and waits for what is
 * left less 2 s (ANSWER_RESERVE_MS).
 */
import * as fs from 'fs';
import { del, eventually, get, post, query } from '../helpers/control';
import { functionsWithTimeouts, providerFault, startKitSandbox, type KitClient } from '../helpers/kit';
import type { SandboxProcess } from '../helpers/sandbox';
import { ShippingKit, zto } from '../helpers/shipping-kit';

const ADMIN = 'o-admin-slow';
const BUYER = 'o-buyer-slow';
/** The merchant's config.json `timeout` (seconds) of every function these cases make WeChat slow for. */
const LIMIT_S = 6;
/** Two functions run out of their time, slow answers and the calls' own work, with room on a busy machine. */
const SLOW_TEST_MS = 30_000;
let functions: string;
let sandbox: SandboxProcess;
let kit: KitClient;
let ship: ShippingKit;

beforeAll(async () => {
  const limited = ['unifiedOrder', 'closeOrder', 'queryOrder', 'refund', 'shipOrder', 'confirmReceipt'];
  functions = functionsWithTimeouts(Object.fromEntries(limited.map((name) => [name, LIMIT_S])));
  ({ sandbox, kit } = await startKitSandbox(ADMIN, { functions }));
  ship = new ShippingKit(kit, BUYER);
});

afterAll(async () => {
  await sandbox?.stop();
  if (functions) fs.rmSync(functions, { recursive: true, force: true });
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
      // 0.7 s each: the third call still begins with more than 3 s of the 6 left, and fits.
      for (const api of ['queryOrder', 'closeOrder', 'unifiedOrder']) await slow(api, 700);
      const again = await kit.ok(BUYER, 'unifiedOrder', { orderNo });
      expect(await armedFaults()).toEqual([]);
      await kit.payAndConfirm(BUYER, again);
      expect((await tradesOf(orderNo)).map((t) => t.state)).toEqual(['CLOSED', 'SUCCESS']);
    },
    SLOW_TEST_MS,
  );

  test(
    'a retry with the request key while WeChat is making the first call’s prepay waits for it, and hands it out',
    async () => {
      const buyer = 'o-buyer-slow-key';
      const request = { items: [{ sku: 'latte', quantity: 1 }], requestKey: 'tap-slow-0001' };
      await slow('unifiedOrder', 1000);
      const first = kit.ok(buyer, 'unifiedOrder', request);
      // Tapped again once the first call has written its order and is waiting for WeChat.
      await eventually(async () => (await query(sandbox.url, 'paykit_orders', { openid: buyer }))[0]);
      const retry = await kit.ok(buyer, 'unifiedOrder', request);
      // The same payment, nonce and all: the retry did not ask WeChat for a prepay of its own.
      expect(retry).toEqual(await first);
      await kit.payAndConfirm(buyer, retry);
      expect((await tradesOf(retry.orderNo)).map((t) => t.state)).toEqual(['SUCCESS']);
    },
    SLOW_TEST_MS,
  );

  test(
    'paying again: a close answered too late for the function is a retryable error; paying again then works',
    async () => {
      const orderNo = await orderToPayAgain();
      // 1 s for the query leaves time to start the close; 5 more for the close: waiting for both
      // overruns the function's 6 s.
      await slow('queryOrder', 1000);
      await slow('closeOrder', 5000);
      expect(await kit.call(BUYER, 'unifiedOrder', { orderNo })).toEqual(RETRYABLE);
      // Both were asked: the close was started, and its answer came too late.
      expect(await armedFaults()).toEqual([]);
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
      // 3.3 s fits in the query's wait (what is left less 2 s) and leaves less than the 3 s a call needs.
      await slow('queryOrder', 3300);
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
      // Answered with less than 3 s of the function's 6 left: too little to start a merchant hook.
      await slow('queryOrder', 3300);
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
      expect(await kit.call(ADMIN, 'refund', request)).toEqual(
        expect.objectContaining({ ok: false, code: 'REFUND_REFUSED' }),
      );
      // Asked again, the kit first asks WeChat whether the refund was made after all (1 s, leaving
      // time to start the refund), then refunds (5 s more: waiting for both overruns the 6 s).
      await slow('queryRefund', 1000);
      await slow('refund', 5000);
      expect(await kit.call(ADMIN, 'refund', request)).toEqual(RETRYABLE);
      expect(await armedFaults()).toEqual([]);
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

describe("WeChat's shipping service answers slowly", () => {
  /** The next `call` (wxa.sec.order.<call>) is carried out and answered `delayMs` of real time late. */
  const slowShipping = (call: string, delayMs: number) =>
    post(`${sandbox.url}/sandbox/pay/faults`, { api: `shipping.${call}`, error: 'SLOW', delayMs, count: 1 });
  /** Shipping's "WeChat did not answer, try again": never the platform's timeout (which post() throws). */
  const SHIPPING_RETRYABLE = expect.objectContaining({ ok: false, code: 'SHIPPING_PENDING' });
  /** Just past the function's 6 s on its own: without the bound the function is cut off waiting. */
  const TOO_LATE_MS = LIMIT_S * 1000 + 500;

  test(
    'shipOrder: an upload answered too late is SHIPPING_PENDING, the claim released; the retry, answered slowly in time, records the one shipment',
    async () => {
      const { orderNo, transactionId } = await ship.paidAndKnown('tea-oolong');
      const packages = [zto('ZT7000000001')];
      await slowShipping('uploadShippingInfo', TOO_LATE_MS);
      expect(await kit.call(ADMIN, 'shipOrder', { orderNo, packages })).toEqual(SHIPPING_RETRYABLE);
      // WeChat recorded the upload all the same; the kit has not, and holds no claim on the order.
      expect((await ship.atWeChat(transactionId))?.shipping?.finish_shipping_count).toBe(1);
      const before = (await kit.order<{
        shipping: { state: string; count: number; uploadingSince?: unknown };
      }>(orderNo))!.shipping;
      expect(before).toEqual(expect.objectContaining({ state: 'AWAITING', count: 0 }));
      expect(before.uploadingSince).toBeUndefined();
      // Asked again, WeChat answers slowly but in time that it holds this shipment (10060023): recorded.
      // The first call gave up 2 s before its 6 s were up; 3 s more and its late answer is in.
      await slowShipping('uploadShippingInfo', 3000);
      const shipped = await kit.ok(ADMIN, 'shipOrder', { orderNo, packages });
      expect(shipped.shipping).toEqual(expect.objectContaining({ state: 'SHIPPED', shipCount: 1 }));
      expect(await armedFaults()).toEqual([]);
      // The first upload's late answer (in by now) changed nothing: one shipment, here and at WeChat.
      expect((await ship.stored(orderNo)).shipping?.shipments).toHaveLength(1);
      expect((await ship.atWeChat(transactionId))?.shipping?.finish_shipping_count).toBe(1);
    },
    SLOW_TEST_MS,
  );

  test(
    'shipOrder: after a slow is_trade_managed too little time is left to start the upload: SHIPPING_PENDING, nothing sent',
    async () => {
      const { orderNo, transactionId } = await ship.paidAndKnown('tea-oolong');
      // A new instance asks is_trade_managed first (an instance keeps the answer for an hour).
      await kit.freshInstances('shipOrder');
      // 3.3 s fits in its wait and leaves less than the 3 s the upload needs.
      await slowShipping('isTradeManaged', 3300);
      await slowShipping('uploadShippingInfo', 5000);
      const packages = [zto('ZT7000000003')];
      expect(await kit.call(ADMIN, 'shipOrder', { orderNo, packages })).toEqual(SHIPPING_RETRYABLE);
      // The upload was never sent: its fault is still armed, the order unshipped at WeChat and here.
      expect((await armedFaults()).map((f) => [f.api, f.remaining])).toEqual([
        ['shipping.uploadShippingInfo', 1],
      ]);
      expect((await ship.atWeChat(transactionId))?.order_state).toBe(1);
      expect((await ship.stored(orderNo)).shipping).toEqual(
        expect.objectContaining({ state: 'AWAITING', count: 0 }),
      );
      await del(`${sandbox.url}/sandbox/pay/faults`);
      expect((await kit.ok(ADMIN, 'shipOrder', { orderNo, packages })).shipping.shipCount).toBe(1);
      expect((await ship.atWeChat(transactionId))?.shipping?.finish_shipping_count).toBe(1);
    },
    SLOW_TEST_MS,
  );

  test(
    "confirmReceipt: WeChat's get_order answered too late is SHIPPING_PENDING; asked again, a slow answer in time moves the order on",
    async () => {
      // No pushes: the settlement event would have shippingEvents ask get_order (and take the fault).
      await ship.shippingConfig({ eventFunction: '' });
      try {
        const { orderNo, transactionId } = await ship.paidAndKnown('tea-oolong');
        await kit.ok(ADMIN, 'shipOrder', { orderNo, packages: [zto('ZT7000000002')] });
        await post(`${sandbox.url}/sandbox/shipping/confirm`, {
          transaction_id: transactionId,
          openid: BUYER,
        });
        await slowShipping('getOrder', TOO_LATE_MS);
        expect(await kit.call(BUYER, 'confirmReceipt', { orderNo })).toEqual(SHIPPING_RETRYABLE);
        expect((await ship.stored(orderNo)).shipping?.state).toBe('SHIPPED');
        await slowShipping('getOrder', 1500);
        expect((await kit.ok(BUYER, 'confirmReceipt', { orderNo })).shipping.state).toBe('SETTLED');
      } finally {
        await ship.shippingConfig({ eventFunction: 'shippingEvents' });
      }
    },
    SLOW_TEST_MS,
  );
});
