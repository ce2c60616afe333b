/** @jest-environment node */
/**
 * Claims held by a runner whose function has a long time limit, on either provider. A merchant may
 * raise a function's config.json `timeout` up to 900 s (SCF); the kit's upload claim and hook claim
 * then last until the platform would stop their runner's invocation, not a fixed minute: a runner
 * still waiting on WeChat (or in the merchant's hook) past 60 s keeps its claim, and a second runner
 * neither uploads again (which would spend the order's one re-shipment) nor runs the hook beside
 * it; a call's claim on a client retry key (30 s) is not taken over while that call may still write
 * its order. A claim written before lapses were recorded keeps its fixed lease. The functions' Date is
 * the test clock, moved while the first runner is at work; WeChat is slowed with the sandbox's SLOW
 * fault, and the merchant's hook waits for the test's word (a gate document), so real waits stay short.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { bundleWithHooks } from '../../build/integrate-hooks';
import { requestKeyId } from '../../cloudfunctions/common/ids';
import { del, eventually, post, query, readDoc, seed } from '../helpers/control';
import { functionsWithTimeouts, startKitSandbox, type KitClient } from '../helpers/kit';
import { ROOT, type SandboxProcess } from '../helpers/sandbox';
import { ShippingKit, zto, type StoredOrder } from '../helpers/shipping-kit';

const ADMIN = 'o-admin-long-claims';
const BUYER = 'o-buyer-long-claims';
/** The limits a merchant with long work set (seconds): the notifications' functions have the most. */
const SHIP_LIMIT_S = 300;
const ORDER_LIMIT_S = 300;
const NOTIFY_LIMIT_S = 900;
/** The old fixed lease (shipping-states.ts UPLOAD_LEASE_MS, fulfil.ts HOOK_LEASE_MS). */
const LEASE_MS = 60_000;
/** A request key's (orders.ts KEY_ABANDONED_MS). */
const KEY_LEASE_MS = 30_000;
const SWEEP_EVERY_MS = 5 * 60_000;
/** WeChat's slow upload: long enough for the clock's move and a second shipOrder meanwhile. */
const SLOW_UPLOAD_MS = 8000;
const TEST_MS = 40_000;
/** The merchant's onPaid for this product waits for its gate document (their warehouse, say). */
const GATED_SKU = 'gated-fulfil';
const GATES = 'merchant_fulfil_gates';

/** The merchant's hooks (JavaScript, as a host app may write them): onPaid of GATED_SKU waits for its gate. */
const HOOKS = `
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export async function onPaid(order, db) {
  if (!order.items.some((i) => i.sku === ${JSON.stringify(GATED_SKU)})) return;
  for (let waited = 0; waited < 30000; waited += 100) {
    const { data } = await db.collection(${JSON.stringify(GATES)}).where({ _id: order._id }).get();
    if (data.length) return;
    await sleep(100);
  }
  throw new Error('the gate never opened');
}
export async function onRefunded() {}
`;

let functions: string;
let sandbox: SandboxProcess;
let kit: KitClient;
let ship: ShippingKit;

beforeAll(async () => {
  functions = functionsWithTimeouts({
    shipOrder: SHIP_LIMIT_S,
    unifiedOrder: ORDER_LIMIT_S,
    payCallback: NOTIFY_LIMIT_S,
    payNotify: NOTIFY_LIMIT_S,
  });
  // The kit's functions bundled with the merchant's hooks, as `integrate` deploys them.
  const hooks = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-gated-hooks-')), 'hooks.js');
  fs.writeFileSync(hooks, HOOKS);
  bundleWithHooks(ROOT, functions, hooks, functions);
  fs.rmSync(path.dirname(hooks), { recursive: true, force: true });
  ({ sandbox, kit } = await startKitSandbox(ADMIN, { functions }));
  ship = new ShippingKit(kit, BUYER);
  await seed(sandbox.url, {
    paykit_products: [{ _id: GATED_SKU, name: '定制礼盒', price: 5200, active: true, delivery: 'express' }],
    [GATES]: [{ _id: 'none' }],
  });
}, TEST_MS);

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
  fulfilment?: { state: string };
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

