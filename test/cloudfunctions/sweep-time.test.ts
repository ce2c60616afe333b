/** @jest-environment node */
/**
 * The timers (and closeOrder) within their function's time, on either provider, for a merchant who
 * set their config.json `timeout` to 8 s (6 s for closeOrder; the kit ships 60 s and 10 s: running a
 * function out of time takes its whole time for real per case, so the merchant's shorter setting,
 * read by the sandbox as SCF reads it, is what is tested). The sweep (closeExpiredOrders) and the
 * daily bill run's catch-up (reconcileBills) begin nothing in their last RUN_RESERVE_MS, and an
 * order the sweep could not ask WeChat about (a call not started for lack of time) is left as it
 * was, not recorded as asked: the next run asks it; a day the catch-up began but could not finish
 * so is no failure, the next run's; nor is a close the function had no time left to send recorded
 * as asked. WeChat is made slow with the sandbox's SLOW fault: real time, seconds per case.
 */
import * as fs from 'fs';
import { beijingDay, beijingDayRange } from '../../cloudfunctions/common/beijing';
import { del, get, post, readDoc, storeOrderAmount } from '../helpers/control';
import { functionsWithTimeouts, providerFault, startKitSandbox, type KitClient } from '../helpers/kit';
import type { SandboxProcess } from '../helpers/sandbox';
import { ShippingKit, zto, type PaidKitOrder } from '../helpers/shipping-kit';

const ADMIN = 'o-admin-sweep-time';
const BUYER = 'o-buyer-sweep-time';
/** The merchant's timers' config.json `timeout` (seconds): a run begins nothing in its last RUN_RESERVE_MS (5 s). */
const TIMER_LIMIT_S = 8;
/** Slow answers in an 8 s function, and the runs after them. */
const SLOW_TEST_MS = 40_000;
/** When a shipped order is next asked about (cloudfunctions/common/shipping.ts RECHECK_SHIPPED_MS); a day. */
const DAY_MS = 24 * 3600_000;
const SWEEP_EVERY_MS = 5 * 60_000;
/** How many days before yesterday the daily bill run looks back (reconcile-day.ts CATCH_UP_DAYS). */
const CATCH_UP_DAYS = 7;

let functions: string;
let sandbox: SandboxProcess;
let kit: KitClient;
let ship: ShippingKit;

beforeAll(async () => {
  functions = functionsWithTimeouts({
    closeExpiredOrders: TIMER_LIMIT_S,
    reconcileBills: TIMER_LIMIT_S,
    closeOrder: 6,
  });
  ({ sandbox, kit } = await startKitSandbox(ADMIN, { functions }));
  ship = new ShippingKit(kit, BUYER);
  // Only the sweep asks WeChat about shipped orders here: a settlement push would have
  // shippingEvents ask get_order (and take its fault).
  await ship.shippingConfig({ eventFunction: '' });
});

afterAll(async () => {
  await sandbox?.stop();
  if (functions) fs.rmSync(functions, { recursive: true, force: true });
});

// A fault whose call never came must not strike the next test.
afterEach(() => del(`${sandbox.url}/sandbox/pay/faults`));

/** The next call of `api` (cloudPay's name, or `shipping.<call>`) is carried out and answered `delayMs` of real time late. */
const slow = (api: string, delayMs: number) =>
  post(`${sandbox.url}/sandbox/pay/faults`, {
    ...(api.startsWith('shipping.') ? { api, error: 'SLOW' } : providerFault(api, 'SLOW')),
    delayMs,
    count: 1,
  });
const armedFaults = async () =>
  (
    await get<{ api: Array<{ api: string; remaining: number }> }>(`${sandbox.url}/sandbox/pay/faults`)
  ).api.map((f) => [f.api, f.remaining]);

/** The last daily bill run: what it answered, and what it logged. */
async function lastBillRun(): Promise<{ result?: unknown; logs: Array<{ level: string; message: string }> }> {
  const { logs } = await get<{
    logs: Array<{ result?: unknown; logs: Array<{ level: string; message: string }> }>;
  }>(`${sandbox.url}/sandbox/logs?name=reconcileBills&limit=1`);
  return logs[0];
}

/** What the last sweep answered. */
async function lastSweep(): Promise<Record<string, unknown>> {
  const { logs } = await get<{ logs: Array<{ result?: { data?: Record<string, unknown> } }> }>(
    `${sandbox.url}/sandbox/logs?name=closeExpiredOrders&limit=1`,
  );
  return logs[0]?.result?.data ?? {};
}

