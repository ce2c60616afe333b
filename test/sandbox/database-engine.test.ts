/** @jest-environment node */
import { EJSON } from 'bson';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SandboxClock } from '../../sandbox/clock';
import { CloudDatabase } from '../../sandbox/cloud/database';
import { SandboxError } from '../../sandbox/errors';

const enc = (v: unknown) => EJSON.stringify(v as Record<string, unknown>, { relaxed: false });
type Body = Record<string, unknown>;

let clock: SandboxClock;
let db: CloudDatabase;

beforeEach(() => {
  clock = new SandboxClock();
  clock.freeze(Date.UTC(2030, 0, 1));
  db = new CloudDatabase({ file: ':memory:', clock });
});
afterEach(() => db.close());

const call = (action: string, params: Body) => db.handle(`database.${action}`, params);
const add = async (collectionName: string, ...docs: Body[]) =>
  (
    (await call('insertDocument', { collectionName, data: docs.map(enc) })) as {
      data: { insertedIds: string[] };
    }
  ).data.insertedIds;
async function find(collectionName: string, query: Body, extra: Body = {}): Promise<Body[]> {
  const res = (await call('getDocument', {
    collectionName,
    queryType: 'WHERE',
    query: enc(query),
    ...extra,
  })) as {
    data: { list: string[] };
  };
  return res.data.list.map((s) => EJSON.parse(s) as Body);
}
const ids = async (c: string, q: Body, extra: Body = {}) => (await find(c, q, extra)).map((d) => d._id);
async function errorOf(p: Promise<unknown>): Promise<SandboxError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SandboxError);
  return err as SandboxError;
}

describe('documents and values', () => {
  it('stores every EJSON type exactly and answers the shapes the SDK reads', async () => {
    const [id] = await add('c', {
      n: 1,
      f: 1.5,
      big: 2 ** 40,
      neg: -0,
      d: new Date(5),
      nul: null,
      arr: [1, 'x'],
    });
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    const res = (await call('getDocument', {
      collectionName: 'c',
      queryType: 'DOC',
      query: enc({ _id: id }),
    })) as {
      data: { list: string[]; offset: number; limit: number };
    };
    expect(res.data.offset).toBe(0);
    expect(res.data.limit).toBe(100);
    const raw = JSON.parse(res.data.list[0]) as Body;
    expect(raw).toEqual({
      _id: id,
      n: { $numberInt: '1' },
      f: { $numberDouble: '1.5' },
      big: { $numberLong: '1099511627776' },
      neg: { $numberDouble: '-0.0' },
      d: { $date: { $numberLong: '5' } },
      nul: null,
      arr: [{ $numberInt: '1' }, 'x'],
    });
  });

  it('resolves serverDate from the sandbox clock, with its offset', async () => {
    const sd = (offset: number) => ({ $tcb_server_date: { offset } });
    const [id] = await add('c', { at: sd(0), later: sd(1000) });
    expect(db.getDoc('c', id)).toEqual({
      _id: id,
      at: new Date(clock.now()),
      later: new Date(clock.now() + 1000),
    });
  });

  it('rejects a duplicate _id and leaves the batch unwritten', async () => {
    await add('c', { _id: 'a' });
    const err = await errorOf(add('c', { _id: 'b' }, { _id: 'a' }));
    expect(err.code).toBe('DATABASE_REQUEST_FAILED');
    expect(err.message).toMatch(/duplicate key/);
    expect(db.getDoc('c', 'b')).toBeNull();
  });
});

