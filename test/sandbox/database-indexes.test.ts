/** @jest-environment node */
import { EJSON } from 'bson';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SandboxClock } from '../../sandbox/clock';
import { CloudDatabase } from '../../sandbox/cloud/database';
import { mingo } from '../../sandbox/cloud/mingo';
import { parseEJSON } from '../../sandbox/cloud/values';

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

it('sorts null and missing values as equals in insertion order, with or without an index', async () => {
  // MongoDB sorts them as one value; the SQL keys are NULL for both. The JS sort (a field without an
  // exact key, a transaction's merged page) must give the same order as the index does.
  await db.handle('database.insertDocument', {
    collectionName: 'orders',
    data: [
      enc({ _id: 'm1' }),
      enc({ _id: 'n1', rank: null }),
      enc({ _id: 'm2' }),
      enc({ _id: 'one', rank: 1 }),
    ],
  });
  const order = () => db.find('orders', {}, [['rank', 1]], -1).map((d) => d._id);
  expect(order()).toEqual(['m1', 'n1', 'm2', 'one']);
  db.ensureIndexes([{ collection: 'orders', name: 'rank', fields: [['rank', 1]] }]);
  expect(db.explain('orders', {}, [['rank', 1]]).sortInSql).toBe(true);
  expect(order()).toEqual(['m1', 'n1', 'm2', 'one']);
});

