/** @jest-environment node */
/**
 * DESIGN.md §3 List: `listOrders` pages newest first by cursor, and "the indexes it needs are
 * declared in the repo" (cloudfunctions/common/indexes.json, which the sandbox creates and the
 * README tells merchants to add in the cloud console). Each of its four query shapes, as
 * `Store.orders` sends them (the caller's or, for admins, everyone's; with or without a status;
 * first page or after a cursor), must be answered from one declared index in its own order: an index
 * that filters but does not sort makes every page sort all the matching orders first.
 */
import { EJSON } from 'bson';
import * as fs from 'fs';
import * as path from 'path';
import { SandboxClock } from '../../sandbox/clock';
import { CloudDatabase, type IndexSpec } from '../../sandbox/cloud/database';
import { planQuery } from '../../sandbox/cloud/query-plan';
import type { SortSpec } from '../../sandbox/cloud/sort';
import { tableName } from '../../sandbox/cloud/store';
import { parseEJSON } from '../../sandbox/cloud/values';
import { ROOT } from '../helpers/sandbox';

const ORDERS = 'paykit_orders';
const declared = JSON.parse(
  fs.readFileSync(path.join(ROOT, 'cloudfunctions/common/indexes.json'), 'utf8'),
) as IndexSpec[];
const indexedFields = new Set(declared.flatMap((ix) => ix.fields.map(([f]) => f)));
const STATUSES = ['NOTPAY', 'SUCCESS', 'CLOSED', 'REFUND'];
const T0 = Date.UTC(2026, 10, 1);
const enc = (v: unknown) => EJSON.stringify(v as Record<string, unknown>, { relaxed: false });

let db: CloudDatabase;

beforeAll(async () => {
  db = new CloudDatabase({ file: ':memory:', clock: new SandboxClock() });
  // Enough orders of enough users for SQLite's statistics to weigh the indexes as a real set would.
  const data = Array.from({ length: 4000 }, (_x, i) =>
    enc({
      _id: `PK${String(i).padStart(22, '0')}`,
      openid: `o-user-${i % 53}`,
      status: STATUSES[i % 4],
      totalFee: 100 + i,
      createdAt: new Date(T0 + (i % 1500) * 60_000),
      expiresAt: new Date(T0 + (i % 1500) * 60_000 + 1_800_000),
    }),
  );
  await db.handle('database.insertDocument', { collectionName: ORDERS, data });
  db.ensureIndexes(declared);
});

afterAll(() => db.close());

/** Store.orders' sort: newest first, the order number breaking ties (the cursor's order). */
const NEWEST_FIRST: SortSpec = [
  ['createdAt', -1],
  ['_id', -1],
];

/** SQLite's plan for the page the sandbox would run for `query` (the same planner it uses). */
function planOf(query: Record<string, unknown>): string {
  const decoded = EJSON.parse(enc(query), { relaxed: false }) as Record<string, unknown>;
  const plan = planQuery(decoded, NEWEST_FIRST, (f) => indexedFields.has(f));
  expect(plan.residual).toBe(false);
  expect(plan.sortInSql).toBe(true);
  return (
    db.sqlite
      .prepare(
        `EXPLAIN QUERY PLAN SELECT rowid FROM ${tableName(ORDERS)} WHERE ${plan.where} ORDER BY ${plan.order} LIMIT 71`,
      )
      .all(...plan.params) as Array<{ detail: string }>
  )
    .map((p) => p.detail)
    .join('\n');
}

const cursorAt = { $lte: new Date(T0 + 700 * 60_000) };

test.each([
  ["the caller's orders", { openid: 'o-user-5' }],
  ["the caller's orders after a cursor", { openid: 'o-user-5', createdAt: cursorAt }],
  ["the caller's orders by status", { openid: 'o-user-5', status: 'SUCCESS' }],
  [
    "the caller's orders by status after a cursor",
    { openid: 'o-user-5', status: 'SUCCESS', createdAt: cursorAt },
  ],
  ["every user's orders (admins)", {}],
  ["every user's orders after a cursor", { createdAt: cursorAt }],
  ["every user's orders by status (admins' tabs)", { status: 'SUCCESS' }],
  ["every user's orders by status after a cursor", { status: 'SUCCESS', createdAt: cursorAt }],
])('%s: one declared index filters and sorts the page', (_what, query) => {
  const plan = planOf(query);
  expect(plan).toMatch(new RegExp(`USING (COVERING )?INDEX ix/${ORDERS}/`));
  expect(plan).not.toMatch(/TEMP B-TREE/);
});

/**
 * The sweep (timers.ts) pages through each of its order sets every 5 minutes; on a merchant with many
 * orders a set that no index serves reads every order, every run. Each query as Store.sweepPage sends
 * it (first page, and after an `_id` cursor) must find its orders from a declared index: an array
 * path (`refunds.*`, `attempts.*`) from a multikey one, a `$or` from one per branch.
 */
