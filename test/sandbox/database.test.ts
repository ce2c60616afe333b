/** @jest-environment node */
/**
 * Contract suite: the real wx-server-sdk 4.x against the sandbox database, over HTTP, for every
 * database call the kit may use, against a real sandbox process (the built dist/sandbox); durability
 * under SIGKILL is in database-durability.test.ts.
 */
import * as http from 'http';
import cloud from 'wx-server-sdk';
import { get, post as postJson } from '../helpers/control';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox';

// The SDK's typings return unions with void; this suite reads results loosely on purpose.
// Without this the SDK probes metadata.tencentyun.com (30 ms timeout, uncached on failure) on every request.
process.env.TENCENTCLOUD = 'true';
// The SDK's 3 s slow-request warning timer is not cleared when a request fails (e.g. after SIGKILL).
process.env.SILENCE = 'true';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- SDK edge
type Loose = any;

let sandbox: SandboxProcess;
/** The sandbox as this suite uses it: its URL, its clock and its open transactions, over HTTP. */
const h = {
  get url(): string {
    return sandbox.url;
  },
  clock: {
    freeze: (at: number) => postJson(`${sandbox.url}/sandbox/clock`, { action: 'freeze', at }),
    resume: () => postJson(`${sandbox.url}/sandbox/clock`, { action: 'resume' }),
  },
  db: {
    openTransactions: async () =>
      (await get<{ openTransactions: number }>(`${sandbox.url}/sandbox/status`)).openTransactions,
  },
};
let db: Loose;
let _: Loose;

beforeAll(async () => {
  sandbox = await startSandboxProcess();
  cloud.init({ env: sandbox.envId, serviceUrl: `${h.url}/admin`, secretId: 'x', secretKey: 'y' } as Loose);
  db = cloud.database();
  _ = db.command;
});
afterAll(() => sandbox?.stop());

async function sdkError(p: Promise<unknown>): Promise<{ errCode: number; message: string; code?: string }> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Error);
  return err as { errCode: number; message: string };
}

describe('documents', () => {
  const c = () => db.collection('docs');

  it('add / doc().get round-trips every value type', async () => {
    const data = {
      int: 7,
      double: 2.5,
      long: 2 ** 40,
      date: new Date('2024-05-06T07:08:09.123Z'),
      nested: { a: { b: [1, { c: null }] } },
      list: ['x', 3, true, null],
      empty: {},
      nothing: null,
      yes: false,
      text: '中文 ✓',
    };
    const { _id } = await c().add({ data });
    expect(typeof _id).toBe('string');
    expect((await c().doc(_id).get()).data).toEqual({ _id, ...data });
  });

  it('serverDate is the sandbox clock', async () => {
    await h.clock.freeze(Date.UTC(2031, 1, 2, 3, 4, 5));
    const { _id } = await c().add({ data: { at: db.serverDate(), soon: db.serverDate({ offset: 60000 }) } });
    const { data } = await c().doc(_id).get();
    expect(data.at).toEqual(new Date(Date.UTC(2031, 1, 2, 3, 4, 5)));
    expect(data.soon.getTime() - data.at.getTime()).toBe(60000);
    await h.clock.resume();
  });

  it('set replaces or creates, update merges, remove deletes', async () => {
    expect(
      await c()
        .doc('s1')
        .set({ data: { a: 1, b: { c: 2 } } }),
    ).toMatchObject({ _id: 's1', stats: { created: 1 } });
    expect(
      await c()
        .doc('s1')
        .set({ data: { z: 1 } }),
    ).toMatchObject({ stats: { updated: 1, created: 0 } });
    expect((await c().doc('s1').get()).data).toEqual({ _id: 's1', z: 1 });
    expect(
      await c()
        .doc('s1')
        .update({ data: { y: { deep: 1 }, z: _.inc(2) } }),
    ).toMatchObject({ stats: { updated: 1 } });
    expect((await c().doc('s1').get()).data).toEqual({ _id: 's1', z: 3, y: { deep: 1 } });
    expect(
      await c()
        .doc('missing')
        .update({ data: { a: 1 } }),
    ).toMatchObject({ stats: { updated: 0 } });
    expect(await c().doc('s1').remove()).toMatchObject({ stats: { removed: 1 } });
    const err = await sdkError(c().doc('s1').get());
    expect(err.message).toContain('does not exist');
  });
});

