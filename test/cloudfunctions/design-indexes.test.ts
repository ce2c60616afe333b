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