describe('queries', () => {
  beforeEach(async () => {
    await add(
      'q',
      {
        _id: 'a',
        n: 1,
        s: 'x',
        tags: ['red', 'big'],
        o: { p: 1 },
        items: [{ k: 1 }, { k: 5 }],
        at: new Date(10),
      },
      { _id: 'b', n: 2.5, s: 'y', tags: ['blue'], o: { p: 2 }, items: [{ k: 2 }], at: new Date(20) },
      { _id: 'c', n: null, s: 'Zab', tags: [] },
      { _id: 'd', s: 'x', n: 7 },
    );
  });

  it.each([
    [{ n: 1 }, ['a']],
    [{ n: { $ne: 1 } }, ['b', 'c', 'd']],
    [{ n: { $gt: 1, $lte: 7 } }, ['b', 'd']],
    [{ n: { $in: [1, 7] } }, ['a', 'd']],
    [{ n: { $nin: [1, 7] } }, ['b', 'c']],
    [{ n: null }, ['c']],
    [{ o: { $exists: false } }, ['c', 'd']],
    [{ 'o.p': { $gte: 2 } }, ['b']],
    [{ tags: 'red' }, ['a']],
    [{ tags: { $all: ['red', 'big'] } }, ['a']],
    [{ tags: { $size: 0 } }, ['c']],
    [{ items: { $elemMatch: { k: { $gt: 4 } } } }, ['a']],
    [{ 'items.k': 2 }, ['b']],
    [{ s: { $regularExpression: { pattern: '^z', options: 'i' } } }, ['c']],
    [{ at: { $lt: new Date(15) } }, ['a']],
    [{ $or: [{ n: 1 }, { s: 'y' }] }, ['a', 'b']],
    [{ $and: [{ s: 'x' }, { n: { $gt: 1 } }] }, ['d']],
    [{ $nor: [{ s: 'x' }, { n: null }] }, ['b']],
    [{ n: { $not: { $eq: 1 } } }, ['b', 'c', 'd']],
  ])('where %j', async (query, expected) => {
    expect(await ids('q', query)).toEqual(expected);
  });

  it('orders by several fields, skips, limits and projects', async () => {
    const order = enc({ s: 1, n: -1 });
    // Binary string order, as in the cloud: 'Zab' < 'x' < 'y'.
    expect(await ids('q', {}, { order })).toEqual(['c', 'd', 'a', 'b']);
    expect(await ids('q', {}, { order, offset: 1, limit: 2 })).toEqual(['d', 'a']);
    const docs = await find('q', { _id: 'a' }, { projection: enc({ s: 1, tags: { $slice: 1 } }) });
    expect(docs).toEqual([{ _id: 'a', s: 'x', tags: ['red'] }]);
    expect(await find('q', { _id: 'b' }, { projection: enc({ items: 0, tags: 0, o: 0, at: 0 }) })).toEqual([
      { _id: 'b', n: 2.5, s: 'y' },
    ]);
  });

  it('sorts mixed types the way the cloud does: null < numbers < strings < dates', async () => {
    await add(
      'm',
      { _id: '1', v: 'a' },
      { _id: '2', v: 3 },
      { _id: '3' },
      { _id: '4', v: new Date(0) },
      { _id: '5', v: -1 },
    );
    expect(await ids('m', {}, { order: enc({ v: 1 }) })).toEqual(['3', '5', '2', '1', '4']);
    expect(await ids('m', {}, { order: enc({ v: -1 }) })).toEqual(['4', '1', '2', '5', '3']);
  });

  it('applies the server SDK limits: 100 by default, 1000 at most', async () => {
    await add('many', ...Array.from({ length: 1100 }, (_, i) => ({ i })));
    expect(await find('many', {})).toHaveLength(100);
    expect(await find('many', {}, { limit: 5000 })).toHaveLength(1000);
    const count = (await call('calculateDocument', {
      collectionName: 'many',
      query: enc({ i: { $gte: 1000 } }),
    })) as {
      data: { total: number };
    };
    expect(count.data.total).toBe(100);
  });
});

