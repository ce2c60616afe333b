/**
 * SQLite storage of the cloud database: one table per collection (`rowid`, `_id`, version `v`,
 * canonical EJSON `doc`), expression indexes over `paykit_key(doc, path)`, and bookkeeping of the
 * fields that ever held a value without an exact scalar key ("tainted", see keys.ts). A tainted
 * indexed field is multikey, as MongoDB makes an index on a path through arrays: a side table
 * (`keys/<collection>`: field, key, rowid) holds one row per key of each document (keysAtPath), so
 * a query can still find its candidates from an index. Every write method runs inside the caller's
 * SQLite transaction; nothing here is asynchronous.
 */
import Database from 'better-sqlite3';
import { SandboxError } from '../errors';
import { RollbackJournal } from './journal';
import { COMPLEX, KEY_FUNCTION, keyAtPath, keyExpr, keysAtPath, sqlKeyFunction } from './keys';
import { decodeValue, type Doc, invalidParam, stringifyEJSON } from './values';
import { statement } from './statements';

export interface Row {
  rowid: number;
  key: string;
  v: number;
  doc: Doc;
}

interface RawRow {
  rowid: number;
  _id: string;
  v: number;
  doc: string;
}

export interface IndexSpec {
  collection: string;
  name: string;
  fields: Array<[field: string, order: 1 | -1]>;
  unique?: boolean;
}

// In the exported JSON __proto__ is the prototype, not a key: such a collection vanished from exports.
const COLLECTION_NAME = /^(?!__proto__$)[A-Za-z0-9_-]{1,128}$/;
const FIELD_PATH = /^[^.$\s][^\s]*$/;

export function tableName(collection: string): string {
  return `"docs/${collection}"`;
}

/** The side table of a collection's multikey keys. */
export function keysTableName(collection: string): string {
  return `"keys/${collection}"`;
}

export function checkCollectionName(name: unknown): string {
  if (typeof name !== 'string' || !COLLECTION_NAME.test(name)) {
    throw invalidParam(
      `invalid collection name ${JSON.stringify(name)}: use 1-128 letters, digits, _ or -, but not __proto__`,
    );
  }
  return name;
}

export class DocStore {
  private collections = new Set<string>();
  /** collection -> indexed field paths */
  private indexed = new Map<string, Set<string>>();
  private tainted = new Map<string, Set<string>>();
  /** Collections written since the database last reported its writes (CloudDatabase.onWrite). */
  readonly touched = new Set<string>();
  /** Takes back what a rolled-back transaction added to the sets above. */
  private journal = new RollbackJournal();

  constructor(readonly sqlite: Database.Database) {
    sqlite.function(KEY_FUNCTION, { deterministic: true }, sqlKeyFunction);
    sqlite.exec(`
      CREATE TABLE IF NOT EXISTS _cloud_collections (name TEXT PRIMARY KEY, created_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS _cloud_indexes (collection TEXT NOT NULL, name TEXT NOT NULL,
        fields TEXT NOT NULL, is_unique INTEGER NOT NULL, PRIMARY KEY (collection, name));
      CREATE TABLE IF NOT EXISTS _cloud_tainted (collection TEXT NOT NULL, field TEXT NOT NULL,
        PRIMARY KEY (collection, field));
    `);
    for (const r of sqlite.prepare('SELECT name FROM _cloud_collections').all() as Array<{ name: string }>) {
      this.collections.add(r.name);
    }
    const indexes = sqlite.prepare('SELECT collection, fields FROM _cloud_indexes').all() as Array<{
      collection: string;
      fields: string;
    }>;
    for (const r of indexes) {
      for (const [f] of JSON.parse(r.fields) as IndexSpec['fields']) this.addIndexed(r.collection, f);
    }
    const tainted = sqlite.prepare('SELECT collection, field FROM _cloud_tainted').all() as Array<{
      collection: string;
      field: string;
    }>;
    for (const r of tainted) this.setOf(this.tainted, r.collection).add(r.field);
    // A database from before multikey keys: fill the side table of the fields tainted back then.
    const hasKeys = sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
    this.transaction(() => {
      for (const collection of this.tainted.keys()) {
        if (hasKeys.get(`keys/${collection}`)) continue;
        for (const f of this.multikeyFields(collection)) this.fillKeys(collection, f);
      }
    });
  }