/** An express order shipped, whose receipt the buyer confirmed at WeChat: the kit learns it by asking. */
async function shippedAndConfirmedAtWeChat(): Promise<PaidKitOrder> {
  const order = await ship.paidAndKnown('tea-oolong');
  await kit.ok(ADMIN, 'shipOrder', { orderNo: order.orderNo, packages: [zto('ZT8000000001')] });
  await post(`${sandbox.url}/sandbox/shipping/confirm`, {
    transaction_id: order.transactionId,
    openid: BUYER,
  });
  return order;
}

const unpaidOrder = async () =>
  (await kit.ok(BUYER, 'unifiedOrder', { items: [{ sku: 'latte', quantity: 1 }] })).orderNo;

const status = async (orderNo: string) => (await kit.order<{ status: string }>(orderNo))?.status;

interface StoredRefunds {
  outTradeNo: string;
  refunds: Array<{ status: string }>;
}

/** The order's refunds at WeChat: number and fee. */
async function refundsAtWeChat(orderNo: string): Promise<Array<[string, number]>> {
  const { outTradeNo } = (await kit.order<StoredRefunds>(orderNo))!;
  const { trades } = await get<{
    trades: Array<{ refunds: Array<{ outRefundNo: string; refundFee: number }> }>;
  }>(`${sandbox.url}/sandbox/pay/trades?outTradeNo=${encodeURIComponent(outTradeNo)}`);
  return trades.flatMap((t) => t.refunds.map((r): [string, number] => [r.outRefundNo, r.refundFee]));
}

test(
  'the sweep begins no order in the last seconds of the time it has: the shipped order it left is asked by the next run, with time to wait for WeChat',
  async () => {
    const shipped = await shippedAndConfirmedAtWeChat();
    const expired = await unpaidOrder();
    // The expired order's query takes 3.5 s of the 8; the shipped order's get_order, 2.5 s, would
    // be cut off with what is left then (a lost answer: its next check a day later).
    await slow('queryOrder', 3500);
    await slow('shipping.getOrder', 2500);
    await kit.moveClock('advance', { ms: DAY_MS + 60_000 });
    // The shipped order was not begun: get_order's fault is still armed.
    expect(await armedFaults()).toEqual([['shipping.getOrder', 1]]);
    expect((await ship.stored(shipped.orderNo)).shipping?.state).toBe('SHIPPED');
    expect(await status(expired)).toBe('CLOSED');
    expect(await lastSweep()).toEqual(expect.objectContaining({ closed: 1, complete: false, errors: [] }));

    await kit.moveClock('advance', { ms: SWEEP_EVERY_MS });
    expect(await armedFaults()).toEqual([]);
    expect(['CONFIRMED', 'SETTLED']).toContain((await ship.stored(shipped.orderNo)).shipping?.state);
  },
  SLOW_TEST_MS,
);

test(
  'a refund the sweep resumes with no time left to send it is no error and stays reserved; the next run sends it and asks about the shipped order',
  async () => {
    const shipped = await shippedAndConfirmedAtWeChat();
    const placed = await kit.ok(BUYER, 'unifiedOrder', { items: [{ sku: 'latte', quantity: 1 }] });
    await kit.payAndConfirm(BUYER, placed);
    // A run first: the next one then mostly runs on an instance that has asked WeChat already (an
    // instance's first calls load more of the SDK), and reaches the refund sooner.
    await kit.moveClock('advance', { ms: SWEEP_EVERY_MS });
    // The refund is reserved; WeChat fails before carrying it out: the sweep resumes it (same number).
    await post(`${sandbox.url}/sandbox/pay/faults`, { ...providerFault('refund', 'SYSTEMERROR'), count: 1 });
    const request = { orderNo: placed.orderNo, refundFee: 1000, refundNo: `${placed.orderNo}T1` };
    expect(await kit.call(ADMIN, 'refund', request)).toEqual(
      expect.objectContaining({ ok: false, code: 'PAY_PROVIDER_ERROR' }),
    );
    // 5 s for the query (WeChat has no such refund), begun after the run's first reads, leaves less
    // than the 3 s a call needs (ANSWER_RESERVE_MS + MIN_PAY_WAIT_MS) to send the refund; begun
    // within a second, it is answered before its wait (what is left less 2 s) is cut off.
    await slow('queryRefund', 5000);
    await kit.moveClock('advance', { ms: DAY_MS + 60_000 });
    expect(await lastSweep()).toEqual(
      expect.objectContaining({ refundsSettled: 0, complete: false, errors: [] }),
    );
    expect(await refundsAtWeChat(placed.orderNo)).toEqual([]);
    expect((await kit.order<StoredRefunds>(placed.orderNo))?.refunds.map((r) => r.status)).toEqual([
      'PROCESSING',
    ]);
    expect((await ship.stored(shipped.orderNo)).shipping?.state).toBe('SHIPPED');

    await kit.moveClock('advance', { ms: SWEEP_EVERY_MS });
    expect(await lastSweep()).toEqual(expect.objectContaining({ complete: true, errors: [] }));
    expect(await refundsAtWeChat(placed.orderNo)).toEqual([[request.refundNo, 1000]]);
    expect(['CONFIRMED', 'SETTLED']).toContain((await ship.stored(shipped.orderNo)).shipping?.state);
  },
  SLOW_TEST_MS,
);