describe('the sweep', () => {
  let sweepDb: CloudDatabase;
  const T_NOW = new Date(T0 + 700 * 60_000);
  const PAID = { $in: ['SUCCESS', 'REFUND'] };
  const OPEN = { $in: ['PENDING', 'RUNNING'] };

  /** A paid order's hook: almost always DONE, as on a shop whose hooks work. */
  const hook = (open: boolean) => ({ state: open ? 'PENDING' : 'DONE', runs: 1 });

  beforeAll(async () => {
    sweepDb = new CloudDatabase({ file: ':memory:', clock: new SandboxClock() });
    sweepDb.ensureIndexes(declared);
    const statuses = ['NOTPAY', 'SUCCESS', 'CLOSED', 'REFUND', 'SUCCESS', 'SUCCESS'];
    const data = Array.from({ length: 4000 }, (_x, i) => {
      const status = statuses[i % statuses.length];
      const createdAt = T0 + (i % 1500) * 60_000;
      const paid = status === 'SUCCESS' || status === 'REFUND';
      const shipped = i % 103 === 0;
      const attempts = [{ outTradeNo: `T${i}a`, createdAt }];
      if (i % 7 === 0) attempts.push({ outTradeNo: `T${i}b`, createdAt: createdAt + 60_000 });
      return enc({
        _id: `PK${String(i).padStart(22, '0')}`,
        openid: `o-user-${i % 53}`,
        status,
        createdAt: new Date(createdAt),
        expiresAt: new Date(createdAt + 1_800_000),
        attempts,
        refunds:
          status === 'REFUND'
            ? [
                {
                  outRefundNo: `R${i}`,
                  refundFee: 100,
                  status: i % 389 === 3 ? 'PROCESSING' : 'SUCCESS',
                  createdAt: new Date(createdAt),
                  hook: hook(i % 401 === 3),
                },
              ]
            : [],
        ...(paid && {
          paidAt: new Date(createdAt + 60_000),
          transactionId: `4200${i}`,
          delivery: i % 5 ? 'express' : 'virtual',
          fulfilment: hook(i % 997 === 0),
          shipping: {
            state: i % 101 === 0 ? 'AWAITING' : shipped ? 'SHIPPED' : 'SETTLED',
            count: 1,
            shipments: [],
            ...(shipped && { checkAt: new Date(createdAt + 3_600_000) }),
          },
        }),
      });
    });
    await sweepDb.handle('database.insertDocument', { collectionName: ORDERS, data });
  });

  afterAll(() => sweepDb.close());

  const windowMs = T_NOW.getTime() - 120_000;
  /** A declared index searched in the plan; the side table is searched only for indexed array paths. */
  const index = (name: string) =>
    new RegExp(`SEARCH docs/${ORDERS} USING (COVERING )?INDEX ix/${ORDERS}/${name} `);
  const MULTIKEY = new RegExp(`SEARCH keys/${ORDERS} USING PRIMARY KEY`);
  test.each([
    ['expired', { status: 'NOTPAY', $and: [{ expiresAt: { $lte: T_NOW } }] }, [index('status_expiresAt')]],
    [
      'unpaidAttempted',
      {
        status: 'NOTPAY',
        $and: [
          { 'attempts.createdAt': { $gte: windowMs - 600_000 } },
          { 'attempts.createdAt': { $lt: windowMs } },
        ],
      },
      [index('status_attempts_createdAt'), MULTIKEY],
    ],
    ['refundProcessing', { 'refunds.status': 'PROCESSING' }, [MULTIKEY]],
    [
      'hooksUnfinished',
      { $or: [{ 'fulfilment.state': OPEN }, { 'refunds.hook.state': OPEN }] },
      [/MULTI-INDEX OR/, index('fulfilment_state'), MULTIKEY],
    ],
    [
      'virtualAwaiting',
      { status: PAID, delivery: 'virtual', 'shipping.state': 'AWAITING' },
      [index('shipping_state_checkAt')],
    ],
    [
      'shippingDue',
      {
        'shipping.state': { $in: ['SHIPPED', 'CONFIRMED'] },
        $and: [{ 'shipping.checkAt': { $lte: T_NOW } }],
      },
      [index('shipping_state_checkAt')],
    ],
    ['awaitingShipment', { status: PAID, 'shipping.state': 'AWAITING' }, [index('shipping_state_checkAt')]],
  ])('%s: declared indexes find the page, not a scan of every order', (_kind, where, uses) => {
    const after = `PK${String(1000).padStart(22, '0')}`;
    for (const query of [where, { $and: [where, { _id: { $gt: after } }] }]) {
      // Decoded as the sandbox decodes a request (a Long operand is a number, as the SDK sent it).
      const decoded = parseEJSON(enc(query), 'query', 0) as Record<string, unknown>;
      const steps = sweepDb.explain(ORDERS, decoded, [['_id', 1]]).steps.join('\n');
      expect(steps).not.toMatch(new RegExp(`^SCAN docs/${ORDERS}\\b`, 'm'));
      for (const step of uses) expect(steps).toMatch(step);
      // Each set has orders in the seed, so the plan is one SQLite chose for real data.
      expect(sweepDb.find(ORDERS, decoded, [['_id', 1]], 100).length).toBeGreaterThan(0);
    }
  });
});