describe('queries', () => {
  const q = () => db.collection('q');
  const ids = async (query: Loose) => (await q().where(query).get()).data.map((d: Loose) => d._id);

  beforeAll(async () => {
    const docs = [
      {
        _id: 'a',
        n: 1,
        s: 'apple',
        tags: ['red', 'fruit'],
        o: { w: 10 },
        at: new Date(1000),
        items: [{ k: 1 }],
      },
      {
        _id: 'b',
        n: 2,
        s: 'banana',
        tags: ['yellow', 'fruit'],
        o: { w: 20 },
        at: new Date(2000),
        items: [{ k: 5 }],
      },
      { _id: 'c', n: 3, s: 'carrot', tags: ['orange'], o: { w: 30 }, at: new Date(3000) },
      { _id: 'd', n: null, s: 'date' },
    ];
    for (const data of docs) await q().add({ data });
  });

  it.each([
    ['eq', () => ({ n: _.eq(2) }), ['b']],
    ['neq', () => ({ n: _.neq(2) }), ['a', 'c', 'd']],
    ['lt/lte', () => ({ n: _.lt(2) }), ['a']],
    ['gt.and(lte)', () => ({ n: _.gt(1).and(_.lte(3)) }), ['b', 'c']],
    ['gte', () => ({ n: _.gte(3) }), ['c']],
    ['in', () => ({ s: _.in(['apple', 'date']) }), ['a', 'd']],
    ['nin', () => ({ s: _.nin(['apple', 'date']) }), ['b', 'c']],
    ['exists', () => ({ tags: _.exists(false) }), ['d']],
    ['or', () => _.or([{ n: 1 }, { s: 'carrot' }]), ['a', 'c']],
    ['field or', () => ({ n: _.lt(2).or(_.gt(2)) }), ['a', 'c']],
    ['and', () => _.and([{ tags: 'fruit' }, { n: _.gt(1) }]), ['b']],
    ['nor', () => _.nor([{ n: 1 }, { n: 2 }]), ['c', 'd']],
    ['not', () => ({ n: _.not(_.lt(3)) }), ['c', 'd']],
    ['nested object', () => ({ o: { w: _.gte(20) } }), ['b', 'c']],
    ['dot path', () => ({ 'o.w': 30 }), ['c']],
    ['array contains', () => ({ tags: 'fruit' }), ['a', 'b']],
    ['all', () => ({ tags: _.all(['red', 'fruit']) }), ['a']],
    ['size', () => ({ tags: _.size(1) }), ['c']],
    ['elemMatch', () => ({ items: _.elemMatch({ k: _.gt(2) }) }), ['b']],
    ['date range', () => ({ at: _.gte(new Date(2000)).and(_.lt(new Date(3000))) }), ['b']],
    ['RegExp', () => ({ s: /^B/i }), ['b']],
    ['db.RegExp', () => ({ s: db.RegExp({ regexp: 'rot$', options: 'i' }) }), ['c']],
  ])('%s', async (_name, query, expected) => {
    expect(await ids(query())).toEqual(expected);
  });

  it('orderBy on several fields, skip, limit, field', async () => {
    const res = await q()
      .where({ n: _.neq(null) })
      .orderBy('tags', 'asc')
      .orderBy('n', 'desc')
      .skip(1)
      .limit(2)
      .field({ n: true })
      .get();
    // tags asc sorts by each array's smallest element: 'fruit'(a,b by n desc) < 'orange'(c).
    expect(res.data).toEqual([
      { _id: 'a', n: 1 },
      { _id: 'c', n: 3 },
    ]);
    const count = await q().where({ tags: 'fruit' }).count();
    expect(count.total).toBe(2);
  });

  it('uses the SDK default limit of 100 and caps at 1000', async () => {
    const big = db.collection('big');
    await Promise.all(
      Array.from({ length: 11 }, (_x, i) =>
        big.add({ data: Array.from({ length: 100 }, (_y, j) => ({ i: i * 100 + j })) } as Loose),
      ),
    );
    expect((await big.get()).data).toHaveLength(100);
    expect((await big.limit(5000).get()).data).toHaveLength(1000);
    expect((await big.count()).total).toBe(1100);
  });

  it('where().update() and where().remove() act on every match', async () => {
    const w = db.collection('w');
    for (let i = 0; i < 5; i++) await w.add({ data: { i, odd: i % 2 === 1 } });
    expect(await w.where({ odd: true }).update({ data: { tag: 'odd', i: _.mul(10) } })).toMatchObject({
      stats: { updated: 2 },
    });
    expect((await w.where({ tag: 'odd' }).orderBy('i', 'asc').get()).data.map((d: Loose) => d.i)).toEqual([
      10, 30,
    ]);
    expect(await w.where({ odd: false }).remove()).toMatchObject({ stats: { removed: 3 } });
    expect((await w.count()).total).toBe(2);
  });

  it('applies the update commands the SDK encodes', async () => {
    const u = db.collection('u');
    await u.doc('x').set({ data: { n: 5, arr: [1, 2, 3], o: { keep: 1, drop: 2 }, old: 'v', lo: 5, hi: 5 } });
    await u.doc('x').update({
      data: {
        n: _.inc(-2),
        arr: _.push([4]),
        o: { drop: _.remove(), added: 1 },
        old: _.rename('renamed'),
        lo: _.min(1),
        hi: _.max(9),
        set: _.set({ whole: true }),
        m: _.mul(3),
      },
    });
    await u.doc('x').update({ data: { arr: _.pull(_.gt(3)), more: _.addToSet('a'), both: _.unshift([0]) } });
    await u.doc('x').update({ data: { arr: _.shift(), more: _.addToSet({ each: ['a', 'b'] }) } });
    await u.doc('x').update({ data: { arr: _.pop() } });
    expect((await u.doc('x').get()).data).toEqual({
      _id: 'x',
      n: 3,
      arr: [2],
      o: { keep: 1, added: 1 },
      renamed: 'v',
      lo: 1,
      hi: 9,
      set: { whole: true },
      m: 0,
      more: ['a', 'b'],
      both: [0],
    });
  });

  it('createCollection once, then an error', async () => {
    expect(await db.createCollection('fresh')).toMatchObject({ errMsg: 'createCollection:ok' });
    const err = await sdkError(db.createCollection('fresh'));
    expect(err.message).toContain('already exists');
  });
});

