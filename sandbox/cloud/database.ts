/**
 * The WeChat Cloud database of the sandbox: answers the `database.*` actions of wx-server-sdk 4.x
 * (@cloudbase/database 1.4 on the wire) from an SQLite file in WAL mode. Each action is synchronous
 * inside, so actions are atomic with respect to each other; a multi-document write is one SQLite
 * transaction (a multi-document update that fails midway keeps the documents it updated before, as
 * MongoDB's does), and every acknowledged write is in the WAL before handle() resolves: it survives the
 * sandbox being killed (SIGKILL) at any point. `durability: 'full'` also fsyncs every commit, which
 * survives power loss too, at the price of blocking the event loop for each fsync.
 */
import Database from 'better-sqlite3';
import * as fs from 'fs';
import * as path from 'path';
import { mingo } from './mingo';
import type { SandboxClock } from '../clock';
import { SandboxError } from '../errors';
import * as P from './params';
import { checkCollectionName, DocStore, type IndexSpec, type Row } from './store';
import { Transactions, TxView } from './transactions';
import { applyModifier, replaceDocument, toModifier } from './update-ops';
import {
  clone,
  type Doc,
  idKey,
  invalidParam,
  isPlainObject,
  newId,
  parseEJSON,
  stringifyEJSON,
} from './values';
import { exportSeed, importSeed } from './seed';
import type { SortSpec } from './sort';
import { StoreView, type View } from './view';

export type { IndexSpec } from './store';

export interface CloudDatabaseOptions {
  /** Path of the SQLite file, or ':memory:'. */
  file: string;
  clock: SandboxClock;
  /** Like the real cloud, fail on collections nobody created (default: create them on first write). */
  strictCollections?: boolean;
  /** An open transaction untouched this long is dropped (default 60 s, MongoDB's lifetime limit). */
  transactionIdleMs?: number;
  /** 'process' (default): acknowledged writes survive a killed process; 'full': and a power cut. */
  durability?: 'process' | 'full';
}

type Body = Record<string, unknown>;

export class CloudDatabase {
  readonly sqlite: Database.Database;
  private store: DocStore;
  private base: StoreView;
  private txs: Transactions;
  private clock: SandboxClock;
  private strict: boolean;
  /** Called once per written collection after each action or import (the dashboard's live feed). */
  onWrite?: (collection: string) => void;