test(
  "onPaid's claim outlasts the minute while its runner's long invocation is in the hook: the sweep does not run it beside",
  async () => {
    const placed = await kit.ok(BUYER, 'unifiedOrder', { items: [{ sku: GATED_SKU, quantity: 1 }] });
    expect((await kit.pay(BUYER, placed.payment)).errMsg).toBe('requestPayment:ok');
    // The notification's function recorded the payment and is in onPaid, waiting for the gate.
    await eventually(
      async () => ((await stored(placed.orderNo)).fulfilment?.state === 'RUNNING' ? true : undefined),
      10_000,
      'onPaid to be claimed',
    );
    // The sweep comes more than the old lease later and finds the hook claimed: it leaves it.
    await kit.clock('advance', { ms: SWEEP_EVERY_MS + LEASE_MS });
    await kit.settleTimers();
    const runs = () => query(sandbox.url, 'paykit_hook_runs', { orderNo: placed.orderNo, hook: 'onPaid' });
    expect(await runs()).toHaveLength(1);
    expect((await stored(placed.orderNo)).fulfilment?.state).toBe('RUNNING');

    await seed(sandbox.url, { [GATES]: [{ _id: placed.orderNo }] });
    await kit.settle();
    expect((await stored(placed.orderNo)).fulfilment?.state).toBe('DONE');
    expect(await runs()).toHaveLength(1);
  },
  TEST_MS,
);

describe('a client retry key', () => {
  interface KeyDoc {
    orderNo: string;
    claimedAt: string;
    claimedUntil?: string;
  }
  const keyDoc = async (openid: string, requestKey: string) =>
    (await readDoc<KeyDoc>(sandbox.url, 'paykit_request_keys', requestKeyId(openid, requestKey)))!;
  const latte = (requestKey: string) => ({ items: [{ sku: 'latte', quantity: 1 }], requestKey });
  const CONFLICT = expect.objectContaining({ ok: false, code: 'ORDER_STATE_CONFLICT' });

  /**
   * What a call that claimed `requestKey` just now and has not written its order (yet, or ever)
   * leaves: its claim lapsing `lapsesInMs` later, or recording no lapse (claimed before they were).
   */
  async function claimedKey(openid: string, requestKey: string, lapsesInMs?: number): Promise<void> {
    const { now } = await kit.clock('advance', { ms: 0 });
    const keyId = requestKeyId(openid, requestKey);
    const claim = {
      claimedAt: ejsonDate(now),
      ...(lapsesInMs ? { claimedUntil: ejsonDate(now + lapsesInMs) } : {}),
    };
    await seed(sandbox.url, {
      paykit_request_keys: [{ _id: keyId, openid, orderNo: 'PK20240315103000999999', ...claim }],
    });
  }

  test('a call records its claim on the key as lasting until its invocation would be stopped', async () => {
    const openid = 'o-key-long-claims';
    const placed = await kit.ok(openid, 'unifiedOrder', latte('tap-long-1'));
    const recorded = await keyDoc(openid, 'tap-long-1');
    expect(recorded.orderNo).toBe(placed.orderNo);
    // ORDER_LIMIT_S from the invocation's start, less what had passed when the key was claimed.
    const held = Date.parse(recorded.claimedUntil ?? '') - Date.parse(recorded.claimedAt);
    expect(held).toBeGreaterThan(ORDER_LIMIT_S * 1000 - 30_000);
    expect(held).toBeLessThanOrEqual(ORDER_LIMIT_S * 1000);
  });

  test(
    'a key whose claiming call may still be writing its order is not taken over after 30 s; once that call would have been stopped, it is',
    async () => {
      const openid = 'o-key-long-claims';
      await claimedKey(openid, 'tap-long-2', ORDER_LIMIT_S * 1000);
      await kit.moveClock('advance', { ms: KEY_LEASE_MS + 1000 });
      expect(await kit.call(openid, 'unifiedOrder', latte('tap-long-2'))).toEqual(CONFLICT);
      await kit.moveClock('advance', { ms: ORDER_LIMIT_S * 1000 });
      const retry = await kit.ok(openid, 'unifiedOrder', latte('tap-long-2'));
      expect((await keyDoc(openid, 'tap-long-2')).orderNo).toBe(retry.orderNo);
    },
    TEST_MS,
  );

  test(
    'claimed before lapses were recorded, it keeps its 30 s: then a retry takes it over',
    async () => {
      const openid = 'o-key-old-claims';
      await claimedKey(openid, 'tap-old-1');
      expect(await kit.call(openid, 'unifiedOrder', latte('tap-old-1'))).toEqual(CONFLICT);
      await kit.moveClock('advance', { ms: KEY_LEASE_MS });
      const retry = await kit.ok(openid, 'unifiedOrder', latte('tap-old-1'));
      expect((await keyDoc(openid, 'tap-old-1')).orderNo).toBe(retry.orderNo);
    },
    TEST_MS,
  );
});
