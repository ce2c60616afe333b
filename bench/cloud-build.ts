/**
 * Builds the `db` bench dataset fast. The sandbox's indexes are SQLite expression indexes over
 * `paykit_key(doc, 'field')`, a JS function; building them the ordinary way (CREATE INDEX, or
 * inserting into indexed tables) calls it ~15 times per order, and each call copies the ~1.1 KB
 * document into JS (~6 µs here): 90+ s for 1M orders, whatever the order of operations.
 * Instead the generator already knows every key, so:
 *  1. CloudDatabase creates the collections and declared indexes on empty tables (exact SQL and
 *     bookkeeping of a real start), then the orders' indexes are dropped, their SQL remembered;
 *  2. orders go into their table and their keys into a plain key table with the same rowids;
 *  3. each index is built natively on the key table's columns (the same records: keys + rowid,
 *     same order, no affinity, binary collation), then moved onto the orders table by rewriting
 *     its schema row back to the remembered expression SQL (PRAGMA writable_schema);
 *  4. the key table is dropped, and sampled orders are looked up through every index by keys
 *     computed with the sandbox's own paykit_key, to prove the moved indexes match.
 */
import Database from 'better-sqlite3';
import * as fs from 'fs';
import * as path from 'path';
import { SandboxClock } from '../sandbox/clock';
import { CloudDatabase } from '../sandbox/cloud/database';
import { KEY_FUNCTION, keyExpr, sqlKeyFunction } from '../sandbox/cloud/keys';
import { tableName } from '../sandbox/cloud/store';
import {
  checkCanonical,
  DEFAULT_DATASET,
  type DatasetSpec,
  FORMAT,
  generateOrder,
  indexSpecs,
  ORDERS_COLLECTION,
  prng,
} from './cloud-dataset';

const MARKER = 'complete.json';
const KEYS_TABLE = '_bench_keys';

function markerOf(spec: DatasetSpec): string {
  return JSON.stringify({ format: FORMAT, orders: spec.orders, users: spec.users, indexes: indexSpecs() });
}