test(
  'virtual goods whose upload the sweep had no time left to start: no try is noted (WeChat was not asked); the next run ships them',
  async () => {
    const { orderNo, transactionId } = await ship.paid('voucher-coffee');
    // The payment callback tried once: WeChat did not know the payment yet (10060001).
    const noted = (await ship.stored(orderNo)).shipping?.retry;
    expect(noted).toEqual(
      expect.objectContaining({ attempts: 1, lastError: expect.stringContaining('10060001') }),
    );
    // A new instance asks is_trade_managed before the upload (an instance keeps the answer an hour).
    await kit.freshInstances('closeExpiredOrders');
    // Answered after 5 s, or cut off at 6 s, it leaves less than the 3 s the upload needs.
    await slow('shipping.isTradeManaged', 5000);
    await kit.moveClock('advance', { ms: SWEEP_EVERY_MS });
    expect(await lastSweep()).toEqual(expect.objectContaining({ virtualShipped: 0, complete: false }));
    const after = (await ship.stored(orderNo)).shipping;
    expect(after).toEqual(expect.objectContaining({ state: 'AWAITING', count: 0, retry: noted }));
    expect(after).not.toHaveProperty('uploadingSince');
    expect((await ship.atWeChat(transactionId))?.order_state).toBe(1);

    await kit.moveClock('advance', { ms: SWEEP_EVERY_MS });
    expect((await ship.stored(orderNo)).shipping).toEqual(
      expect.objectContaining({ state: 'SHIPPED', count: 1, retry: null }),
    );
    expect((await ship.atWeChat(transactionId))?.shipping?.finish_shipping_count).toBe(1);
  },
  SLOW_TEST_MS,
);

test(
  "a buyer's close left no time to send it by a slow query is not recorded as asked: the prepay is handed out again, and a close with time closes it",
  async () => {
    const placed = await kit.ok(BUYER, 'unifiedOrder', { items: [{ sku: 'latte', quantity: 1 }] });
    const { orderNo } = placed;
    // Within WeChat's 5 minutes a close asks WeChat (its query) and is refused: closeOrder's
    // instance has asked WeChat once, and loaded what that takes.
    expect(await kit.call(BUYER, 'closeOrder', { orderNo })).toEqual(
      expect.objectContaining({ ok: false, code: 'CLOSE_TOO_EARLY' }),
    );
    await kit.moveClock('advance', { ms: SWEEP_EVERY_MS });
    // 3 s for the query, of closeOrder's 6, leaves less than the 3 s the close needs
    // (ANSWER_RESERVE_MS + MIN_PAY_WAIT_MS): it is not sent.
    await slow('queryOrder', 3000);
    expect(await kit.call(BUYER, 'closeOrder', { orderNo })).toEqual(
      expect.objectContaining({
        ok: false,
        code: 'PAY_PROVIDER_ERROR',
        message: expect.stringContaining('too little'),
      }),
    );
    const stored = (await kit.order<{ outTradeNo: string; attempts: Array<Record<string, unknown>> }>(
      orderNo,
    ))!;
    expect(stored.attempts).toHaveLength(1);
    expect(stored.attempts[0]).not.toHaveProperty('closeAskedAt');
    expect((await kit.trade(stored.outTradeNo))!.state).toBe('NOTPAY');

    // The buyer pays after all: the same prepay, WeChat's trade still payable.
    expect((await kit.ok(BUYER, 'unifiedOrder', { orderNo })).payment).toEqual(placed.payment);
    expect((await kit.ok(BUYER, 'closeOrder', { orderNo })).order.status).toBe('CLOSED');
    expect((await kit.trade(stored.outTradeNo))!.state).toBe('CLOSED');
  },
  SLOW_TEST_MS,
);