  /** Runs `fn` in one SQLite transaction (a savepoint when nested) that also rolls back the sets above. */
  transaction<T>(fn: () => T): T {
    return this.journal.run(this.sqlite, fn);
  }

  private setOf(map: Map<string, Set<string>>, collection: string): Set<string> {
    let set = map.get(collection);
    if (!set) map.set(collection, (set = new Set()));
    return set;
  }

  private addIndexed(collection: string, field: string): void {
    this.journal.add(this.setOf(this.indexed, collection), field);
  }

  has(collection: string): boolean {
    return this.collections.has(collection);
  }

  list(): string[] {
    return [...this.collections].sort();
  }

  /** Creates the collection's table if needed. Returns false if it already existed. */
  create(collection: string, now: number): boolean {
    if (this.collections.has(collection)) return false;
    const t = tableName(collection);
    this.sqlite
      .exec(`CREATE TABLE IF NOT EXISTS ${t} (rowid INTEGER PRIMARY KEY AUTOINCREMENT, _id TEXT NOT NULL UNIQUE,
      v INTEGER NOT NULL, doc TEXT NOT NULL)`);
    this.sqlite.prepare('INSERT OR IGNORE INTO _cloud_collections VALUES (?, ?)').run(collection, now);
    this.journal.add(this.collections, collection);
    return true;
  }

  /** An indexed field that never held an array, object or other non-scalar: its key is exact. */
  exactKey(collection: string, field: string): boolean {
    return !!this.indexed.get(collection)?.has(field) && !this.tainted.get(collection)?.has(field);
  }

  /** Indexed fields whose keys are kept in the side table (tainted ones). */
  private multikeyFields(collection: string): string[] {
    const tainted = this.tainted.get(collection);
    return [...(this.indexed.get(collection) ?? [])].filter((f) => f !== '_id' && tainted?.has(f));
  }

  /**
   * The side table that finds candidates for conditions on `field`, or null: the field is indexed
   * and multikey, and no document reached a value without a scalar key there (which only mingo can
   * compare, as for a tainted exact key).
   */
  multikeyTable(collection: string, field: string): string | null {
    if (!this.multikeyFields(collection).includes(field)) return null;
    const t = keysTableName(collection);
    const complex = statement(this.sqlite, `SELECT 1 FROM ${t} WHERE field = ? AND key = ? LIMIT 1`).get(
      field,
      COMPLEX,
    );
    return complex ? null : t;
  }

  /** (Re)writes the side-table keys of `field` for every document of the collection. */
  private fillKeys(collection: string, field: string): void {
    const t = keysTableName(collection);
    this.sqlite
      .exec(`CREATE TABLE IF NOT EXISTS ${t} (field TEXT NOT NULL, key NOT NULL, rid INTEGER NOT NULL,
      PRIMARY KEY (field, key, rid)) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS "keys/${collection}/rid" ON ${t} (rid)`);
    this.sqlite.prepare(`DELETE FROM ${t} WHERE field = ?`).run(field);
    const insert = this.sqlite.prepare(`INSERT INTO ${t} (field, key, rid) VALUES (?, ?, ?)`);
    const next = this.sqlite.prepare(
      `SELECT rowid, doc FROM ${tableName(collection)} WHERE rowid > ? ORDER BY rowid LIMIT 1000`,
    );
    // In pages: a collection need not fit in memory (and no write may run while a SELECT iterates).
    let rows: Array<Pick<RawRow, 'rowid' | 'doc'>>;
    for (let after = 0; (rows = next.all(after) as typeof rows).length; after = rows[rows.length - 1].rowid) {
      for (const r of rows)
        for (const key of keysAtPath(JSON.parse(r.doc), field)) insert.run(field, key, r.rowid);
    }
    this.sqlite.exec(`ANALYZE ${t}`);
  }

  /** Replaces a written document's side-table keys (there are some only once a field is multikey). */
  private writeKeys(collection: string, rowid: number, doc: unknown): void {
    const fields = this.multikeyFields(collection);
    if (!fields.length) return;
    const t = keysTableName(collection);
    statement(this.sqlite, `DELETE FROM ${t} WHERE rid = ?`).run(rowid);
    const insert = statement(this.sqlite, `INSERT INTO ${t} (field, key, rid) VALUES (?, ?, ?)`);
    for (const f of fields) for (const key of keysAtPath(doc, f)) insert.run(f, key, rowid);
  }