describe('updates through a field that is not an object', () => {
  // MongoDB, and so the cloud, fails such an update (PathNotViable, code 28) and writes none of it.
  const c = () => db.collection('paths');
  const ORIGINAL = {
    nul: null,
    num: 5,
    str: 'x',
    yes: true,
    at: new Date(1),
    list: [{ k: 1 }, null, 3],
    src: 'v',
  };
  // Paths `<field>.f` that no update can go through, and the element MongoDB names in its message.
  const BLOCKED: Array<[path: string, element: string]> = [
    ['nul.f', '{nul: null}'],
    ['num.f', '{num: 5}'],
    ['str.f', '{str: "x"}'],
    ['yes.f', '{yes: true}'],
    ['at.f', '{at: {"$date":"1970-01-01T00:00:00.001Z"}}'],
    ['list.f', '{list: [{"k":1},null,3]}'],
    ['list.1.f', '{1: null}'],
    ['list.2.f', '{2: 3}'],
  ];
  const update = (data: Loose) => c().doc('p').update({ data });
  const stored = async (id: string) => (await c().doc(id).get()).data;

  beforeEach(async () => {
    await c().doc('p').set({ data: ORIGINAL });
  });

  // Operators that create their path: $set (a value, or _.set), $inc, $mul, $min, $max, $push, $addToSet.
  it.each([
    ['a value', () => 1],
    ['set', () => _.set({ a: 1 })],
    ['inc', () => _.inc(1)],
    ['mul', () => _.mul(2)],
    ['min', () => _.min(1)],
    ['max', () => _.max(1)],
    ['push', () => _.push([1])],
    ['unshift', () => _.unshift([1])],
    ['addToSet', () => _.addToSet(1)],
  ])('%s through one fails with "Cannot create field" and writes nothing', async (_name, command) => {
    for (const [path, element] of BLOCKED) {
      const err = await sdkError(update({ touched: true, [path]: command() }));
      expect(err.errCode).toBe(-502001); // database request fail, as every refused write
      expect(err.message).toContain(`Cannot create field 'f' in element ${element}`);
    }
    expect(await stored('p')).toEqual({ _id: 'p', ...ORIGINAL });
  });

  // $pull, $pullAll and $pop never create a path, but MongoDB fails a non-viable one all the same.
  it.each([
    ['pull', () => _.pull(1)],
    ['pullAll', () => _.pullAll([1])],
    ['pop', () => _.pop()],
    ['shift', () => _.shift()],
  ])('%s through one fails with "Cannot use the part" and writes nothing', async (_name, command) => {
    for (const [path, element] of BLOCKED) {
      const err = await sdkError(update({ touched: true, [path]: command() }));
      expect(err.message).toContain(
        `Cannot use the part (f) of (${path}) to traverse the element (${element})`,
      );
    }
    expect(await stored('p')).toEqual({ _id: 'p', ...ORIGINAL });
  });

  it('remove through one is a no-op, as in MongoDB, and the rest of the update applies', async () => {
    for (const [path] of BLOCKED) {
      expect(await update({ [path]: _.remove(), touched: path })).toMatchObject({ stats: { updated: 1 } });
    }
    expect(await stored('p')).toEqual({ _id: 'p', ...ORIGINAL, touched: 'list.2.f' });
  });

  it('rename fails from or to a path through one, or through an array; from nothing it is a no-op', async () => {
    for (const [path, element] of BLOCKED) {
      const from = await sdkError(update({ touched: true, [path]: _.rename('moved') }));
      expect(from.message).toContain(
        `Cannot use the part (f) of (${path}) to traverse the element (${element})`,
      );
      const to = await sdkError(update({ touched: true, src: _.rename(path) }));
      expect(to.message).toContain(
        path.startsWith('list.') ? 'destination field cannot be an array element' : "Cannot create field 'f'",
      );
    }
    const fromArray = await sdkError(update({ touched: true, 'list.0.k': _.rename('k') }));
    expect(fromArray.message).toContain('source field cannot be an array element');
    expect(await stored('p')).toEqual({ _id: 'p', ...ORIGINAL });
    await update({ absent: _.rename('nul.f'), touched: true });
    expect(await stored('p')).toEqual({ _id: 'p', ...ORIGINAL, touched: true });
  });

  it('inc, mul and the array commands on a null field fail, as in MongoDB; max replaces it', async () => {
    const commands = [
      _.inc(1),
      _.mul(2),
      _.push([1]),
      _.unshift([1]),
      _.addToSet(1),
      _.pull(1),
      _.pullAll([1]),
      _.pop(),
      _.shift(),
    ];
    for (const command of commands) {
      const err = await sdkError(update({ touched: true, nul: command }));
      expect(err.message).toMatch(
        /Cannot apply \$\w+ to a (value of non-numeric type|non-array field): nul is null/,
      );
    }
    expect(await stored('p')).toEqual({ _id: 'p', ...ORIGINAL });
    await update({ nul: _.max(1) });
    expect(await stored('p')).toEqual({ _id: 'p', ...ORIGINAL, nul: 1 });
  });

  it('still creates fields under a missing parent and goes into arrays by index', async () => {
    await update({
      'new.a.b': 1,
      'newer.n': _.inc(2),
      'newest.l': _.push([1]),
      'list.0.k': _.inc(1),
      'list.0.z': 'z',
      'list.4': 'x',
      src: _.rename('moved.src'),
    });
    const { src, ...rest } = ORIGINAL;
    expect(await stored('p')).toEqual({
      _id: 'p',
      ...rest,
      new: { a: { b: 1 } },
      newer: { n: 2 },
      newest: { l: [1] },
      list: [{ k: 2, z: 'z' }, null, 3, null, 'x'],
      moved: { src },
    });
  });

  it('where().update() stops at the first document it cannot update and keeps the ones before, as MongoDB does', async () => {
    const docs: Array<[string, unknown]> = [
      ['m1', {}],
      ['m2', null],
      ['m3', {}],
    ];
    for (const [id, o] of docs)
      await c()
        .doc(id)
        .set({ data: { group: 'm', o } });
    const err = await sdkError(
      c()
        .where({ group: 'm' })
        .update({ data: { 'o.f': 1 } }),
    );
    expect(err.message).toContain("Cannot create field 'f' in element {o: null}");
    expect(await Promise.all(['m1', 'm2', 'm3'].map(stored))).toEqual([
      { _id: 'm1', group: 'm', o: { f: 1 } },
      { _id: 'm2', group: 'm', o: null },
      { _id: 'm3', group: 'm', o: {} },
    ]);
  });

  it('in a transaction, a failed update writes nothing and the transaction goes on', async () => {
    await db.runTransaction(async (t: Loose) => {
      await sdkError(
        t
          .collection('paths')
          .doc('p')
          .update({ data: { touched: true, 'nul.f': 1 } }),
      );
      await t
        .collection('paths')
        .doc('p')
        .update({ data: { after: true } });
    });
    expect(await stored('p')).toEqual({ _id: 'p', ...ORIGINAL, after: true });
  });
});

