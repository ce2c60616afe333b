/** @jest-environment node */
/**
 * A merchant hook that fails (the merchant's own system down) is retried, but not at a caller's
 * pace: any user can replay a payment or refund callback, and each replay is a runner. A hook that
 * threw waits for its retry time (30 s after its claim, then 1, 2 and 4 minutes) whoever comes back
 * for it; the sweep still retries it at every run, and it finishes once the system is back. The
 * kit's functions are bundled with the merchant's hooks, which fail while their system is marked
 * down in the database; the clock is the sandbox's, frozen and moved by the test.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { bundleWithHooks } from '../../build/integrate-hooks';
import { callAs, post, query, readDoc, seed } from '../helpers/control';
import { functionsWithTimeouts, startKitSandbox, type KitClient } from '../helpers/kit';
import { ROOT, type SandboxProcess } from '../helpers/sandbox';

const ADMIN = 'o-admin-hook-retries';
const BUYER = 'o-buyer-hook-retries';
/** The merchant's systems, by order number (onPaid) or refund number (onRefunded): `down` or not. */
const OUTAGES = 'merchant_outages';
const SWEEP_EVERY_MS = 5 * 60_000;
/** Replays of a callback within one wait. */
const REPLAYS = 5;

/** The merchant's hooks (JavaScript, as a host app may write them): each fails while its system is down. */
const HOOKS = `
async function isDown(db, id) {
  const { data } = await db.collection(${JSON.stringify(OUTAGES)}).where({ _id: id, down: true }).get();
  return data.length > 0;
}
export async function onPaid(order, db) {
  if (await isDown(db, order._id)) throw new Error('the warehouse system is down');
}
export async function onRefunded(order, refund, db) {
  if (await isDown(db, refund.outRefundNo)) throw new Error('the ledger system is down');
}
`;

let functions: string;
let sandbox: SandboxProcess;
let kit: KitClient;

beforeAll(async () => {
  // The kit's functions bundled with the merchant's hooks, as `integrate` deploys them.
  functions = functionsWithTimeouts({});
  const hooks = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-failing-hooks-')), 'hooks.js');
  fs.writeFileSync(hooks, HOOKS);
  bundleWithHooks(ROOT, functions, hooks, functions);
  fs.rmSync(path.dirname(hooks), { recursive: true, force: true });
  ({ sandbox, kit } = await startKitSandbox(ADMIN, { functions }));
});

afterAll(async () => {
  await sandbox?.stop();
  if (functions) fs.rmSync(functions, { recursive: true, force: true });
});

interface StoredHook {
  state: string;
  runs: number;
  lastError?: string;
  claimedAt?: string;
  retryAt?: string;
}
interface StoredOrder {
  fulfilment?: StoredHook;
  refunds: Array<{ outRefundNo: string; status: string; hook?: StoredHook }>;
}

const stored = async (orderNo: string) =>
  (await readDoc<StoredOrder>(sandbox.url, 'paykit_orders', orderNo))!;
/** How long after its last claim a failed hook may run again. */
const waitOf = (hook: StoredHook) => Date.parse(hook.retryAt ?? '') - Date.parse(hook.claimedAt ?? '');
const hookRuns = async (orderNo: string, hook: 'onPaid' | 'onRefunded') =>
  (await query(sandbox.url, 'paykit_hook_runs', { orderNo, hook })).length;
const markDown = (id: string, down: boolean) => seed(sandbox.url, { [OUTAGES]: [{ _id: id, down }] });
/** WeChat's next notification of that kind is held back for good: the test's calls are the only runners. */
const holdNotification = (kind: 'payment' | 'refund') =>
  post(`${sandbox.url}/sandbox/pay/callbacks`, { mode: 'hold', kind, count: 1 });
/** A user calls a callback function with a notification's event, as any user can, as often as they like. */
const replay = (fn: 'payCallback' | 'refundCallback', event: Record<string, unknown>) =>
  callAs<{ errcode: number; errmsg: string }>(sandbox.url, BUYER, fn, event);
const advance = (by: number) => kit.moveClock('advance', { ms: by });

/**
 * A paid order whose onPaid failed once: its system down, WeChat's notification held, the payment
 * recorded by the buyer's query of the order, which ran the hook.
 */
async function paidWhileWarehouseDown() {
  const placed = await kit.ok(BUYER, 'unifiedOrder', { items: [{ sku: 'latte', quantity: 1 }] });
  await markDown(placed.orderNo, true);
  await holdNotification('payment');
  expect((await kit.pay(BUYER, placed.payment)).errMsg).toBe('requestPayment:ok');
  await kit.settle();
  expect((await kit.ok(BUYER, 'queryOrder', { orderNo: placed.orderNo })).order.status).toBe('SUCCESS');
  expect(await hookRuns(placed.orderNo, 'onPaid')).toBe(1);
  return { orderNo: placed.orderNo, event: { outTradeNo: `${placed.orderNo}A01` } };
}