  ensureIndex(spec: IndexSpec, now: number): void {
    checkCollectionName(spec.collection);
    if (!Array.isArray(spec.fields) || spec.fields.length === 0)
      throw invalidParam(`index ${spec.name} has no fields`);
    for (const [f, o] of spec.fields) {
      if (typeof f !== 'string' || !FIELD_PATH.test(f) || (o !== 1 && o !== -1)) {
        throw invalidParam(`index ${spec.name}: bad field ${JSON.stringify([f, o])}`);
      }
    }
    this.create(spec.collection, now);
    const cols = spec.fields.map(([f, o]) => (f === '_id' ? '_id' : keyExpr(f)) + (o === -1 ? ' DESC' : ''));
    const name = `"ix/${spec.collection}/${spec.name.replace(/"/g, '')}"`;
    const fields = JSON.stringify(spec.fields);
    const prev = this.sqlite
      .prepare('SELECT fields, is_unique FROM _cloud_indexes WHERE collection = ? AND name = ?')
      .get(spec.collection, spec.name) as { fields: string; is_unique: number } | undefined;
    if (prev && (prev.fields !== fields || !!prev.is_unique !== !!spec.unique)) {
      this.sqlite.exec(`DROP INDEX IF EXISTS ${name}`);
    }
    this.sqlite.exec(
      `CREATE ${spec.unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS ${name} ON ${tableName(spec.collection)} (${cols.join(', ')})`,
    );
    this.sqlite
      .prepare('INSERT OR REPLACE INTO _cloud_indexes VALUES (?, ?, ?, ?)')
      .run(spec.collection, spec.name, fields, spec.unique ? 1 : 0);
    for (const [f] of spec.fields) {
      if (f === '_id' || this.indexed.get(spec.collection)?.has(f)) continue;
      this.addIndexed(spec.collection, f);
      if (this.tainted.get(spec.collection)?.has(f)) {
        // Tainted while no index named it: its side-table keys, if any, are stale.
        this.fillKeys(spec.collection, f);
        continue;
      }
      const probe = this.sqlite
        .prepare(`SELECT 1 FROM ${tableName(spec.collection)} WHERE ${keyExpr(f)} = ? LIMIT 1`)
        .get(COMPLEX);
      if (probe) this.taint(spec.collection, f);
    }
    this.sqlite.exec(`ANALYZE ${name}`);
  }

  /** Marks an indexed field multikey: from now on its keys are in the side table. */
  private taint(collection: string, field: string): void {
    this.sqlite.prepare('INSERT OR IGNORE INTO _cloud_tainted VALUES (?, ?)').run(collection, field);
    this.journal.add(this.setOf(this.tainted, collection), field);
    this.fillKeys(collection, field);
  }

  /** Keeps the index bookkeeping of a document just written: taint, and its multikey keys. */
  private indexWritten(collection: string, rowid: number, text: string): void {
    const fields = this.indexed.get(collection);
    if (!fields) return;
    const tainted = this.setOf(this.tainted, collection);
    let parsed: unknown;
    for (const f of fields) {
      if (f === '_id' || tainted.has(f)) continue;
      parsed ??= JSON.parse(text);
      if (keyAtPath(parsed, f) === COMPLEX) this.taint(collection, f);
    }
    if (tainted.size) this.writeKeys(collection, rowid, parsed ?? JSON.parse(text));
  }

  decode(raw: RawRow): Row {
    return {
      rowid: raw.rowid,
      key: raw._id,
      v: raw.v,
      doc: decodeValue(JSON.parse(raw.doc), 'stored document', 0) as Doc,
    };
  }

  get(collection: string, key: string): Row | null {
    if (!this.has(collection)) return null;
    const raw = statement(
      this.sqlite,
      `SELECT rowid, _id, v, doc FROM ${tableName(collection)} WHERE _id = ?`,
    ).get(key);
    return raw ? this.decode(raw as RawRow) : null;
  }

  /** Identity of the stored revision: rowids are never reused (AUTOINCREMENT) and v grows on every write. */
  revision(collection: string, key: string): string | null {
    if (!this.has(collection)) return null;
    const raw = statement(this.sqlite, `SELECT rowid, v FROM ${tableName(collection)} WHERE _id = ?`).get(
      key,
    );
    return raw ? revisionOf(raw as Row) : null;
  }