describe('multikey indexes and $or', () => {
  const ITEMS = {
    collection: 'orders',
    name: 'items',
    fields: [['items.sku', 1]] as Array<[string, 1 | -1]>,
  };

  async function ids(query: Record<string, unknown>): Promise<string[]> {
    return (await page(query, { order: enc({ _id: 1 }), limit: 100 })).sort();
  }

  it('finds candidates for conditions on a path through arrays from the index', async () => {
    const items = (i: number) => (i % 50 ? [{ sku: `s${i % 40}` }, { sku: 'tea' }] : []);
    const data = Array.from({ length: 2500 }, (_x, i) =>
      enc({ _id: `o${i}`, openid: `u${i % 7}`, items: items(i) }),
    );
    await db.handle('database.insertDocument', { collectionName: 'orders', data });
    // Declared over existing documents, more than one page of them: the side table is filled from them.
    db.ensureIndexes([ITEMS, INDEX]);
    const query = { 'items.sku': 's3' };
    const plan = db.explain('orders', query, [['_id', 1]]);
    expect(plan.where).toContain('"keys/orders"');
    expect(plan.steps.join('\n')).toMatch(/SEARCH keys\/orders USING PRIMARY KEY \(field=\? AND key=\?\)/);
    expect(plan.steps).not.toContainEqual(expect.stringMatching(/^SCAN docs\/orders/));
    const expected = Array.from({ length: 2500 }, (_x, i) => i)
      .filter((i) => items(i).some((item) => item.sku === 's3'))
      .map((i) => `o${i}`);
    expect(expected).toHaveLength(63);
    expect(await ids(query)).toEqual(expected.sort());
  });

  it('serves a $or whose every branch has an index, and leaves one with an unindexed branch (or too long) to mingo', async () => {
    db.ensureIndexes([ITEMS, INDEX]);
    await db.handle('database.insertDocument', {
      collectionName: 'orders',
      data: Array.from({ length: 300 }, (_x, i) =>
        enc({ _id: `o${i}`, openid: `u${i}`, items: [{ sku: `s${i}` }] }),
      ),
    });
    const served = { $or: [{ openid: 'u7' }, { 'items.sku': { $in: ['s9', 's11'] } }] };
    const steps = db.explain('orders', served, [['_id', 1]]).steps.join('\n');
    expect(steps).toMatch(/MULTI-INDEX OR/);
    expect(steps).not.toMatch(/^SCAN docs\/orders/m);
    expect(await ids(served)).toEqual(['o11', 'o7', 'o9']);
    const unserved = { $or: [{ openid: 'u7' }, { status: 'SUCCESS' }] };
    expect(db.explain('orders', unserved, []).where).toBe('1');
    // Too long for one SQLite expression: mingo answers it, as it did every $or before.
    const long = { $or: Array.from({ length: 1500 }, (_x, i) => ({ openid: `u${i}` })) };
    expect(db.explain('orders', long, []).where).toBe('1');
    expect(db.count('orders', long)).toBe(300);
    expect(await ids(long)).toHaveLength(100);
  });

  it("answers a query past SQLite's limits (nested $or, a long $and, large $in) as mingo does", async () => {
    db.ensureIndexes([ITEMS, INDEX]);
    await db.handle('database.insertDocument', {
      collectionName: 'orders',
      data: Array.from({ length: 50 }, (_x, i) =>
        enc({ _id: `o${i}`, openid: `u${i}`, items: [{ sku: `s${i}` }] }),
      ),
    });
    // Each $or is within its own bounds; nested 12 deep, the OR is deeper than SQLite takes.
    let nested: Record<string, unknown> = { openid: 'u7' };
    for (let level = 0; level < 12; level++) {
      const others = Array.from({ length: 98 }, (_x, i) => ({ 'items.sku': `none${level}.${i}` }));
      nested = { $or: [nested, ...others] };
    }
    const many = (n: number, last: string) => [...Array.from({ length: n }, (_x, i) => `w${i}`), last];
    const long = { $and: Array.from({ length: 1200 }, (_x, i) => ({ openid: { $ne: `w${i}` } })) };
    const teens = ['o1', ...Array.from({ length: 10 }, (_x, i) => `o1${i}`)];
    const queries: Array<[Record<string, unknown>, string[]]> = [
      [nested, ['o7']],
      [{ openid: { $in: many(40_000, 'u8') } }, ['o8']],
      [{ $and: [{ openid: { $gte: 'u1' } }, long, { openid: { $lt: 'u2' } }] }, teens],
      [
        {
          openid: { $in: many(30_000, 'u9') },
          $or: [{ 'items.sku': { $in: many(5000, 's9') } }, { openid: 'u0' }],
        },
        ['o9'],
      ],
    ];
    for (const [query, expected] of queries) {
      expect(await ids(query)).toEqual(expected);
      expect(db.count('orders', query)).toBe(expected.length);
    }
  });

  it('keeps the side table through updates, removals and seed imports', async () => {
    db.ensureIndexes([ITEMS]);
    // Stale keys would only over-select (mingo checks every candidate): the table itself must be right.
    const keys = () =>
      db.sqlite
        .prepare('SELECT key FROM "keys/orders" ORDER BY rid')
        .all()
        .map((r) => (r as { key: string }).key);
    await db.handle('database.insertDocument', {
      collectionName: 'orders',
      data: [enc({ _id: 'a', items: [{ sku: 'x' }] }), enc({ _id: 'b', items: [{ sku: 'y' }] })],
    });
    const modify = (id: string, data: Record<string, unknown>) =>
      db.handle('database.modifyDocument', {
        collectionName: 'orders',
        queryType: 'WHERE',
        query: enc({ _id: id }),
        data: enc(data),
      });
    await modify('a', { 'items.0.sku': 'y' });
    expect(await ids({ 'items.sku': 'y' })).toEqual(['a', 'b']);
    expect(await ids({ 'items.sku': 'x' })).toEqual([]);
    expect(keys()).toEqual(['y', 'y']);
    await db.handle('database.removeDocument', {
      collectionName: 'orders',
      queryType: 'WHERE',
      query: enc({ _id: 'b' }),
    });
    expect(await ids({ 'items.sku': 'y' })).toEqual(['a']);
    expect(keys()).toEqual(['y']);
    db.importData({ orders: [{ _id: 'c', items: [{ sku: 'y' }] }] }, { replace: true });
    expect(await ids({ 'items.sku': 'y' })).toEqual(['c']);
    expect(keys()).toEqual(['y']);
    expect(db.sqlite.prepare('SELECT _id FROM "docs/orders"').all()).toEqual([{ _id: 'c' }]);
  });

  it('takes back a field turned multikey by a write that rolls back, and refills one indexed again', async () => {
    db.ensureIndexes([ITEMS]);
    const sideTable = () =>
      db.sqlite.prepare(`SELECT name FROM sqlite_master WHERE name = 'keys/orders'`).get() !== undefined;
    await db.handle('database.insertDocument', {
      collectionName: 'orders',
      data: [enc({ _id: 'a', items: { sku: 'x' } })],
    });
    // The first document turns items.sku multikey; the second is a duplicate: nothing is written.
    await expect(
      db.handle('database.insertDocument', {
        collectionName: 'orders',
        data: [enc({ _id: 'b', items: [{ sku: 'x' }] }), enc({ _id: 'a' })],
      }),
    ).rejects.toMatchObject({ code: 'DATABASE_REQUEST_FAILED' });
    expect(sideTable()).toBe(false);
    expect(db.explain('orders', { 'items.sku': 'x' }, []).where).toContain(`paykit_key(doc, 'items.sku')`);
    expect(await ids({ 'items.sku': 'x' })).toEqual(['a']);
    // The same in a transaction whose commit fails after the write that made the field multikey.
    db.ensureIndexes([{ collection: 'orders', name: 'openid', fields: [['openid', 1]], unique: true }]);
    const { transactionId } = (await db.handle('database.startTransaction', {})) as { transactionId: string };
    await db.handle('database.insertDocument', {
      collectionName: 'orders',
      transactionId,
      data: [enc({ _id: 'c', openid: 'u1', items: [{ sku: 'x' }] }), enc({ _id: 'c2', openid: 'u2' })],
    });
    await db.handle('database.insertDocument', {
      collectionName: 'orders',
      data: [enc({ _id: 'z', openid: 'u2' })],
    });
    await expect(db.handle('database.commitTransaction', { transactionId })).rejects.toMatchObject({
      code: 'DATABASE_REQUEST_FAILED',
    });
    expect(sideTable()).toBe(false);
    expect(await ids({ 'items.sku': 'x' })).toEqual(['a']);
    // Multikey for real; then its index names another field, and names it again (keys refilled).
    await db.handle('database.insertDocument', {
      collectionName: 'orders',
      data: [enc({ _id: 'd', items: [{ sku: 'x' }] })],
    });
    expect(db.explain('orders', { 'items.sku': 'x' }, []).where).toContain('"keys/orders"');
    db.ensureIndexes([{ ...ITEMS, fields: [['openid', 1]] }]);
    await db.handle('database.insertDocument', {
      collectionName: 'orders',
      data: [enc({ _id: 'e', items: [{ sku: 'x' }] })],
    });
    db.ensureIndexes([ITEMS]);
    expect(await ids({ 'items.sku': 'x' })).toEqual(['a', 'd', 'e']);
  });

  it('leaves a multikey field to mingo once it holds a value without a scalar key', async () => {
    db.ensureIndexes([ITEMS]);
    // An unsafe long decodes to the nearest double: only mingo can say what it equals.
    await db.handle('database.insertDocument', {
      collectionName: 'orders',
      data: [
        '{"_id":"big","items":[{"sku":{"$numberLong":"9007199254740993"}}]}',
        enc({ _id: 'n', items: [{ sku: 1 }] }),
      ],
    });
    expect(db.explain('orders', { 'items.sku': 1 }, []).where).toBe('1');
    expect(await ids({ 'items.sku': 9007199254740992 })).toEqual(['big']);
  });

  it('fills the side table of a database made before it existed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-multikey-'));
    const file = path.join(dir, 'cloud.sqlite');
    try {
      let old = new CloudDatabase({ file, clock: new SandboxClock() });
      old.ensureIndexes([ITEMS]);
      await old.handle('database.insertDocument', {
        collectionName: 'orders',
        data: [enc({ _id: 'a', items: [{ sku: 'x' }] })],
      });
      old.sqlite.exec('DROP TABLE "keys/orders"');
      old.close();
      old = new CloudDatabase({ file, clock: new SandboxClock() });
      expect(old.find('orders', { 'items.sku': 'x' }, [], -1).map((d) => d._id)).toEqual(['a']);
      expect(old.explain('orders', { 'items.sku': 'x' }, []).where).toContain('"keys/orders"');
      old.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('planned results equal a full mingo scan (random documents and queries)', () => {
  /** mulberry32: the same "random" cases on every run. */
  function prng(seed: number): () => number {
    let a = seed;
    return () => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const rand = prng(20261202);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const few = <T>(make: () => T, max: number): T[] =>
    Array.from({ length: Math.floor(rand() * (max + 1)) }, make);
  const DOCS = 150;
  const idOf = (i: number) => `d${String(i).padStart(3, '0')}`;

  // A few values of each kind the keys order, so that equal and ranged values recur.
  const SCALARS = [null, 0, 1, 2.5, -3, 'a', 'b', '', 'é', true, false, new Date(1e12), new Date(2e12)];
  /**
   * Documents of two kinds. Plain ones hold what the keys can index: scalars, arrays of them (nested
   * at a path's end too), arrays of objects or of scalars, empty or missing arrays. Odd ones also hold
   * objects where a path ends and arrays in arrays before it, which leave a field to mingo.
   */
  function shapes(odd: boolean) {
    const leaf = (): unknown => {
      const r = rand();
      if (r < 0.6) return pick(SCALARS);
      if (r < 0.9 || !odd) return few(() => (rand() < 0.15 ? [pick(SCALARS)] : pick(SCALARS)), 3);
      return { x: pick(SCALARS) };
    };
    const item = () =>
      rand() < 0.85
        ? { b: leaf(), c: rand() < 0.5 ? { d: pick(SCALARS) } : [{ d: pick(SCALARS) }] }
        : pick(SCALARS);
    const array = (): unknown => {
      const r = rand();
      if (r < 0.65) return few(item, 3);
      if (r < 0.75) return undefined;
      if (r < 0.85) return item();
      if (r < 0.95 && odd) return [few(item, 2)];
      return pick(SCALARS);
    };
    const doc = (i: number): Record<string, unknown> => {
      const d: Record<string, unknown> = { _id: idOf(i), s: pick(['x', 'y', 'z', 1, 2]), a: array() };
      if (rand() < 0.8) d.t = leaf();
      return d;
    };
    return { leaf, array, doc };
  }

  const PATHS = ['a.b', 'a.c.d', 't', 's', 'a.0.b'];
  const RANGES = ['$gt', '$gte', '$lt', '$lte'];
  function condition(): unknown {
    const r = rand();
    if (r < 0.35) return pick(SCALARS);
    if (r < 0.55) return { $in: few(() => pick(SCALARS), 3) };
    if (r < 0.9) {
      const cond: Record<string, unknown> = { [pick(RANGES)]: pick(SCALARS) };
      if (rand() < 0.6) cond[pick(RANGES)] = pick(SCALARS);
      return cond;
    }
    return { $ne: pick(SCALARS) };
  }
  const conjunct = () => ({ [pick(PATHS)]: condition() });
  /** One condition, two, a `$or` of two or three, or a sweep page's `$and` of a `$or` and an `_id` cursor. */
  function query(): Record<string, unknown> {
    const r = rand();
    if (r < 0.3) return conjunct();
    if (r < 0.45) return { $and: [conjunct(), conjunct()] };
    const branch = () => (rand() < 0.3 ? { $and: [conjunct(), conjunct()] } : conjunct());
    const or = { $or: Array.from({ length: 2 + Math.floor(rand() * 2) }, branch) };
    return r < 0.8 ? or : { $and: [or, { _id: { $gt: idOf(Math.floor(rand() * DOCS)) } }] };
  }

  /** Checks every query against mingo over every document; answers how many SQL narrowed through the side table. */
  function compare(collection: string, queries: Array<Record<string, unknown>>): number {
    const all = db.find(collection, {}, [['_id', 1]], -1);
    let multikey = 0;
    for (const q of queries) {
      const decoded = parseEJSON(enc(q), 'query', 0) as Record<string, unknown>;
      const mq = new (mingo().Query)(decoded);
      const expected = all.filter((d) => mq.test(d)).map((d) => d._id);
      const found = db.find(collection, decoded, [['_id', 1]], -1).map((d) => d._id);
      const first = db.find(collection, decoded, [['_id', 1]], 3).map((d) => d._id);
      const count = db.count(collection, decoded);
      expect({ q, found, first, count }).toEqual({
        q,
        found: expected,
        first: expected.slice(0, 3),
        count: expected.length,
      });
      if (db.explain(collection, decoded, []).where.includes(`"keys/${collection}"`)) multikey++;
    }
    return multikey;
  }

  it.each([
    ['plain', false],
    ['odd', true],
  ])(
    'finds and counts exactly what mingo finds in %s documents, before and after writes',
    async (coll, odd) => {
      const { leaf, array, doc } = shapes(odd);
      const field = (f: string) => ({
        collection: coll,
        name: f,
        fields: [[f, 1]] as Array<[string, 1 | -1]>,
      });
      db.ensureIndexes([
        field('a.b'),
        field('a.c.d'),
        field('t'),
        {
          ...field('s'),
          fields: [
            ['s', 1],
            ['a.b', -1],
          ],
        },
      ]);
      const data = Array.from({ length: DOCS }, (_x, i) => enc(doc(i)));
      await db.handle('database.insertDocument', { collectionName: coll, data });
      const queries = Array.from({ length: 200 }, query);
      let multikey = compare(coll, queries);
      // Rewrite a third of the documents (new shapes, new keys), remove a tenth, and ask again.
      for (let i = 0; i < DOCS; i += 3) {
        const data = enc({ a: array() ?? [], t: leaf() });
        await db.handle('database.modifyDocument', {
          collectionName: coll,
          queryType: 'WHERE',
          query: enc({ _id: idOf(i) }),
          data,
        });
      }
      for (let i = 1; i < DOCS; i += 10) {
        await db.handle('database.removeDocument', {
          collectionName: coll,
          queryType: 'WHERE',
          query: enc({ _id: idOf(i) }),
        });
      }
      multikey += compare(coll, queries);
      // In plain documents, the side table must have narrowed many queries, or the comparison proves little.
      if (!odd) expect(multikey).toBeGreaterThan(queries.length / 2);
      else expect(multikey).toBe(0);
    },
  );
});