  constructor(opts: CloudDatabaseOptions) {
    if (opts.file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(opts.file)), { recursive: true });
    this.sqlite = new Database(opts.file);
    this.sqlite.pragma('journal_mode = WAL');
    // In WAL mode, NORMAL writes each commit to the WAL (the OS keeps it if the process dies) and
    // fsyncs at checkpoints; FULL fsyncs every commit, which only matters if the machine dies.
    this.sqlite.pragma(`synchronous = ${opts.durability === 'full' ? 'FULL' : 'NORMAL'}`);
    this.clock = opts.clock;
    this.strict = !!opts.strictCollections;
    this.store = new DocStore(this.sqlite);
    this.base = new StoreView(this.store, () => this.clock.now());
    this.txs = new Transactions(this.base, this.store, opts.transactionIdleMs ?? 60_000);
  }

  async handle(action: string, params: Record<string, unknown>): Promise<Body> {
    try {
      if (!isPlainObject(params)) throw invalidParam('request parameters must be an object');
      return this.dispatch(action, params);
    } catch (err) {
      if (err instanceof SandboxError) throw err;
      throw new SandboxError('DATABASE_REQUEST_FAILED', `${action} failed: ${(err as Error).message}`);
    } finally {
      this.reportWrites();
    }
  }

  /** Tells onWrite which collections the last action wrote (a rolled-back write may be reported too). */
  private reportWrites(): void {
    const touched = [...this.store.touched];
    this.store.touched.clear();
    if (this.onWrite) for (const collection of touched) this.onWrite(collection);
  }

  private dispatch(action: string, p: P.Params): Body {
    switch (action) {
      case 'database.getDocument':
        return this.getDocument(p);
      case 'database.insertDocument':
        return this.write(p, (view, coll) => this.insertDocument(view, coll, p));
      case 'database.modifyDocument':
        return this.write(p, (view, coll) => this.modifyDocument(view, coll, p));
      case 'database.removeDocument':
        return this.write(p, (view, coll) => this.removeDocument(view, coll, p));
      case 'database.modifyAndReturnDoc':
        return this.write(p, (view, coll) => this.modifyAndReturn(view, coll, p));
      case 'database.calculateDocument':
        return this.countDocuments(p);
      case 'database.addCollection':
        return this.addCollection(p);
      case 'database.startTransaction':
        return { transactionId: this.txs.start().id };
      case 'database.commitTransaction':
        return this.commit(p);
      case 'database.abortTransaction':
        this.txs.end(this.txs.get(p.transactionId).id);
        return {};
      default:
        throw new SandboxError(
          'INVALID_ACTION',
          `action ${action} is not emulated by the paykit sandbox (supported: getDocument, insertDocument, ` +
            'modifyDocument, removeDocument, calculateDocument, addCollection, start/commit/abortTransaction)',
        );
    }
  }

  /** The view a request works on (its transaction's, if any) after checking the collection. */
  private viewFor(p: P.Params, coll: string): View {
    const tx = p.transactionId ? this.txs.get(p.transactionId) : null;
    if (this.strict && !this.store.has(coll)) {
      throw new SandboxError('DATABASE_COLLECTION_NOT_EXIST', `collection ${coll} does not exist`);
    }
    return tx ?? this.base;
  }

  /**
   * One write request: in a transaction none of it stays if it fails; outside, it is one SQLite
   * transaction, which commits what a stopped multi-document update wrote before answering its error.
   */
  private write(p: P.Params, fn: (view: View, coll: string) => Body | StoppedUpdate): Body {
    const coll = P.collectionOf(p);
    const view = this.viewFor(p, coll);
    const result =
      view instanceof TxView
        ? view.atomically(() => fn(view, coll))
        : this.store.transaction(() => fn(view, coll));
    if (result instanceof StoppedUpdate) throw result.error;
    return result;
  }

  private rowsOf(
    view: View,
    coll: string,
    target: P.Target,
    spec: Omit<Parameters<View['find']>[1], 'query'>,
  ): Row[] {
    if (target.docKey === undefined) return view.find(coll, { ...spec, query: target.query });
    const row = view.getById(coll, target.docKey);
    return row ? [row] : [];
  }

  private getDocument(p: P.Params): Body {
    const now = this.clock.now();
    const coll = P.collectionOf(p);
    const view = this.viewFor(p, coll);
    const target = P.targetOf(p, now);
    const offset = P.offsetOf(p);
    const limit = P.limitOf(p);
    const sort = P.sortOf(p, now);
    const projection = P.objectParam(p, 'projection', now);
    let docs = this.rowsOf(view, coll, target, { sort, offset, limit }).map((r) => r.doc);
    if (projection && Object.keys(projection).length) {
      try {
        const projected = mingo().find(docs, {}, projection).all() as Doc[];
        docs = projected.map((d, i) => keepFieldOrder(docs[i], d));
      } catch (err) {
        throw invalidParam(`invalid projection: ${(err as Error).message}`);
      }
    }
    return { data: { list: docs.map(stringifyEJSON), offset, limit } };
  }

  private countDocuments(p: P.Params): Body {
    const coll = P.collectionOf(p);
    const view = this.viewFor(p, coll);
    const target = P.targetOf(p, this.clock.now());
    const total =
      target.docKey !== undefined
        ? view.getById(coll, target.docKey)
          ? 1
          : 0
        : view.count(coll, target.query);
    return { data: { total } };
  }

  private insertDocument(view: View, coll: string, p: P.Params): Body {
    const ids: unknown[] = [];
    for (const data of P.insertDataOf(p, this.clock.now())) {
      const id = data._id ?? newId();
      const doc = replaceDocument(id, data);
      view.insert(coll, idKey(id), { _id: id, ...doc });
      ids.push(id);
    }
    return { data: { insertedIds: ids } };
  }

  private modifyDocument(view: View, coll: string, p: P.Params): Body | StoppedUpdate {
    const now = this.clock.now();
    const target = P.targetOf(p, now);
    const data = parseEJSON(p.data, 'data', now);
    if (!isPlainObject(data)) throw invalidParam('data must encode an object');
    const merge = P.bool(p, 'merge', true);
    const multi = P.bool(p, 'multi', false);
    const modifier = merge ? toModifier(data) : null;
    const rows = this.rowsOf(view, coll, target, { sort: [], offset: 0, limit: multi ? -1 : 1 });
    let updated = 0;
    for (const row of rows) {
      try {
        const next = modifier ? clone(row.doc) : replaceDocument(row.doc._id, data);
        const changed = modifier
          ? applyModifier(next, modifier)
          : stringifyEJSON(next) !== stringifyEJSON(row.doc);
        if (!changed) continue;
        view.replace(coll, row, next);
      } catch (err) {
        // MongoDB's multi-update is atomic per document only: it stops at the first document it
        // cannot update and keeps the ones before it. In a transaction none is kept (write()).
        if (updated > 0 && view === this.base) return new StoppedUpdate(err);
        throw err;
      }
      updated++;
    }
    let upsertId: unknown = null;
    if (rows.length === 0 && P.bool(p, 'upsert', false)) {
      upsertId = target.docId ?? (typeof target.query._id === 'string' ? target.query._id : newId());
      const doc = modifier ? { _id: upsertId } : replaceDocument(upsertId, data);
      if (modifier) applyModifier(doc, modifier);
      view.insert(coll, idKey(upsertId), doc);
    }
    return { data: { updated, upsert_id: upsertId } };
  }

  private modifyAndReturn(view: View, coll: string, p: P.Params): Body {
    const now = this.clock.now();
    const target = P.targetOf(p, now);
    const data = parseEJSON(p.data, 'data', now);
    if (!isPlainObject(data)) throw invalidParam('data must encode an object');
    const modifier = toModifier(data);
    const [row] = this.rowsOf(view, coll, target, { sort: [], offset: 0, limit: 1 });
    if (!row) return { data: { updated: 0, doc: null } };
    const next = clone(row.doc);
    const changed = applyModifier(next, modifier);
    if (changed) view.replace(coll, row, next);
    return { data: { updated: changed ? 1 : 0, doc: stringifyEJSON(next) } };
  }

  private removeDocument(view: View, coll: string, p: P.Params): Body {
    const target = P.targetOf(p, this.clock.now());
    const multi = P.bool(p, 'multi', false);
    const rows = this.rowsOf(view, coll, target, { sort: [], offset: 0, limit: multi ? -1 : 1 });
    for (const row of rows) view.remove(coll, row);
    return { data: { deleted: rows.length } };
  }

  private addCollection(p: P.Params): Body {
    const coll = P.collectionOf(p);
    if (!this.store.create(coll, this.clock.now())) {
      throw new SandboxError('DATABASE_COLLECTION_ALREADY_EXIST', `collection ${coll} already exists`);
    }
    return {};
  }

  private commit(p: P.Params): Body {
    const tx = this.txs.get(p.transactionId);
    try {
      this.store.transaction(() => tx.apply(this.clock.now()));
    } finally {
      this.txs.end(tx.id);
    }
    return {};
  }

  ensureIndexes(specs: IndexSpec[]): void {
    if (!Array.isArray(specs)) throw invalidParam('index declarations must be an array');
    this.store.transaction(() => {
      for (const spec of specs) this.store.ensureIndex(spec, this.clock.now());
    });
  }

  /** Seeds documents ({ [collection]: doc[] }, relaxed EJSON). Existing `_id`s are overwritten. */
  importData(data: Record<string, unknown[]>, opts: { replace?: boolean } = {}): void {
    try {
      importSeed(this.store, this.clock.now(), data, opts);
    } finally {
      this.reportWrites();
    }
  }

  /** The collections that exist, by name. */
  collections(): string[] {
    return this.store.list();
  }

  exportData(collections?: string[]): Record<string, unknown[]> {
    return exportSeed(this.store, collections);
  }

  /** Committed documents matching `query` (decoded: dates are Dates), in `sort` order, at most `limit`. */
  find(collection: string, query: Doc, sort: SortSpec, limit: number): Doc[] {
    const coll = checkCollectionName(collection);
    return this.base.find(coll, { query, sort, offset: 0, limit }).map((r) => r.doc);
  }

  /** How find() would answer `query` (decoded): the pushed-down SQL and SQLite's plan of it. */
  explain(collection: string, query: Doc, sort: SortSpec): ReturnType<StoreView['explain']> {
    return this.base.explain(checkCollectionName(collection), query, sort);
  }

  /** How many committed documents match `query`. */
  count(collection: string, query: Doc): number {
    return this.base.count(checkCollectionName(collection), query);
  }

  getDoc(collection: string, id: string): Record<string, unknown> | null {
    return this.store.get(checkCollectionName(collection), idKey(id))?.doc ?? null;
  }

  /** Open transactions (for the control API and tests). */
  openTransactions(): number {
    return this.txs.size();
  }

  close(): void {
    if (this.sqlite.open) this.sqlite.close();
  }
}

/** The error that stopped a multi-document update after it wrote some documents (modifyDocument). */
class StoppedUpdate {
  constructor(readonly error: unknown) {}
}

/** mingo moves `_id` last; the cloud keeps the stored field order. */
function keepFieldOrder(original: Doc, projected: Doc): Doc {
  const out: Doc = {};
  for (const k of Object.keys(original)) if (k in projected) out[k] = projected[k];
  for (const k of Object.keys(projected)) if (!(k in out)) out[k] = projected[k];
  return out;
}