  /** Runs a planned SELECT; yields decoded rows lazily so callers can stop early. */
  *select(
    collection: string,
    where: string,
    params: unknown[],
    order: string,
    limit = -1,
    offset = 0,
  ): Generator<Row> {
    if (!this.has(collection)) return;
    const sql = `SELECT rowid, _id, v, doc FROM ${tableName(collection)} WHERE ${where} ORDER BY ${order} LIMIT ${limit} OFFSET ${offset}`;
    for (const raw of this.sqlite.prepare(sql).iterate(...params)) yield this.decode(raw as RawRow);
  }

  /** SQLite's EXPLAIN QUERY PLAN of what select() would run, one step a line. */
  explain(collection: string, where: string, params: unknown[], order: string): string[] {
    if (!this.has(collection)) return [];
    const sql = `EXPLAIN QUERY PLAN SELECT rowid, _id, v, doc FROM ${tableName(collection)} WHERE ${where} ORDER BY ${order}`;
    return (this.sqlite.prepare(sql).all(...params) as Array<{ detail: string }>).map((r) => r.detail);
  }

  count(collection: string, where: string, params: unknown[]): number {
    if (!this.has(collection)) return 0;
    const r = statement(this.sqlite, `SELECT COUNT(*) AS n FROM ${tableName(collection)} WHERE ${where}`).get(
      ...params,
    );
    return (r as { n: number }).n;
  }

  insert(collection: string, key: string, doc: Doc, now: number): Row {
    this.create(collection, now);
    const text = stringifyEJSON(doc);
    this.touched.add(collection);
    let rowid: number;
    try {
      const info = statement(
        this.sqlite,
        `INSERT INTO ${tableName(collection)} (_id, v, doc) VALUES (?, 1, ?)`,
      ).run(key, text);
      rowid = Number(info.lastInsertRowid);
    } catch (err) {
      throw duplicateKey(err, collection);
    }
    this.indexWritten(collection, rowid, text);
    return { rowid, key, v: 1, doc };
  }

  replace(collection: string, row: Row, doc: Doc): Row {
    const text = stringifyEJSON(doc);
    this.touched.add(collection);
    try {
      statement(this.sqlite, `UPDATE ${tableName(collection)} SET v = v + 1, doc = ? WHERE rowid = ?`).run(
        text,
        row.rowid,
      );
    } catch (err) {
      throw duplicateKey(err, collection);
    }
    this.indexWritten(collection, row.rowid, text);
    return { ...row, v: row.v + 1, doc };
  }

  remove(collection: string, rowid: number): void {
    this.touched.add(collection);
    statement(this.sqlite, `DELETE FROM ${tableName(collection)} WHERE rowid = ?`).run(rowid);
    if (this.multikeyFields(collection).length)
      statement(this.sqlite, `DELETE FROM ${keysTableName(collection)} WHERE rid = ?`).run(rowid);
  }

  /** Removes every document of the collection (a seed import that replaces it). */
  clear(collection: string): void {
    this.sqlite.prepare(`DELETE FROM ${tableName(collection)}`).run();
    if (this.multikeyFields(collection).length)
      this.sqlite.prepare(`DELETE FROM ${keysTableName(collection)}`).run();
  }

  drop(collection: string): void {
    if (!this.has(collection)) return;
    this.sqlite.exec(`DROP TABLE IF EXISTS ${tableName(collection)}`);
    this.sqlite.exec(`DROP TABLE IF EXISTS ${keysTableName(collection)}`);
    for (const t of [
      '_cloud_collections WHERE name',
      '_cloud_indexes WHERE collection',
      '_cloud_tainted WHERE collection',
    ]) {
      this.sqlite.prepare(`DELETE FROM ${t} = ?`).run(collection);
    }
    this.collections.delete(collection);
    this.indexed.delete(collection);
    this.tainted.delete(collection);
  }
}

export function revisionOf(row: Pick<Row, 'rowid' | 'v'>): string {
  return `${row.rowid}:${row.v}`;
}

function duplicateKey(err: unknown, collection: string): unknown {
  const code = (err as { code?: string }).code;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return new SandboxError(
      'DATABASE_REQUEST_FAILED',
      `E11000 duplicate key error collection: ${collection} (${(err as Error).message})`,
    );
  }
  return err;
}