describe('transactions', () => {
  const acct = () => db.collection('accounts');
  beforeEach(async () => {
    await acct()
      .doc('A')
      .set({ data: { balance: 100 } });
    await acct()
      .doc('B')
      .set({ data: { balance: 0 } });
  });
  const balance = async (id: string) => (await acct().doc(id).get()).data.balance;

  it('runTransaction commits, and sees its own writes', async () => {
    const seen = await db.runTransaction(async (t: Loose) => {
      const a = (await t.collection('accounts').doc('A').get()).data;
      await t
        .collection('accounts')
        .doc('A')
        .update({ data: { balance: a.balance - 30 } });
      await t
        .collection('accounts')
        .doc('B')
        .update({ data: { balance: _.inc(30) } });
      await t.collection('accounts').add({ data: { _id: 'log1', amount: 30 } });
      expect(await balance('A')).toBe(100); // not visible outside before commit
      return (await t.collection('accounts').doc('A').get()).data.balance;
    });
    expect(seen).toBe(70);
    expect([await balance('A'), await balance('B')]).toEqual([70, 30]);
    expect((await acct().doc('log1').get()).data.amount).toBe(30);
  });

  it('rollback and thrown errors leave nothing behind', async () => {
    const rolled = await sdkErrorOrValue(
      db.runTransaction(async (t: Loose) => {
        await t
          .collection('accounts')
          .doc('A')
          .update({ data: { balance: 0 } });
        await t.collection('accounts').add({ data: { _id: 'ghost' } });
        await t.rollback('no funds');
      }),
    );
    expect(rolled).toBe('no funds');
    await expect(
      db.runTransaction(async (t: Loose) => {
        await t
          .collection('accounts')
          .doc('B')
          .update({ data: { balance: 999 } });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect([await balance('A'), await balance('B')]).toEqual([100, 0]);
    expect((await acct().where({ _id: 'ghost' }).count()).total).toBe(0);
    expect(await h.db.openTransactions()).toBe(0);
  });

  it('startTransaction: commit, rollback, and a conflicting commit fails', async () => {
    const t1 = await db.startTransaction();
    const t2 = await db.startTransaction();
    const a1 = (await t1.collection('accounts').doc('A').get()).data;
    const a2 = (await t2.collection('accounts').doc('A').get()).data;
    await t1
      .collection('accounts')
      .doc('A')
      .update({ data: { balance: a1.balance + 1 } });
    await t2
      .collection('accounts')
      .doc('A')
      .update({ data: { balance: a2.balance + 2 } });
    await t1.commit();
    const err = (await sdkError(t2.commit())) as { code?: string; message: string };
    expect(err.code).toBe('DATABASE_TRANSACTION_CONFLICT');
    expect(await balance('A')).toBe(101);
    const t3 = await db.startTransaction();
    await t3
      .collection('accounts')
      .doc('B')
      .update({ data: { balance: 5 } });
    await t3.rollback();
    expect(await balance('B')).toBe(0);
  });

  it('concurrent read-modify-write transactions never lose an update (the SDK retries conflicts)', async () => {
    const n = 8;
    await Promise.all(
      Array.from({ length: n }, () =>
        db.runTransaction(async (t: Loose) => {
          const a = (await t.collection('accounts').doc('A').get()).data;
          await new Promise((r) => setTimeout(r, 5));
          await t
            .collection('accounts')
            .doc('A')
            .update({ data: { balance: a.balance - 1 } });
          await t
            .collection('accounts')
            .doc('B')
            .update({ data: { balance: _.inc(1) } });
        }, n + 2),
      ),
    );
    expect([await balance('A'), await balance('B')]).toEqual([100 - n, n]);
  });

  it('a plain write to a document a transaction read makes the transaction conflict', async () => {
    let attempts = 0;
    await db.runTransaction(async (t: Loose) => {
      attempts++;
      const a = (await t.collection('accounts').doc('A').get()).data;
      if (attempts === 1)
        await acct()
          .doc('A')
          .update({ data: { balance: _.inc(50) } });
      await t
        .collection('accounts')
        .doc('A')
        .update({ data: { balance: a.balance * 2 } });
    });
    expect(attempts).toBe(2);
    expect(await balance('A')).toBe(300);
  });
});

describe('unsupported and malformed requests', () => {
  it('an action the sandbox does not emulate is a clear SDK error naming it', async () => {
    const err = await sdkError(db.collection('q').aggregate().match({ n: 1 }).end());
    expect(err.message).toContain('database.aggregateDocuments');
    expect(err.message).toContain('not emulated');
  });

  it('bad input gets an error envelope and the server keeps answering', async () => {
    const bodies = [
      'not json',
      JSON.stringify({ action: 'database.getDocument', collectionName: 'q', query: '{bad' }),
      JSON.stringify({ action: 'database.insertDocument', collectionName: 'q', data: '{"$numberInt":"x"}' }),
      JSON.stringify({
        action: 'database.modifyDocument',
        collectionName: 'q',
        query: '{}',
        data: '{"$inc":{"s":1}}',
        multi: true,
      }),
      JSON.stringify({ action: 'database.getDocument', collectionName: { evil: true } }),
      JSON.stringify({ action: 'database.commitTransaction', transactionId: 42 }),
    ];
    for (const body of bodies) {
      const answer = await post(`${h.url}/admin`, body);
      expect(answer).toMatchObject({ code: expect.stringMatching(/^[A-Z_]+$/), message: expect.any(String) });
    }
    expect((await db.collection('q').count()).total).toBe(4);
  });
});

async function sdkErrorOrValue(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => 'resolved',
    (e: unknown) => e,
  );
}

function post(url: string, body: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => {
          try {
            resolve(JSON.parse(text) as Record<string, unknown>);
          } catch (err) {
            reject(err as Error);
          }
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