describe('updates', () => {
  const modify = (query: Body, data: Body, extra: Body = {}) =>
    call('modifyDocument', {
      collectionName: 'u',
      queryType: 'WHERE',
      query: enc(query),
      data: enc(data),
      multi: true,
      merge: true,
      upsert: false,
      ...extra,
    }) as Promise<{ data: { updated: number; upsert_id: string | null } }>;

  beforeEach(async () => {
    await add(
      'u',
      { _id: 'a', n: 1, arr: [1, 2, 3], o: { p: 1, q: 2 }, old: 'x' },
      { _id: 'b', n: 5, arr: [] },
    );
  });

  it('applies every update operator', async () => {
    const res = await modify(
      { _id: 'a' },
      {
        $inc: { n: 2 },
        $mul: { m: 3 },
        $set: { 'o.p': 9, added: new Date(1) },
        $unset: { 'o.q': '' },
        $push: { arr: { $each: [0], $position: 0 } },
        $rename: { old: 'renamed' },
        $max: { hi: 4 },
        $min: { lo: -4 },
      },
    );
    expect(res.data).toEqual({ updated: 1, upsert_id: null });
    expect(db.getDoc('u', 'a')).toEqual({
      _id: 'a',
      n: 3,
      arr: [0, 1, 2, 3],
      o: { p: 9 },
      m: 0,
      added: new Date(1),
      renamed: 'x',
      hi: 4,
      lo: -4,
    });
    await modify(
      { _id: 'a' },
      { $pull: { arr: { $gt: 2 } }, $addToSet: { tags: { each: ['t', 't', 'u'] } } },
    );
    await modify({ _id: 'a' }, { $pop: { arr: -1 }, $pullAll: { tags: ['u'] } });
    expect(db.getDoc('u', 'a')).toMatchObject({ arr: [1, 2], tags: ['t'] });
  });

  it('counts only documents that changed, and updates one or many', async () => {
    expect((await modify({}, { $set: { n: 5 } }, { multi: false })).data.updated).toBe(1);
    expect((await modify({}, { $set: { n: 5 } })).data.updated).toBe(0);
    expect((await modify({}, { $inc: { n: 1 } })).data.updated).toBe(2);
  });

  it('replaces with set and creates with upsert', async () => {
    const set = (id: string, data: Body) =>
      call('modifyDocument', {
        collectionName: 'u',
        queryType: 'DOC',
        query: enc({ _id: id }),
        data: enc(data),
        multi: false,
        merge: false,
        upsert: true,
      });
    expect(await set('a', { only: 1 })).toEqual({ data: { updated: 1, upsert_id: null } });
    expect(db.getDoc('u', 'a')).toEqual({ _id: 'a', only: 1 });
    expect(await set('z', { fresh: true })).toEqual({ data: { updated: 0, upsert_id: 'z' } });
    expect(db.getDoc('u', 'z')).toEqual({ fresh: true, _id: 'z' });
  });

  it('refuses bad updates without writing anything', async () => {
    expect((await errorOf(modify({}, { $inc: { arr: 1 } }))).code).toBe('DATABASE_REQUEST_FAILED');
    expect((await errorOf(modify({}, { $bit: { o: { and: 1 } } }))).message).toContain(
      'non-integral type: o is object',
    );
    expect((await errorOf(modify({}, { $set: { _id: 'x' } }))).code).toBe('INVALID_PARAM');
    expect((await errorOf(modify({}, { $bogus: { n: 1 } }))).message).toMatch(/\$bogus/);
    expect((await errorOf(modify({}, {}))).code).toBe('INVALID_PARAM');
    expect(db.getDoc('u', 'a')).toMatchObject({ n: 1, arr: [1, 2, 3] });
  });

  it('keeps nothing of a failed write in a transaction: not the documents it wrote before failing', async () => {
    await add('u', { _id: 'c', o: null });
    const { transactionId } = (await call('startTransaction', {})) as { transactionId: string };
    const update = await errorOf(modify({}, { $set: { 'o.f': 1 } }, { transactionId }));
    expect(update.message).toContain("Cannot create field 'f' in element {o: null}");
    const batch = [enc({ _id: 'x' }), enc({ _id: 'a' })];
    const insert = await errorOf(call('insertDocument', { collectionName: 'u', transactionId, data: batch }));
    expect(insert.message).toContain('duplicate key');
    await call('commitTransaction', { transactionId });
    expect(await find('u', {})).toEqual([
      { _id: 'a', n: 1, arr: [1, 2, 3], o: { p: 1, q: 2 }, old: 'x' },
      { _id: 'b', n: 5, arr: [] },
      { _id: 'c', o: null },
    ]);
  });

  it('removes one or many', async () => {
    const remove = (multi: boolean) =>
      call('removeDocument', { collectionName: 'u', queryType: 'WHERE', query: enc({}), multi });
    expect(await remove(false)).toEqual({ data: { deleted: 1 } });
    expect(await remove(true)).toEqual({ data: { deleted: 1 } });
    expect(await ids('u', {})).toEqual([]);
  });
});

