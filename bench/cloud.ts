/**
 * Issue 3 figures. `db`: database round trips through the real wx-server-sdk in this process,
 * against a sandbox process serving 1,000,000 orders. `functions`: gateway calls of a trivial
 * function, warm and cold (cloud-functions.ts).
 */
import Database from 'better-sqlite3';
import * as fs from 'fs';
import * as path from 'path';
import { SandboxClock } from '../sandbox/clock';
import { CloudDatabase } from '../sandbox/cloud/database';
import { tableName } from '../sandbox/cloud/store';
import { startSandboxProcess } from '../test/helpers/sandbox';
import { ensureDataset } from './cloud-build';
import { DEFAULT_DATASET, openidOf, ORDERS_COLLECTION, prng, ROOT } from './cloud-dataset';
import { sample } from './cloud-functions';
import { row, summarize } from './stats';

export { benchFunctions } from './cloud-functions';

// The SDK's typings return unions with void and loose documents; this bench reads results loosely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- SDK edge
type Loose = any;

const RUN_DIR = path.join(ROOT, '.sandbox/bench-1m-run');

/** Existing order ids picked straight from the data file: random ones, and unpaid ones to update. */
function pickOrders(file: string, n: number): { any: string[]; notpay: string[] } {
  const db = new Database(file, { readonly: true });
  try {
    const get = db.prepare(`SELECT _id, doc FROM ${tableName(ORDERS_COLLECTION)} WHERE rowid = ?`);
    const rnd = prng(7);
    const any: string[] = [];
    const notpay: string[] = [];
    while (any.length < n || notpay.length < n) {
      const r = get.get(1 + Math.floor(rnd() * DEFAULT_DATASET.orders)) as { _id: string; doc: string };
      if (any.length < n) any.push(r._id);
      if (notpay.length < n && r.doc.includes('"status":"NOTPAY"') && !notpay.includes(r._id))
        notpay.push(r._id);
    }
    return { any, notpay };
  } finally {
    db.close();
  }
}

function newOrder(i: number, openid: string): Record<string, unknown> {
  const now = Date.now();
  const items = [{ sku: 'coffee-latte', name: '拿铁咖啡', unitPrice: 2800, quantity: 2 }];
  return {
    _id: `PKBENCH${now}${String(i).padStart(6, '0')}`,
    openid,
    appid: 'wx0000000000sandbox',
    items,
    totalFee: 5600,
    description: '拿铁咖啡×2',
    status: 'NOTPAY',
    attempts: [],
    outTradeNo: null,
    createdAt: new Date(now),
    updatedAt: new Date(now),
    expiresAt: new Date(now + 30 * 60_000),
    version: 1,
  };
}

/** The same reads straight into CloudDatabase.handle (no HTTP, no SDK): the engine's share. */
async function engineOnly(file: string, ids: string[]): Promise<Array<[string, number[]]>> {
  const clock = new SandboxClock();
  const cloud = new CloudDatabase({ file, clock });
  try {
    const rnd = prng(13);
    const base = { collectionName: ORDERS_COLLECTION, offset: 0 };
    const read = await sample(1000, (i) =>
      cloud.handle('database.getDocument', {
        ...base,
        queryType: 'DOC',
        query: JSON.stringify({ _id: ids[i % ids.length] }),
        limit: 1,
      }),
    );
    const list = await sample(500, () =>
      cloud.handle('database.getDocument', {
        ...base,
        queryType: 'WHERE',
        query: JSON.stringify({ openid: openidOf(Math.floor(rnd() * 5000)) }),
        order: JSON.stringify({ createdAt: -1 }),
        limit: 20,
      }),
    );
    return [
      ['  engine only (no HTTP/SDK): point read', read],
      ['  engine only (no HTTP/SDK): list {openid}', list],
    ];
  } finally {
    cloud.close();
    clock.stop();
  }
}

