/** @jest-environment node */
/**
 * The kit on the APIv3 provider when WeChat Pay misbehaves as the reference (§8.3, §15) says it can:
 * 5xx / SYSTEM_ERROR and timeouts after WeChat carried the request out, 429 FREQUENCY_LIMITED, a
 * connection cut before the answer, and notifications repeated, held back, reordered or lost. After
 * each, the person retries, WeChat delivers again and the sweep runs: the order ends where WeChat
 * says, nothing is done twice (refunds at WeChat, hook runs), and the person gets a retryable code,
 * never INTERNAL. Always on APIv3, whichever jest project runs it. The merchant set queryOrder's
 * config.json `timeout` to 6 s (the kit ships 10 s): WeChat not answering at all runs it out of its
 * time for real.
 */
import * as fs from 'fs';
import { del, get, post, query, seed } from '../helpers/control';
import { functionsWithTimeouts, KitClient, merchantArgs } from '../helpers/kit';
import { beijingDay } from '../helpers/paysdk';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox';

const ADMIN = 'o-admin-v3fail';
const BUYER = 'o-buyer-v3fail';
const DAY_MS = 24 * 3600_000;
const BEIJING_MS = 8 * 3600_000;
/** The merchant's queryOrder `timeout` (seconds). */
const QUERY_LIMIT_S = 6;
let functions: string;
let sandbox: SandboxProcess;
let kit: KitClient;

beforeAll(async () => {
  functions = functionsWithTimeouts({ queryOrder: QUERY_LIMIT_S });
  sandbox = await startSandboxProcess({
    args: [...merchantArgs(ADMIN), '--provider', 'apiv3', '--functions', functions],
  });
  kit = new KitClient(sandbox.url);
  await seed(sandbox.url, { paykit_products: [{ _id: 'latte', name: '拿铁', price: 2800, active: true }] });
  await kit.clock('freeze');
});

afterAll(async () => {
  await sandbox?.stop();
  if (functions) fs.rmSync(functions, { recursive: true, force: true });
});

// A fault a test left unused (its call never came) must not strike the next test.
afterEach(() => del(`${sandbox.url}/sandbox/pay/faults`));

/** The next call of a v3 API fails with `error`; `afterProcessing`: WeChat carried it out first. */
const fault = (api: string, error: string, afterProcessing = false, count = 1) =>
  post(`${sandbox.url}/sandbox/pay/faults`, { api, error, afterProcessing, count });
const notificationFault = (mode: string, kind: 'payment' | 'refund', count = 1) =>
  post(`${sandbox.url}/sandbox/pay/callbacks`, { mode, kind, count });

/** Time passes; the sweep and the notifications it causes are over. */
const sweepAfter = (ms: number) => kit.moveClock('advance', { ms });

interface Stored {
  status: string;
  outTradeNo: string;
  attempts: Array<{ outTradeNo: string }>;
  fulfilment?: { state: string };
  refunds: Array<{ outRefundNo: string; status: string; refundFee: number; hook?: { state: string } }>;
}
const stored = async (orderNo: string) => (await kit.order<Stored>(orderNo))!;

interface Trade {
  outTradeNo: string;
  state: string;
  refunds: Array<{ outRefundNo: string; refundFee: number; status: string }>;
}
const tradesOf = async (orderNo: string): Promise<Trade[]> => {
  const { attempts } = await stored(orderNo);
  const all: Trade[] = [];
  for (const { outTradeNo } of attempts) {
    const { trades } = await get<{ trades: Trade[] }>(
      `${sandbox.url}/sandbox/pay/trades?outTradeNo=${encodeURIComponent(outTradeNo)}`,
    );
    all.push(...trades);
  }
  return all;
};

const hookRuns = (orderNo: string, hook: string) =>
  query(sandbox.url, 'paykit_hook_runs', { orderNo, hook }).then((r) => r.length);

/** What a person gets when WeChat fails: a retryable code the UI shows in Chinese, never INTERNAL. */
const RETRYABLE = expect.objectContaining({ ok: false, code: 'PAY_PROVIDER_ERROR' });