test('a failed onPaid is not run again by replayed callbacks before its retry time; the next runner after it runs it', async () => {
  const { orderNo, event } = await paidWhileWarehouseDown();
  const failed = (await stored(orderNo)).fulfilment!;
  expect(failed).toEqual(
    expect.objectContaining({ state: 'PENDING', runs: 1, lastError: 'the warehouse system is down' }),
  );
  expect(waitOf(failed)).toBe(30_000);

  // Replayed within the wait: not acknowledged (the hook is not done), and the hook is not run.
  const notDone = { errcode: 1, errmsg: 'paid, but the onPaid hook is FAILED; retry' };
  for (let i = 0; i < REPLAYS; i++) expect(await replay('payCallback', event)).toEqual(notDone);
  await advance(29_000);
  expect(await replay('payCallback', event)).toEqual(notDone);
  expect(await hookRuns(orderNo, 'onPaid')).toBe(1);

  // Its time came: the next runner runs it; it fails again, and waits twice as long.
  await advance(1_000);
  expect(await replay('payCallback', event)).toEqual(notDone);
  expect(await hookRuns(orderNo, 'onPaid')).toBe(2);
  const again = (await stored(orderNo)).fulfilment!;
  expect(waitOf(again)).toBe(60_000);
  for (let i = 0; i < REPLAYS; i++) expect(await replay('payCallback', event)).toEqual(notDone);
  expect(await hookRuns(orderNo, 'onPaid')).toBe(2);

  // The warehouse is back: once the wait is over, the hook finishes and the callback is acknowledged.
  await markDown(orderNo, false);
  await advance(60_000);
  expect(await replay('payCallback', event)).toEqual({ errcode: 0, errmsg: '' });
  expect((await stored(orderNo)).fulfilment?.state).toBe('DONE');
  expect(await hookRuns(orderNo, 'onPaid')).toBe(3);
});

test('a failed onRefunded is not run again by replayed callbacks before its retry time; the next runner after it runs it', async () => {
  const placed = await kit.ok(BUYER, 'unifiedOrder', { items: [{ sku: 'latte', quantity: 1 }] });
  await kit.payAndConfirm(BUYER, placed);
  const { orderNo } = placed;
  const refundNo = `${orderNo}-R1`;
  await markDown(refundNo, true);
  await holdNotification('refund');
  await kit.ok(ADMIN, 'refund', { orderNo, refundFee: 800, refundNo });
  await kit.settle();

  // The buyer replays the refund's notification: WeChat's answer settles the refund, and onRefunded
  // runs and fails. Replays within its wait do not run it.
  const event = { outTradeNo: `${orderNo}A01`, outRefundNo: refundNo };
  const notDone = { errcode: 1, errmsg: 'refund recorded, but the onRefunded hook is FAILED; retry' };
  expect(await replay('refundCallback', event)).toEqual(notDone);
  const failed = (await stored(orderNo)).refunds[0].hook!;
  expect(failed).toEqual(
    expect.objectContaining({ state: 'PENDING', runs: 1, lastError: 'the ledger system is down' }),
  );
  expect(waitOf(failed)).toBe(30_000);
  for (let i = 0; i < REPLAYS; i++) expect(await replay('refundCallback', event)).toEqual(notDone);
  expect(await hookRuns(orderNo, 'onRefunded')).toBe(1);

  await advance(30_000);
  expect(await replay('refundCallback', event)).toEqual(notDone);
  expect(await hookRuns(orderNo, 'onRefunded')).toBe(2);
  for (let i = 0; i < REPLAYS; i++) expect(await replay('refundCallback', event)).toEqual(notDone);
  expect(await hookRuns(orderNo, 'onRefunded')).toBe(2);

  await markDown(refundNo, false);
  await advance(60_000);
  expect(await replay('refundCallback', event)).toEqual({ errcode: 0, errmsg: '' });
  expect((await stored(orderNo)).refunds[0].hook?.state).toBe('DONE');
  expect(await hookRuns(orderNo, 'onRefunded')).toBe(3);
});

test('the sweep retries a failing hook at every run, its waits growing no longer than a run apart', async () => {
  const { orderNo, event } = await paidWhileWarehouseDown();
  // Waits of 30 s, 1, 2 and 4 minutes, then 4 again: each run of the sweep finds the hook due.
  for (let run = 2; run <= 6; run++) {
    await advance(SWEEP_EVERY_MS);
    expect(await hookRuns(orderNo, 'onPaid')).toBe(run);
  }
  const last = (await stored(orderNo)).fulfilment!;
  expect(waitOf(last)).toBe(4 * 60_000);

  await markDown(orderNo, false);
  await advance(SWEEP_EVERY_MS);
  expect((await stored(orderNo)).fulfilment?.state).toBe('DONE');
  expect(await hookRuns(orderNo, 'onPaid')).toBe(7);
  expect(await replay('payCallback', event)).toEqual({ errcode: 0, errmsg: '' });
});