export async function benchDatabase(): Promise<void> {
  const builtMs = ensureDataset();
  if (builtMs !== null) {
    console.log(
      `dataset: ${DEFAULT_DATASET.orders.toLocaleString('en')} orders of ${DEFAULT_DATASET.users.toLocaleString('en')} users ` +
        `built in ${(builtMs / 1000).toFixed(1)} s (cached in .sandbox/bench-1m)`,
    );
  }
  // The bench writes (add, update): it runs on a copy so that the cached dataset stays as built.
  fs.rmSync(RUN_DIR, { recursive: true, force: true });
  fs.mkdirSync(RUN_DIR, { recursive: true });
  const file = path.join(RUN_DIR, 'cloud.sqlite');
  fs.copyFileSync(path.join(DEFAULT_DATASET.dir, 'cloud.sqlite'), file);
  // On disk before the sandbox's first synced commit, which would otherwise wait for the whole copy.
  const fd = fs.openSync(file, 'r+');
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  const picked = pickOrders(file, 1000);
  const engine = await engineOnly(file, picked.any);

  const sandbox = await startSandboxProcess({ dataDir: RUN_DIR });
  try {
    // Without it @cloudbase/node-sdk probes metadata.tencentyun.com (30 ms) on every request.
    process.env.TENCENTCLOUD = 'true';
    const { default: cloud } = (await import('wx-server-sdk')) as Loose;
    cloud.init({ env: sandbox.envId, serviceUrl: `${sandbox.url}/admin`, secretId: 'x', secretKey: 'y' });
    const db: Loose = cloud.database();
    const _ = db.command;
    const orders = () => db.collection(ORDERS_COLLECTION);
    const rnd = prng(11);
    // Users 0..4,999 have ≥ ~30 orders each (cloud-dataset.ts skews orders towards low user numbers).
    const user = () => openidOf(Math.floor(rnd() * 5000));
    const { spanStart, spanMs } = DEFAULT_DATASET;
    const rows: Record<string, number> = {};
    const count = (label: string, res: { data: unknown[] }) => {
      rows[label] = (rows[label] ?? 0) + res.data.length;
    };

    const results: Array<[string, number[]]> = [];
    results.push([
      'point read  doc(id).get()',
      await sample(1000, async (i) => {
        const res = await orders()
          .doc(picked.any[i % picked.any.length])
          .get();
        if (!res.data) throw new Error('point read found nothing');
      }),
    ]);
    const listings: Array<[string, () => Loose]> = [
      ['list  {openid} createdAt desc, 20', () => orders().where({ openid: user() })],
      [
        'list  {openid,status} createdAt desc, 20',
        () => orders().where({ openid: user(), status: 'SUCCESS' }),
      ],
      [
        'list  {openid,status,createdAt<cursor}, 20',
        () =>
          orders().where({
            openid: user(),
            status: 'SUCCESS',
            createdAt: _.lt(new Date(spanStart + spanMs * (0.3 + 0.7 * rnd()))),
          }),
      ],
    ];
    for (const [label, query] of listings) {
      results.push([
        label,
        await sample(500, async () =>
          count(label, await query().orderBy('createdAt', 'desc').limit(20).get()),
        ),
      ]);
    }
    results.push([
      'insert  add()',
      await sample(300, async (i) => {
        const res = await orders().add({ data: newOrder(i, user()) });
        if (!res._id) throw new Error('add returned no _id');
      }),
    ]);
    let updated = 0;
    results.push([
      "update  where({_id,status:'NOTPAY'})",
      await sample(
        300,
        async (i) => {
          const res = await orders()
            .where({ _id: picked.notpay[i], status: 'NOTPAY' })
            .update({
              data: {
                status: 'SUCCESS',
                transactionId: `4200bench${i}`,
                paidAt: new Date(),
                updatedAt: new Date(),
                version: _.inc(1),
              },
            });
          updated += res.stats.updated;
        },
        0,
      ),
    ]);
    results.push(...engine);
    for (const [label, samples] of results) {
      const listed = rows[label];
      // Listing samples include the untimed warm-up calls in the row count: 520 calls each.
      console.log(row(label, summarize(samples)) + (listed ? `  avg rows ${(listed / 520).toFixed(1)}` : ''));
    }
    if (updated !== 300) throw new Error(`conditional updates changed ${updated} orders, not 300`);
  } finally {
    await sandbox.stop();
    fs.rmSync(RUN_DIR, { recursive: true, force: true });
  }
}