const PLATFORM_FAILURES: Array<[string, string, boolean]> = [
  ['SYSTEM_ERROR after WeChat carried it out', 'SYSTEM_ERROR', true],
  ['FREQUENCY_LIMITED', 'FREQUENCY_LIMITED', false],
  ['FREQUENCY_LIMITED after WeChat carried it out', 'FREQUENCY_LIMITED', true],
  ['a connection cut after WeChat carried it out', 'TIMEOUT', true],
  ['a connection cut before WeChat saw it', 'TIMEOUT', false],
];

async function paidOrder(buyer = BUYER): Promise<string> {
  const placed = await kit.ok(buyer, 'unifiedOrder', { items: [{ sku: 'latte', quantity: 1 }] });
  await kit.payAndConfirm(buyer, placed);
  await sweepAfter(0);
  return placed.orderNo;
}

describe.each(PLATFORM_FAILURES)('%s', (_name, error, afterProcessing) => {
  test('unifiedOrder: the retry with the request key pays the same order through one trade', async () => {
    const requestKey = `k-${error}-${afterProcessing}`;
    const request = { items: [{ sku: 'latte', quantity: 1 }], requestKey };
    await fault('v3.jsapi', error, afterProcessing);
    expect(await kit.call(BUYER, 'unifiedOrder', request)).toEqual(RETRYABLE);
    const placed = await kit.ok(BUYER, 'unifiedOrder', request);
    await kit.payAndConfirm(BUYER, placed);
    await sweepAfter(0);
    expect((await tradesOf(placed.orderNo)).map((t) => t.state)).toEqual(['SUCCESS']);
    expect((await stored(placed.orderNo)).fulfilment?.state).toBe('DONE');
    expect(await hookRuns(placed.orderNo, 'onPaid')).toBe(1);
  });

  test('queryOrder: a retry reads the payment WeChat has', async () => {
    const placed = await kit.ok(BUYER, 'unifiedOrder', { items: [{ sku: 'latte', quantity: 1 }] });
    await notificationFault('drop', 'payment');
    expect((await kit.pay(BUYER, placed.payment)).errMsg).toBe('requestPayment:ok');
    await fault('v3.queryOrder', error, afterProcessing);
    expect(await kit.call(BUYER, 'queryOrder', { orderNo: placed.orderNo })).toEqual(RETRYABLE);
    const read = await kit.ok(BUYER, 'queryOrder', { orderNo: placed.orderNo });
    expect(read.order.status).toBe('SUCCESS');
  });

  test('closeOrder: a retry ends closed here and at WeChat', async () => {
    const placed = await kit.ok(BUYER, 'unifiedOrder', { items: [{ sku: 'latte', quantity: 1 }] });
    await kit.moveClock('advance', { ms: 6 * 60_000 });
    await fault('v3.closeOrder', error, afterProcessing);
    expect(await kit.call(BUYER, 'closeOrder', { orderNo: placed.orderNo })).toEqual(RETRYABLE);
    expect((await kit.ok(BUYER, 'closeOrder', { orderNo: placed.orderNo })).order.status).toBe('CLOSED');
    expect((await tradesOf(placed.orderNo)).map((t) => t.state)).toEqual(['CLOSED']);
  });

  test('refund: a retry with its number ends in one refund at WeChat, onRefunded once', async () => {
    const orderNo = await paidOrder();
    const request = { orderNo, refundFee: 900, refundNo: `${orderNo}F1` };
    await fault('v3.refund', error, afterProcessing);
    expect(await kit.call(ADMIN, 'refund', request)).toEqual(RETRYABLE);
    await kit.ok(ADMIN, 'refund', request);
    await kit.settle();
    for (let i = 0; i < 3 && (await stored(orderNo)).refunds[0]?.hook?.state !== 'DONE'; i++)
      await sweepAfter(6 * 60_000);
    const [trade] = await tradesOf(orderNo);
    expect(trade.refunds.map((r) => [r.outRefundNo, r.refundFee, r.status])).toEqual([
      [request.refundNo, 900, 'SUCCESS'],
    ]);
    expect((await stored(orderNo)).refunds.map((r) => [r.status, r.hook?.state])).toEqual([
      ['SUCCESS', 'DONE'],
    ]);
    expect(await hookRuns(orderNo, 'onRefunded')).toBe(1);
  });

  test('refund: nobody retries; the sweep alone ends it once', async () => {
    const orderNo = await paidOrder();
    await fault('v3.refund', error, afterProcessing);
    expect(await kit.call(ADMIN, 'refund', { orderNo, refundFee: 700 })).toEqual(RETRYABLE);
    await kit.settle();
    for (let i = 0; i < 4 && (await stored(orderNo)).refunds[0]?.hook?.state !== 'DONE'; i++)
      await sweepAfter(6 * 60_000);
    const [trade] = await tradesOf(orderNo);
    expect(trade.refunds.map((r) => [r.refundFee, r.status])).toEqual([[700, 'SUCCESS']]);
    expect((await stored(orderNo)).refunds.map((r) => [r.status, r.hook?.state])).toEqual([
      ['SUCCESS', 'DONE'],
    ]);
    expect(await hookRuns(orderNo, 'onRefunded')).toBe(1);
  });

  test('downloadBill: a retry gets the bill', async () => {
    await paidOrder();
    // WeChat makes a day's bill the next morning (10:00 Beijing): ask at 11:00, whatever the hour now.
    const { now: paidAt } = await kit.clock('advance', { ms: 0 });
    const day = beijingDay(paidAt);
    const dayStart = Math.floor((paidAt + BEIJING_MS) / DAY_MS) * DAY_MS - BEIJING_MS;
    await sweepAfter(dayStart + DAY_MS + 11 * 3600_000 - paidAt);
    for (const api of ['v3.tradebill', 'v3.billdownload']) {
      await fault(api, error, afterProcessing);
      expect(await kit.call(ADMIN, 'downloadBill', { billDate: day })).toEqual(RETRYABLE);
      expect((await kit.call(ADMIN, 'downloadBill', { billDate: day })).ok).toBe(true);
    }
  });
});