test(
  'the daily bill run begins no earlier day in the last seconds of its time: the day left is reconciled by the next run, its slow bill answered in time',
  async () => {
    // Ten days on: the days the run looks back at (CATCH_UP_DAYS before yesterday) have no report.
    // Yesterday's bill takes 3.5 s of the 8; the first earlier day's, 2.5 s, would be cut off with
    // what is left then (the day left unreconciled, logged as failed again).
    await slow('downloadBill', 3500);
    await slow('downloadBill', 2500);
    await kit.moveClock('advance', { ms: 10 * DAY_MS });
    expect(await armedFaults()).toEqual([[providerFault('downloadBill', 'SLOW').api, 1]]);

    // The next run begins the oldest day without a report first: its bill is the slow one.
    const { now } = await kit.moveClock('advance', { ms: DAY_MS });
    expect(await armedFaults()).toEqual([]);
    const oldest = beijingDay(now - (CATCH_UP_DAYS + 1) * DAY_MS);
    expect(await readDoc(sandbox.url, 'paykit_bills', oldest)).toEqual(
      expect.objectContaining({ billDate: oldest }),
    );
  },
  SLOW_TEST_MS,
);

/** Moves the clock to 11:00 Beijing time the next day, after that morning's 10:30 bill run; the new time. */
async function nextBeijingEleven(): Promise<number> {
  const { now } = await get<{ now: number }>(`${sandbox.url}/sandbox/clock`);
  const today = beijingDayRange(beijingDay(now))!;
  return (await kit.moveClock('advance', { ms: today.to + 11 * 3600_000 - now })).now;
}

test(
  'a day the bill catch-up begins but has no time left to finish (a call to WeChat it cannot start) is no failure: the run stops there, and the next run reconciles the day',
  async () => {
    const now = await nextBeijingEleven();
    const day = beijingDay(now);
    // The days before it have their reports: two runs on, the catch-up has this day alone to do.
    for (let i = 1; i <= CATCH_UP_DAYS; i++)
      await kit.ok(ADMIN, 'downloadBill', { billDate: beijingDay(now - i * DAY_MS) });
    // That day, a payment not matching its order (held for an admin), which the merchant refunds
    // on the merchant platform unknown to the kit: reconciling the day asks WeChat about it.
    const placed = await kit.ok(BUYER, 'unifiedOrder', { items: [{ sku: 'latte', quantity: 1 }] });
    await storeOrderAmount(sandbox.url, placed.orderNo, 2801);
    expect((await kit.pay(BUYER, placed.payment)).errMsg).toBe('requestPayment:ok');
    await kit.settle();
    const { outTradeNo } = (await kit.order<{ outTradeNo: string }>(placed.orderNo))!;
    await post(`${sandbox.url}/sandbox/pay/refunds`, { outTradeNo });
    await kit.settle();
    expect(await status(placed.orderNo)).toBe('PAYERROR');

    // The next morning WeChat fails that day's bill: the day is left for the catch-up.
    await post(`${sandbox.url}/sandbox/pay/faults`, {
      ...providerFault('downloadBill', 'SYSTEMERROR'),
      count: 1,
    });
    await nextBeijingEleven();
    expect(await readDoc(sandbox.url, 'paykit_bills', day)).toBeNull();

    // The morning after, yesterday's bill comes at once and that day's in 5 s of the 8: what
    // reconciling it asks next (on cloudPay the trade, whose refund the bill shows; on APIv3 the
    // bill's download) has less than the 3 s a call needs (ANSWER_RESERVE_MS + MIN_PAY_WAIT_MS),
    // and is not started.
    await slow('downloadBill', 1);
    await slow('downloadBill', 5000);
    const stopped = await nextBeijingEleven();
    expect(await armedFaults()).toEqual([]);
    expect(await readDoc(sandbox.url, 'paykit_bills', day)).toBeNull();
    expect(await status(placed.orderNo)).toBe('PAYERROR');
    // Not a failure: the run answers yesterday's report and logs no error for the day left.
    const run = await lastBillRun();
    expect(run.result).toEqual(
      expect.objectContaining({
        ok: true,
        data: expect.objectContaining({ billDate: beijingDay(stopped - DAY_MS) }),
      }),
    );
    expect(run.logs.filter((l) => l.level === 'error')).toEqual([]);

    // The next run reconciles it: the refund is the merchant's, made on the merchant platform.
    await nextBeijingEleven();
    expect(await readDoc(sandbox.url, 'paykit_bills', day)).toEqual(
      expect.objectContaining({
        billDate: day,
        discrepancies: expect.arrayContaining([
          expect.objectContaining({ kind: 'REFUNDED_OUTSIDE_KIT', orderNo: placed.orderNo }),
        ]),
      }),
    );
    expect(await status(placed.orderNo)).toBe('REFUND');
  },
  SLOW_TEST_MS,
);
