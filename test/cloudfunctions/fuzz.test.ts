/** @jest-environment node */
/**
 * Malformed events thrown at every kit function, as any client could (every cloud function can be
 * called from the mini-program). Each must answer an error — never crash — and leave the
 * database as it was.
 */
import { get, post } from '../helpers/control';
import { startKitSandbox, type KitClient } from '../helpers/kit';
import type { SandboxProcess } from '../helpers/sandbox';

let sandbox: SandboxProcess;
let kit: KitClient;
const ADMIN = 'o-admin-fuzz';

const FUNCTIONS = [
  'unifiedOrder',
  'queryOrder',
  'closeOrder',
  'listOrders',
  'listProducts',
  'refund',
  'downloadBill',
  'payCallback',
  'refundCallback',
  'payNotify',
  'refundNotify',
  'closeExpiredOrders',
  'reconcileBills',
  'shipOrder',
  'listToShip',
  'confirmReceipt',
  'shippingEvents',
];
const COLLECTIONS = [
  'paykit_orders',
  'paykit_products',
  'paykit_deliveries',
  'paykit_hook_runs',
  'paykit_bills',
  'paykit_shipping_events',
];
const KEYS = [
  'items',
  'orderNo',
  'requestKey',
  'refundFee',
  'refundNo',
  'reason',
  'status',
  'cursor',
  'pageSize',
  'billDate',
  'repair',
  'outTradeNo',
  'outRefundNo',
  'totalFee',
  'resultCode',
  'refundStatus',
  'openid',
  'amount',
  'packages',
  'method',
  'Event',
  'transaction_id',
  '__proto__',
  'constructor',
];

/** mulberry32: the same "random" events on every run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function value(rand: () => number, depth = 0): unknown {
  const pool: Array<() => unknown> = [
    () => null,
    () => 0,
    () => -1,
    () => 1.5,
    () => 1e21,
    () => Number.MAX_SAFE_INTEGER + 2,
    () => '',
    () => 'x'.repeat(5000),
    () => '<script>',
    () => 'PK2026112812000000000000',
    () => 'PK2026112812000000000000A01',
    () => '20261301',
    () => 'SUCCESS',
    () => true,
    () => ({ $gt: '' }),
    () => [],
    () => (depth < 2 ? [value(rand, depth + 1), value(rand, depth + 1)] : []),
    () => (depth < 2 ? { sku: value(rand, depth + 1), quantity: value(rand, depth + 1) } : {}),
    () => [{ sku: 'latte', quantity: -3 }],
    () => [{ sku: { $ne: null }, quantity: 1 }],
  ];
  return pool[Math.floor(rand() * pool.length)]();
}

function event(rand: () => number): unknown {
  const shape = rand();
  if (shape < 0.1) return value(rand);
  const e: Record<string, unknown> = {};
  const n = 1 + Math.floor(rand() * 4);
  for (let i = 0; i < n; i++) e[KEYS[Math.floor(rand() * KEYS.length)]] = value(rand);
  return e;
}

beforeAll(async () => {
  ({ sandbox, kit } = await startKitSandbox(ADMIN, { freeze: false }));
  // Some real state for malformed events to (fail to) touch.
  const placed = await kit.ok('o-owner', 'unifiedOrder', { items: [{ sku: 'latte', quantity: 1 }] });
  await kit.pay('o-owner', placed.payment);
  await kit.settle();
  await kit.orderReaches(placed.orderNo, 'SUCCESS');
  await kit.ok('o-owner', 'unifiedOrder', { items: [{ sku: 'latte', quantity: 2 }] });
});

afterAll(async () => {
  await sandbox?.stop();
});

const snapshot = () =>
  get<Record<string, unknown[]>>(`${sandbox.url}/sandbox/db/export?collections=${COLLECTIONS.join(',')}`);

test.each(FUNCTIONS)('%s answers malformed events with an error and changes nothing', async (name) => {
  const before = await snapshot();
  const rand = prng(name.length * 7919);
  for (let i = 0; i < 25; i++) {
    const data = event(rand);
    const openid = i % 3 === 0 ? ADMIN : `o-fuzz-${i % 4}`;
    // The admin invoke route takes any JSON as the event (the gateway only objects).
    const { result } = await post<{ result: unknown }>(`${sandbox.url}/sandbox/functions/${name}/invoke`, {
      data,
      openid,
      source: 'wx_client',
    });
    const answer = result as { ok?: boolean; code?: string; message?: string; errcode?: number };
    if (name.endsWith('Callback')) {
      expect(answer.errcode).not.toBe(0);
    } else if (name.endsWith('Notify')) {
      // An integration request that is no signed notification: refused, never acknowledged.
      expect((answer as { statusCode?: number }).statusCode).toBeGreaterThanOrEqual(400);
    } else if (answer.ok !== false) {
      // Only a read-only request with nothing wrong in it may succeed (shippingEvents answers what
      // it ignored).
      expect(['listOrders', 'listProducts', 'listToShip', 'shippingEvents']).toContain(name);
    } else {
      expect(answer.code).toMatch(/^(INVALID_PARAM|ORDER_NOT_FOUND|PRODUCT_NOT_FOUND|FORBIDDEN)$/);
      expect(typeof answer.message).toBe('string');
    }
  }
  expect(await snapshot()).toEqual(before);
  const { logs } = await get<{ logs: Array<{ error?: string }> }>(
    `${sandbox.url}/sandbox/logs?name=${name}&limit=100`,
  );
  expect(logs.filter((l) => l.error)).toEqual([]);
});