/** Builds the dataset unless a complete one is cached. Returns the build time, or null if cached. */
export function ensureDataset(spec: DatasetSpec = DEFAULT_DATASET): number | null {
  const marker = path.join(spec.dir, MARKER);
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === markerOf(spec)) return null;
  const started = Date.now();
  const tmp = `${spec.dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  const file = path.join(tmp, 'cloud.sqlite');
  const clock = new SandboxClock();
  const cloud = new CloudDatabase({ file, clock });
  cloud.ensureIndexes(indexSpecs());
  cloud.close();
  clock.stop();

  const specs = indexSpecs().filter((s) => s.collection === ORDERS_COLLECTION);
  const fields = [...new Set(specs.flatMap((s) => s.fields.map(([f]) => f)))];
  let db = open(file);
  const orders = tableName(ORDERS_COLLECTION);
  const indexSql = new Map<string, string>();
  for (const s of specs) {
    const name = `ix/${ORDERS_COLLECTION}/${s.name}`;
    const row = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?").get(name) as
      { sql: string } | undefined;
    if (!row) throw new Error(`the sandbox did not create index ${name}`);
    indexSql.set(name, row.sql);
    db.exec(`DROP INDEX "${name}"`);
  }
  const col = (f: string) => `"k:${f}"`;
  db.exec(`CREATE TABLE ${KEYS_TABLE} (rowid INTEGER PRIMARY KEY, ${fields.map(col).join(', ')})`);
  const insertDoc = db.prepare(`INSERT INTO ${orders} (rowid, _id, v, doc) VALUES (?, ?, 1, ?)`);
  const insertKeys = db.prepare(`INSERT INTO ${KEYS_TABLE} VALUES (?, ${fields.map(() => '?').join(', ')})`);
  const rnd = prng(20240101);
  const chunk = 100_000;
  for (let from = 0; from < spec.orders; from += chunk) {
    db.transaction(() => {
      for (let i = from; i < Math.min(spec.orders, from + chunk); i++) {
        const order = generateOrder(spec, i, rnd);
        if (i % 50_000 === 0) checkCanonical(order.text);
        insertDoc.run(i + 1, order.id, order.text);
        insertKeys.run(
          i + 1,
          ...fields.map((f) => (f in order.keys ? order.keys[f] : sqlKeyFunction(order.text, f))),
        );
      }
    })();
  }
  lap('rows');
  db.transaction(() => {
    for (const s of specs) {
      const name = `ix/${ORDERS_COLLECTION}/${s.name}`;
      const cols = s.fields.map(([f, o]) => col(f) + (o === -1 ? ' DESC' : ''));
      db.exec(`CREATE INDEX "${name}" ON ${KEYS_TABLE} (${cols.join(', ')})`);
    }
  })();
  // better-sqlite3 runs SQLite in defensive mode, which forbids writing the schema table.
  db.unsafeMode(true);
  lap('indexes');
  db.pragma('writable_schema = ON');
  const move = db.prepare(
    "UPDATE sqlite_master SET tbl_name = ?, sql = ? WHERE type = 'index' AND name = ? AND tbl_name = ?",
  );
  db.transaction(() => {
    for (const [name, sql] of indexSql) {
      if (move.run(`docs/${ORDERS_COLLECTION}`, sql, name, KEYS_TABLE).changes !== 1)
        throw new Error(`could not move index ${name}`);
    }
    db.pragma(`schema_version = ${(db.pragma('schema_version', { simple: true }) as number) + 1}`);
  })();
  db.pragma('writable_schema = OFF');
  db.close();

  db = open(file);
  db.exec(`DROP TABLE ${KEYS_TABLE}`);
  lap('move');
  // No ANALYZE: `paykit-sandbox start` analyzes every declared index when it opens the folder.
  verify(db, specs, spec.orders);
  lap('verify');
  db.pragma('journal_mode = WAL');
  db.close();

  fs.rmSync(spec.dir, { recursive: true, force: true });
  fs.renameSync(tmp, spec.dir);
  fs.writeFileSync(marker, markerOf(spec));
  return Date.now() - started;
}

let lapAt = Date.now();
function lap(what: string): void {
  if (process.env.BENCH_DEBUG) console.log(`  build: ${what} ${Date.now() - lapAt} ms`);
  lapAt = Date.now();
}

function open(file: string): Database.Database {
  const db = new Database(file);
  db.function(KEY_FUNCTION, { deterministic: true }, sqlKeyFunction);
  // Nothing here needs to survive a crash: the folder only counts once the marker is written.
  db.pragma('journal_mode = DELETE');
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -1000000');
  return db;
}

/** Every sampled order is found through every index under the keys the sandbox computes. */
function verify(db: Database.Database, specs: ReturnType<typeof indexSpecs>, orders: number): void {
  const table = tableName(ORDERS_COLLECTION);
  const doc = db.prepare(`SELECT doc FROM ${table} WHERE rowid = ?`).pluck();
  for (const s of specs) {
    const name = `ix/${ORDERS_COLLECTION}/${s.name}`;
    const where = s.fields.map(([f]) => `${f === '_id' ? '_id' : keyExpr(f)} IS ?`).join(' AND ');
    const find = db.prepare(`SELECT rowid FROM ${table} INDEXED BY "${name}" WHERE ${where}`).pluck();
    for (let n = 0; n < 200; n++) {
      const rowid = 1 + Math.floor((n / 200) * orders);
      const text = doc.get(rowid) as string;
      const keys = s.fields.map(([f]) => sqlKeyFunction(text, f));
      if (!(find.all(...keys) as number[]).includes(rowid)) {
        throw new Error(`index ${name} does not find order rowid ${rowid}: the fast build is broken`);
      }
    }
    const count = db.prepare(`SELECT COUNT(*) FROM ${table} INDEXED BY "${name}"`).pluck().get();
    if (count !== orders) throw new Error(`index ${name} holds ${count} entries, not ${orders}`);
  }
}
