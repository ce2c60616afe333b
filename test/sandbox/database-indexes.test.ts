/** @jest-environment node */
import { EJSON } from 'bson';
import { SandboxClock } from '../../sandbox/clock';
import { CloudDatabase } from '../../sandbox/cloud/database';

const enc = (v: unknown) => EJSON.stringify(v as Record<string, unknown>, { relaxed: false });
const STATUSES = ['NOTPAY', 'SUCCESS', 'CLOSED', 'REFUND'];
const INDEX = {
  collection: 'orders',
  name: 'by_user',
  fields: [
    ['openid', 1],
    ['createdAt', -1],
  ] as Array<[string, 1 | -1]>,
};

let db: CloudDatabase;
beforeEach(() => {
  db = new CloudDatabase({ file: ':memory:', clock: new SandboxClock() });
});
afterEach(() => db.close());

async function seed(n: number): Promise<void> {
  for (let b = 0; b < n; b += 5000) {
    const data = Array.from({ length: Math.min(5000, n - b) }, (_x, j) => {
      const i = b + j;
      return enc({
        _id: `o${i}`,
        openid: `u${i % 97}`,
        status: STATUSES[i % 4],
        createdAt: new Date(1e12 + (i % 1000) * 1000),
      });
    });
    await db.handle('database.insertDocument', { collectionName: 'orders', data });
  }
}

async function page(query: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<string[]> {
  const res = (await db.handle('database.getDocument', {
    collectionName: 'orders',
    queryType: 'WHERE',
    query: enc(query),
    order: enc({ createdAt: -1 }),
    limit: 20,
    ...extra,
  })) as { data: { list: string[] } };
  return res.data.list.map((s) => (EJSON.parse(s) as { _id: string })._id);
}

const QUERIES = [
  { openid: 'u5' },
  { openid: 'u5', status: 'SUCCESS' },
  { openid: 'u7', createdAt: { $lt: new Date(1e12 + 500_000) } },
  { openid: { $in: ['u1', 'u2'] }, status: { $ne: 'CLOSED' } },
  { openid: 'u9', createdAt: { $gte: new Date(1e12 + 100_000), $lte: new Date(1e12 + 900_000) } },
];

it('answers a per-user newest-first page from the index, with the same results as a scan', async () => {
  // ~100 orders per user: each query has a second page. How fast the index answers is the bench's
  // (`npm run bench -- db`), not a timed assertion here.
  await seed(10000);
  const scanned = [];
  for (const q of QUERIES) scanned.push([await page(q), await page(q, { offset: 20 })]);
  db.ensureIndexes([INDEX]);
  const plan = db.sqlite
    .prepare(
      `EXPLAIN QUERY PLAN SELECT rowid FROM "docs/orders" WHERE paykit_key(doc, 'openid') = 'u5' ` +
        `ORDER BY paykit_key(doc, 'createdAt') DESC, rowid LIMIT 20`,
    )
    .all() as Array<{ detail: string }>;
  expect(plan.map((p) => p.detail).join('\n')).toMatch(/USING (COVERING )?INDEX ix\/orders\/by_user/);
  expect(plan.map((p) => p.detail).join('\n')).not.toMatch(/TEMP B-TREE/);
  for (let i = 0; i < QUERIES.length; i++) {
    expect([await page(QUERIES[i]), await page(QUERIES[i], { offset: 20 })]).toEqual(scanned[i]);
  }
  // Every query had a full first page and a second one, or the comparison proves little.
  expect(scanned.every(([first, second]) => first.length === 20 && second.length > 0)).toBe(true);
});

it('falls back to exact JS matching once an indexed field holds an array', async () => {
  await seed(500);
  db.ensureIndexes([INDEX]);
  await db.handle('database.insertDocument', {
    collectionName: 'orders',
    data: [enc({ _id: 'multi', openid: ['u5', 'u6'], createdAt: new Date(2e12) })],
  });
  expect((await page({ openid: 'u5' }))[0]).toBe('multi');
  expect((await page({ openid: 'u6' }))[0]).toBe('multi');
});

it('keeps declared unique indexes unique', async () => {
  db.ensureIndexes([{ collection: 'users', name: 'openid', fields: [['openid', 1]], unique: true }]);
  await db.handle('database.insertDocument', { collectionName: 'users', data: [enc({ openid: 'a' })] });
  await expect(
    db.handle('database.insertDocument', { collectionName: 'users', data: [enc({ openid: 'a' })] }),
  ).rejects.toMatchObject({ code: 'DATABASE_REQUEST_FAILED' });
});