const requestsTo = async (api: string) =>
  (await get<{ requests: Record<string, number> }>(`${sandbox.url}/sandbox/v3/requests`)).requests[api] ?? 0;

describe('notifications', () => {
  test('repeated: the payment is recorded once, onPaid runs once', async () => {
    const placed = await kit.ok(BUYER, 'unifiedOrder', { items: [{ sku: 'latte', quantity: 1 }] });
    await notificationFault('duplicate', 'payment', 3);
    await kit.payAndConfirm(BUYER, placed);
    await sweepAfter(6 * 60_000);
    expect((await stored(placed.orderNo)).fulfilment?.state).toBe('DONE');
    expect(await hookRuns(placed.orderNo, 'onPaid')).toBe(1);
  });

  test('never delivered: the sweep finds the payment; a late delivery changes nothing', async () => {
    const placed = await kit.ok(BUYER, 'unifiedOrder', { items: [{ sku: 'latte', quantity: 1 }] });
    await notificationFault('hold', 'payment');
    expect((await kit.pay(BUYER, placed.payment)).errMsg).toBe('requestPayment:ok');
    await sweepAfter(5 * 60_000);
    expect((await stored(placed.orderNo)).status).toBe('SUCCESS');
    await post(`${sandbox.url}/sandbox/pay/callbacks/release`, {});
    await kit.settle();
    expect((await stored(placed.orderNo)).fulfilment?.state).toBe('DONE');
    expect(await hookRuns(placed.orderNo, 'onPaid')).toBe(1);
  });

  test('the query confirming a notification fails: WeChat delivers again and it is recorded once', async () => {
    const placed = await kit.ok(BUYER, 'unifiedOrder', { items: [{ sku: 'latte', quantity: 1 }] });
    await fault('v3.queryOrder', 'FREQUENCY_LIMITED', false, 2);
    expect((await kit.pay(BUYER, placed.payment)).errMsg).toBe('requestPayment:ok');
    await kit.settle();
    expect((await stored(placed.orderNo)).status).toBe('NOTPAY');
    await sweepAfter(60_000);
    expect((await stored(placed.orderNo)).status).toBe('SUCCESS');
    expect(await hookRuns(placed.orderNo, 'onPaid')).toBe(1);
  });

  test('refund notifications out of order, repeated: each refund settled once, hooks once each', async () => {
    const orderNo = await paidOrder();
    await notificationFault('hold', 'refund', 2);
    await kit.ok(ADMIN, 'refund', { orderNo, refundFee: 500 });
    // WeChat takes a second refund of one order only a minute after the first.
    await kit.moveClock('advance', { ms: 61_000 });
    await kit.ok(ADMIN, 'refund', { orderNo, refundFee: 600 });
    await notificationFault('duplicate', 'refund', 4);
    await post(`${sandbox.url}/sandbox/pay/callbacks/release`, { order: 'reverse' });
    await kit.settle();
    await sweepAfter(6 * 60_000);
    const [trade] = await tradesOf(orderNo);
    expect(trade.refunds.map((r) => [r.refundFee, r.status])).toEqual([
      [500, 'SUCCESS'],
      [600, 'SUCCESS'],
    ]);
    expect((await stored(orderNo)).refunds.map((r) => [r.status, r.hook?.state])).toEqual([
      ['SUCCESS', 'DONE'],
      ['SUCCESS', 'DONE'],
    ]);
    expect(await hookRuns(orderNo, 'onRefunded')).toBe(2);
  });

  test('refund notifications never delivered: the sweep settles the refund once', async () => {
    const orderNo = await paidOrder();
    await notificationFault('drop', 'refund', 20);
    await kit.ok(ADMIN, 'refund', { orderNo, refundFee: 800 });
    await kit.settle();
    await sweepAfter(6 * 60_000);
    expect((await stored(orderNo)).refunds.map((r) => [r.status, r.hook?.state])).toEqual([
      ['SUCCESS', 'DONE'],
    ]);
    expect(await hookRuns(orderNo, 'onRefunded')).toBe(1);
  });
});

