/**
 * Transactions with optimistic concurrency. A transaction buffers its writes in an overlay (its own
 * reads see them); every document it reads or writes is remembered with the version it had. At
 * commit the versions are checked and the writes applied in one SQLite transaction; if any document
 * changed meanwhile the commit fails with DATABASE_TRANSACTION_CONFLICT, which makes the SDK's
 * `runTransaction` run the callback again (its documented retry). Nothing of a rolled-back,
 * conflicted or expired transaction ever reaches storage.
 */
import { randomBytes } from 'crypto';
import { SandboxError } from '../errors';
import { type DocStore, revisionOf, type Row } from './store';
import { sortRows } from './sort';
import type { Doc } from './values';
import { compileQuery, type FindSpec, matches, StoreView, type View } from './view';

interface Entry {
  collection: string;
  key: string;
  /** The committed row when the transaction first touched the document (null: absent). */
  seen: Row | null;
  /** Pending state: undefined = only read, null = removed, Row = written. */
  pending?: Row | null;
}

/** Rowids for documents a transaction inserts: after every stored row, in insertion order. */
const PENDING_ROWID_BASE = 2 ** 52;

function visible(e: Entry): Row | null {
  return e.pending !== undefined ? e.pending : e.seen;
}

export class TxView implements View {
  readonly entries = new Map<string, Entry>();
  lastUsed = Date.now();
  private inserted = 0;

  constructor(
    readonly id: string,
    private base: StoreView,
    private store: DocStore,
  ) {}

  /** The document's entry; the first touch snapshots the committed row (repeatable reads). */
  private entry(collection: string, key: string, row?: Row | null): Entry {
    const id = `${collection}\u0000${key}`;
    let e = this.entries.get(id);
    if (!e) {
      e = { collection, key, seen: row !== undefined ? row : this.base.getById(collection, key) };
      this.entries.set(id, e);
    }
    return e;
  }

  /**
   * Runs one write request: if it throws, none of its writes stays in the transaction (a failed
   * batch insert or multi-document update must not commit its first documents later). What it read
   * stays read: those versions are still checked at commit. MongoDB goes further and aborts the
   * whole transaction on a failed write.
   */
  atomically<T>(fn: () => T): T {
    const pending = new Map([...this.entries].map(([id, e]) => [id, e.pending]));
    try {
      return fn();
    } catch (err) {
      for (const [id, e] of this.entries) e.pending = pending.get(id);
      throw err;
    }
  }

  getById(collection: string, key: string): Row | null {
    return visible(this.entry(collection, key));
  }

  find(collection: string, spec: FindSpec): Row[] {
    const mine = [...this.entries.values()].filter((e) => e.collection === collection);
    // Fetch enough committed rows that the overlay cannot push the page out of them, then merge.
    const widened = spec.limit < 0 ? -1 : spec.offset + spec.limit + mine.length;
    const baseRows = this.base.find(collection, { ...spec, offset: 0, limit: widened });
    const known = new Set(mine.map((e) => e.key));
    const q = compileQuery(spec.query);
    const merged = baseRows.filter((r) => !known.has(r.key));
    for (const e of mine) {
      const row = visible(e);
      if (row && matches(q, row.doc)) merged.push(row);
    }
    const sorted = mine.length ? sortRows(merged, spec.sort) : merged;
    const page = sorted.slice(spec.offset, spec.limit >= 0 ? spec.offset + spec.limit : undefined);
    for (const r of page) this.entry(collection, r.key, r);
    return page;
  }

  count(collection: string, query: Doc): number {
    return this.find(collection, { query, sort: [], offset: 0, limit: -1 }).length;
  }

  insert(collection: string, key: string, doc: Doc): void {
    const e = this.entry(collection, key);
    if (visible(e))
      throw new SandboxError(
        'DATABASE_REQUEST_FAILED',
        `E11000 duplicate key error collection: ${collection}`,
      );
    e.pending = { rowid: PENDING_ROWID_BASE + this.inserted++, key, v: 0, doc };
  }

  replace(collection: string, row: Row, doc: Doc): void {
    this.entry(collection, row.key).pending = { ...row, doc };
  }

  remove(collection: string, row: Row): void {
    this.entry(collection, row.key).pending = null;
  }

  /** Checks every version and applies the writes. Call inside one SQLite transaction. */
  apply(now: number): void {
    for (const e of this.entries.values()) {
      if (this.store.revision(e.collection, e.key) !== (e.seen ? revisionOf(e.seen) : null))
        throw conflict(this.id, e.collection, e.key);
    }
    for (const e of this.entries.values()) {
      if (e.pending === undefined) continue;
      if (e.pending === null) {
        if (e.seen) this.store.remove(e.collection, e.seen.rowid);
      } else if (e.seen) {
        this.store.replace(e.collection, e.seen, e.pending.doc);
      } else {
        this.store.insert(e.collection, e.key, e.pending.doc, now);
      }
    }
  }
}

function conflict(txId: string, collection: string, key: string): SandboxError {
  return new SandboxError(
    'DATABASE_TRANSACTION_CONFLICT',
    `transaction ${txId}: document ${collection}/${key} was changed by another write; the transaction is aborted`,
  );
}

export class Transactions {
  private open = new Map<string, TxView>();

  constructor(
    private base: StoreView,
    private store: DocStore,
    private idleTimeoutMs: number,
  ) {}

  start(): TxView {
    this.expire();
    const tx = new TxView(randomBytes(16).toString('hex'), this.base, this.store);
    this.open.set(tx.id, tx);
    return tx;
  }

  /** The open transaction with this id; unknown, ended and expired ones are an error. */
  get(id: unknown): TxView {
    this.expire();
    const tx = typeof id === 'string' ? this.open.get(id) : undefined;
    if (!tx) {
      throw new SandboxError(
        'DATABASE_TRANSACTION_FAIL',
        `transaction ${String(id)} does not exist, has ended or expired after ${this.idleTimeoutMs} ms idle`,
      );
    }
    tx.lastUsed = Date.now();
    return tx;
  }

  end(id: string): void {
    this.open.delete(id);
  }

  size(): number {
    return this.open.size;
  }

  private expire(): void {
    const cutoff = Date.now() - this.idleTimeoutMs;
    for (const [id, tx] of this.open) if (tx.lastUsed < cutoff) this.open.delete(id);
  }
}