describe('errors and malformed requests', () => {
  it('names an action it does not emulate', async () => {
    const err = await errorOf(db.handle('database.aggregateDocuments', { collectionName: 'c' }));
    expect(err.code).toBe('INVALID_ACTION');
    expect(err.message).toContain('database.aggregateDocuments');
  });

  it.each([
    ['getDocument', { collectionName: 'bad name!' }],
    ['getDocument', { collectionName: 'c', query: '{not json' }],
    ['getDocument', { collectionName: 'c', query: '"a string"' }],
    ['getDocument', { collectionName: 'c', query: '{"a":{"$date":"nonsense"}}' }],
    ['getDocument', { collectionName: 'c', query: '{"a":{"$foo":1}}' }],
    ['getDocument', { collectionName: 'c', limit: 'ten' }],
    ['getDocument', { collectionName: 'c', offset: -1 }],
    ['getDocument', { collectionName: 'c', order: '{"a":"up"}' }],
    ['getDocument', { collectionName: 'c', queryType: 'DOC', query: '{"a":1}' }],
    ['getDocument', { collectionName: 'c', projection: '{"a":1,"b":0}' }],
    ['insertDocument', { collectionName: 'c', data: [] }],
    ['insertDocument', { collectionName: 'c', data: ['[1]'] }],
    ['insertDocument', { collectionName: 'c', data: [42] }],
    ['modifyDocument', { collectionName: 'c', data: 'null' }],
    ['modifyDocument', { collectionName: 'c', data: '{}', merge: 'yes' }],
    ['commitTransaction', { transactionId: 'nope' }],
    ['abortTransaction', {}],
  ])('%s %j is an error, not a crash', async (action, params) => {
    await add('c', { a: 1 });
    const err = await errorOf(call(action, params));
    expect(err.code).toMatch(/^[A-Z_]+$/);
    expect((await find('c', {})).length).toBe(1);
  });

  it('rejects non-object parameters', async () => {
    const err = await errorOf(db.handle('database.getDocument', null as unknown as Body));
    expect(err.code).toBe('INVALID_PARAM');
  });

  it('can insist on existing collections, like the real cloud', async () => {
    const strict = new CloudDatabase({ file: ':memory:', clock, strictCollections: true });
    const err = await errorOf(strict.handle('database.getDocument', { collectionName: 'nope' }));
    expect(err.code).toBe('DATABASE_COLLECTION_NOT_EXIST');
    await strict.handle('database.addCollection', { collectionName: 'nope' });
    expect(await strict.handle('database.getDocument', { collectionName: 'nope' })).toEqual({
      data: { list: [], offset: 0, limit: 100 },
    });
    strict.close();
  });
});

describe('storage', () => {
  it('keeps data in the file across reopen, and imports/exports seeds', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-db-'));
    const file = path.join(dir, 'sub', 'cloud.sqlite');
    const a = new CloudDatabase({ file, clock });
    expect(a.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    a.importData({
      p: [{ _id: 'x', price: 100, at: { $date: '2030-01-01T00:00:00.000Z' } }, { name: 'no id' }],
    });
    a.importData({ p: [{ _id: 'x', price: 200, at: { $date: '2030-01-01T00:00:00.000Z' } }] });
    a.close();
    const b = new CloudDatabase({ file, clock });
    expect(b.getDoc('p', 'x')).toEqual({ _id: 'x', price: 200, at: new Date('2030-01-01T00:00:00.000Z') });
    const exported = b.exportData(['p']);
    expect(exported.p).toHaveLength(2);
    expect(exported.p[0]).toEqual({ _id: 'x', price: 200, at: { $date: '2030-01-01T00:00:00Z' } });
    b.importData({ p: [{ _id: 'y' }] }, { replace: true });
    expect(b.exportData().p).toEqual([{ _id: 'y' }]);
    b.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
