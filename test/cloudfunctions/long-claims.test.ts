/** @jest-environment node */
/**
 * Claims held by a runner whose function has a long time limit, on either provider. A merchant may
 * raise a function's config.json `timeout` up to 900 s (SCF); the kit's upload claim then lasts
 * until the platform would stop its runner's invocation, not a fixed minute: a runner still waiting
 * on WeChat past 60 s keeps its claim, and a second runner does not upload again (which would spend
 * the order's one re-shipment). A claim written before lapses were recorded keeps its fixed lease.
 * The functions' Date is the test clock, moved while the first runner is at work; WeChat is slowed
 * with the sandbox's SLOW fault, so real waits stay short.
 */
import * as fs from 'fs';
import { del, eventually, post, query, seed } from '../helpers/control';
import { functionsWithTimeouts, startKitSandbox, type KitClient } from '../helpers/kit';
import type { SandboxProcess } from '../helpers/sandbox';
import { ShippingKit, zto, type StoredOrder } from '../helpers/shipping-kit';

const ADMIN = 'o-admin-long-claims';
const BUYER = 'o-buyer-long-claims';
/** The limit a merchant with long work set (seconds). */
const SHIP_LIMIT_S = 300;
/** The old fixed lease (shipping-states.ts UPLOAD_LEASE_MS). */
const LEASE_MS = 60_000;
/** WeChat's slow upload: long enough for the clock's move and a second shipOrder meanwhile. */
const SLOW_UPLOAD_MS = 8000;
const TEST_MS = 40_000;

let functions: string;
let sandbox: SandboxProcess;
let kit: KitClient;
let ship: ShippingKit;

beforeAll(async () => {
  functions = functionsWithTimeouts({ shipOrder: SHIP_LIMIT_S });
  ({ sandbox, kit } = await startKitSandbox(ADMIN, { functions }));
  ship = new ShippingKit(kit, BUYER);
});

afterAll(async () => {
  await sandbox?.stop();
  if (functions) fs.rmSync(functions, { recursive: true, force: true });
});

// A fault whose call never came must not strike the next test.
afterEach(() => del(`${sandbox.url}/sandbox/pay/faults`));

/** WeChat's next upload_shipping_info is carried out at once and answered `delayMs` of real time later. */
const slowUpload = (delayMs: number) =>
  post(`${sandbox.url}/sandbox/pay/faults`, {
    api: 'shipping.uploadShippingInfo',
    error: 'SLOW',
    delayMs,
    count: 1,
  });

interface Claimed {
  shipping?: { uploadingSince?: unknown };
}
const stored = async (orderNo: string) => (await kit.order<StoredOrder & Claimed>(orderNo))!;
const ejsonDate = (ms: number) => ({ $date: new Date(ms).toISOString() });

/**
 * What a shipOrder that claimed the upload of `orderNo` just now and died leaves: its claim, with
 * `claim` (the dates as EJSON) set on the order as stored.
 */
async function uploadClaimedNow(orderNo: string, claim: (now: number) => Record<string, unknown>) {
  const { now } = await kit.clock('advance', { ms: 0 });
  // The stored document as exported (EJSON: its dates stay dates when imported again).
  const [order] = await query<{ shipping: Record<string, unknown> }>(sandbox.url, 'paykit_orders', {
    _id: orderNo,
  });
  await seed(sandbox.url, { paykit_orders: [{ ...order, shipping: { ...order.shipping, ...claim(now) } }] });
}

test(
  "an upload claim outlasts the minute while its runner's long invocation waits on WeChat: a second shipOrder does not upload again",
  async () => {
    const { orderNo, transactionId } = await ship.paidAndKnown('tea-oolong');
    await slowUpload(SLOW_UPLOAD_MS);
    let firstAnswered = false;
    const first = kit.call(ADMIN, 'shipOrder', { orderNo, packages: [zto('ZT9100000001')] }).finally(() => {
      firstAnswered = true;
    });
    await eventually(async () => (await stored(orderNo)).shipping?.uploadingSince, 5000, 'the upload claim');

    // More than the old lease later (the functions' Date moves with the clock), the admin corrects
    // the tracking number while the first upload still waits for WeChat's answer.
    await kit.moveClock('advance', { ms: LEASE_MS + 1000 });
    const second = await kit.call(ADMIN, 'shipOrder', { orderNo, packages: [zto('ZT9100000002')] });
    // The case under test: the second runner came while the first still held its claim.
    expect(firstAnswered).toBe(false);
    expect(second).toEqual(expect.objectContaining({ ok: false, code: 'ORDER_STATE_CONFLICT' }));

    expect(await first).toEqual(
      expect.objectContaining({ ok: true, data: expect.objectContaining({ shipping: expect.anything() }) }),
    );
    const shipping = (await stored(orderNo)).shipping;
    expect(shipping).toEqual(expect.objectContaining({ state: 'SHIPPED', count: 1 }));
    expect(shipping?.shipments.map((s) => s.packages[0].trackingNo)).toEqual(['ZT9100000001']);
    expect(shipping).not.toHaveProperty('uploadingSince');
    expect(shipping).not.toHaveProperty('uploadingUntil');
    // One upload at WeChat: the re-shipment is still the admin's to use.
    expect((await ship.atWeChat(transactionId))?.shipping?.finish_shipping_count).toBe(1);
  },
  TEST_MS,
);

test(
  "a claim lapses when its runner's invocation would have been stopped: after a runner died, the next upload goes through then, not before",
  async () => {
    const { orderNo, transactionId } = await ship.paidAndKnown('tea-oolong');
    // The claim lapses at the end of the dead runner's invocation (within its SHIP_LIMIT_S).
    await uploadClaimedNow(orderNo, (now) => ({
      uploadingSince: ejsonDate(now),
      uploadingUntil: ejsonDate(now + SHIP_LIMIT_S * 1000),
    }));
    const packages = [zto('ZT9100000003')];
    await kit.moveClock('advance', { ms: SHIP_LIMIT_S * 1000 - 1000 });
    expect(await kit.call(ADMIN, 'shipOrder', { orderNo, packages })).toEqual(
      expect.objectContaining({ ok: false, code: 'ORDER_STATE_CONFLICT' }),
    );
    await kit.moveClock('advance', { ms: 1000 });
    expect((await kit.ok(ADMIN, 'shipOrder', { orderNo, packages })).shipping.shipCount).toBe(1);
    expect((await ship.atWeChat(transactionId))?.shipping?.finish_shipping_count).toBe(1);
  },
  TEST_MS,
);

test('an upload claim written before lapses were recorded keeps the minute: older, it is taken over', async () => {
  const { orderNo, transactionId } = await ship.paidAndKnown('tea-oolong');
  await uploadClaimedNow(orderNo, (now) => ({ uploadingSince: ejsonDate(now) }));
  const packages = [zto('ZT9100000004')];
  expect(await kit.call(ADMIN, 'shipOrder', { orderNo, packages })).toEqual(
    expect.objectContaining({ ok: false, code: 'ORDER_STATE_CONFLICT' }),
  );
  await kit.moveClock('advance', { ms: LEASE_MS });
  expect((await kit.ok(ADMIN, 'shipOrder', { orderNo, packages })).shipping.shipCount).toBe(1);
  expect((await ship.atWeChat(transactionId))?.shipping?.finish_shipping_count).toBe(1);
});