describe('refused, then retried as WeChat says', () => {
  test('NOT_ENOUGH: the same refund number, retried once funds are there, makes the refund', async () => {
    const orderNo = await paidOrder();
    const request = { orderNo, refundFee: 900, refundNo: `${orderNo}NE` };
    await fault('v3.refund', 'NOT_ENOUGH');
    expect(await kit.call(ADMIN, 'refund', request)).toEqual(
      expect.objectContaining({
        ok: false,
        code: 'REFUND_REFUSED',
        refusal: { reason: '余额不足', notEnough: true },
      }),
    );
    await kit.ok(ADMIN, 'refund', request);
    await kit.settle();
    const [trade] = await tradesOf(orderNo);
    expect(trade.refunds.map((r) => [r.outRefundNo, r.refundFee, r.status])).toEqual([
      [request.refundNo, 900, 'SUCCESS'],
    ]);
    expect((await stored(orderNo)).refunds.map((r) => r.status)).toEqual(['SUCCESS']);
  });
});

describe('the sweep when WeChat rate-limits it', () => {
  test('it backs off for the run at the first FREQUENCY_LIMITED, and the next run closes every order', async () => {
    const placed = [];
    for (let i = 0; i < 4; i++)
      placed.push(
        await kit.ok(`o-sweep-429-${i}`, 'unifiedOrder', { items: [{ sku: 'latte', quantity: 1 }] }),
      );
    await sweepAfter(0);
    await fault('v3.queryOrder', 'FREQUENCY_LIMITED', false, 10);
    const before = await requestsTo('v3.queryOrder');
    await sweepAfter(31 * 60_000);
    expect((await requestsTo('v3.queryOrder')) - before).toBe(1);
    await del(`${sandbox.url}/sandbox/pay/faults`);
    await sweepAfter(5 * 60_000);
    for (const { orderNo } of placed) expect((await stored(orderNo)).status).toBe('CLOSED');
  });
});

describe('the daily reconciliation when WeChat fails it', () => {
  test('a day whose run failed is reconciled by the next run', async () => {
    const beijing = (ms: number) => new Date(ms + 8 * 3600_000);
    const { now } = await kit.clock('advance', { ms: 0 });
    // The next 10:30 Beijing time at least a minute away: the timer's run.
    const day = beijing(now + 60_000);
    let run = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), 10 - 8, 30);
    if (run <= now + 60_000) run += 24 * 3600_000;
    const billDate = beijing(run - 24 * 3600_000)
      .toISOString()
      .slice(0, 10)
      .replace(/-/g, '');
    const report = () => query(sandbox.url, 'paykit_bills', { _id: billDate });

    await fault('v3.tradebill', 'SYSTEM_ERROR');
    await kit.moveClock('set', { at: run + 60_000 });
    expect(await report()).toEqual([]);
    await kit.moveClock('set', { at: run + 24 * 3600_000 + 60_000 });
    expect(await report()).toEqual([expect.objectContaining({ _id: billDate })]);
  });
});

describe('a close WeChat carried out but did not confirm', () => {
  test.each([
    ['SYSTEM_ERROR', 'SYSTEM_ERROR'],
    ['a cut connection', 'TIMEOUT'],
  ])('after %s, paying the order again gets a payment that can be paid', async (_name, error) => {
    const placed = await kit.ok(BUYER, 'unifiedOrder', { items: [{ sku: 'latte', quantity: 1 }] });
    await kit.moveClock('advance', { ms: 6 * 60_000 });
    await fault('v3.closeOrder', error, true);
    expect(await kit.call(BUYER, 'closeOrder', { orderNo: placed.orderNo })).toEqual(RETRYABLE);
    // The buyer changes their mind and pays after all.
    const again = await kit.ok(BUYER, 'unifiedOrder', { orderNo: placed.orderNo });
    await kit.payAndConfirm(BUYER, again);
    expect((await tradesOf(placed.orderNo)).map((t) => t.state)).toEqual(['CLOSED', 'SUCCESS']);
  });
});

describe('WeChat does not answer at all', () => {
  test('the kit gives up before its function is killed and answers a retryable code', async () => {
    const placed = await kit.ok(BUYER, 'unifiedOrder', { items: [{ sku: 'latte', quantity: 1 }] });
    // Longer than the kit waits for an answer (what is left less 2 s), shorter than the function may
    // run (6 s).
    await post(`${sandbox.url}/sandbox/pay/config`, { timeoutFaultDelayMs: QUERY_LIMIT_S * 1000 - 1000 });
    try {
      await fault('v3.queryOrder', 'TIMEOUT', true);
      expect(await kit.call(BUYER, 'queryOrder', { orderNo: placed.orderNo })).toEqual(RETRYABLE);
    } finally {
      await post(`${sandbox.url}/sandbox/pay/config`, { timeoutFaultDelayMs: 0 });
    }
    expect((await kit.ok(BUYER, 'queryOrder', { orderNo: placed.orderNo })).order.status).toBe('NOTPAY');
  });
});

describe('certificate mode: the platform certificates cannot be downloaded for a moment', () => {
  let certSandbox: SandboxProcess;
  let certKit: KitClient;

  beforeAll(async () => {
    // No WeChat Pay public key configured: the kit downloads the platform certificates.
    certSandbox = await startSandboxProcess({
      args: [
        ...merchantArgs(ADMIN, ['PAYKIT_WECHATPAY_PUBLIC_KEY_ID=', 'PAYKIT_WECHATPAY_PUBLIC_KEY=']),
        '--provider',
        'apiv3',
      ],
    });
    certKit = new KitClient(certSandbox.url);
    await seed(certSandbox.url, {
      paykit_products: [{ _id: 'latte', name: '拿铁', price: 2800, active: true }],
    });
    await post(`${certSandbox.url}/sandbox/v3/merchant`, {
      signMode: 'certificate',
      hasPlatformCertificate: true,
    });
    await certKit.clock('freeze');
  });

  afterAll(async () => {
    await certSandbox?.stop();
  });

  // Each function's instance keeps its own certificates: its first APIv3 answer downloads them.
  test('after a 5xx, a 429 or a cut connection there, the retry downloads them again and verifies', async () => {
    const certFault = (error: string) =>
      post(`${certSandbox.url}/sandbox/pay/faults`, { api: 'v3.certificates', error, count: 1 });
    const buyer = 'o-cert-buyer';
    const request = { items: [{ sku: 'latte', quantity: 1 }], requestKey: 'cert-key-1' };
    await certFault('SYSTEM_ERROR');
    expect(await certKit.call(buyer, 'unifiedOrder', request)).toEqual(RETRYABLE);
    const placed = await certKit.ok(buyer, 'unifiedOrder', request);

    await certFault('FREQUENCY_LIMITED');
    expect(await certKit.call(buyer, 'queryOrder', { orderNo: placed.orderNo })).toEqual(RETRYABLE);
    expect((await certKit.ok(buyer, 'queryOrder', { orderNo: placed.orderNo })).order.status).toBe('NOTPAY');

    await certKit.moveClock('advance', { ms: 6 * 60_000 });
    await certFault('TIMEOUT');
    expect(await certKit.call(buyer, 'closeOrder', { orderNo: placed.orderNo })).toEqual(RETRYABLE);
    expect((await certKit.ok(buyer, 'closeOrder', { orderNo: placed.orderNo })).order.status).toBe('CLOSED');
  });
});
