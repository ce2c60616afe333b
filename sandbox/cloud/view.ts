/**
 * A view of the database that the actions read and write through: `StoreView` is the committed
 * data, `TxView` (transactions.ts) overlays one transaction's uncommitted writes on it.
 */
import type { Query } from 'mingo';
import { mingo } from './mingo';
import { SandboxError } from '../errors';
import { type Plan, planQuery } from './query-plan';
import { sortRows, type SortSpec } from './sort';
import type { DocStore, Row } from './store';
import type { Doc } from './values';

export interface FindSpec {
  query: Doc;
  sort: SortSpec;
  offset: number;
  /** -1 means no limit (updates and removes with multi). */
  limit: number;
}

export interface View {
  getById(collection: string, key: string): Row | null;
  find(collection: string, spec: FindSpec): Row[];
  count(collection: string, query: Doc): number;
  insert(collection: string, key: string, doc: Doc): void;
  replace(collection: string, row: Row, doc: Doc): void;
  remove(collection: string, row: Row): void;
}

export function compileQuery(query: Doc): Query | null {
  if (Object.keys(query).length === 0) return null;
  try {
    return new (mingo().Query)(query);
  } catch (err) {
    throw new SandboxError('INVALID_PARAM', `invalid query: ${(err as Error).message}`);
  }
}

export function matches(q: Query | null, doc: Doc): boolean {
  if (!q) return true;
  try {
    return q.test(doc);
  } catch (err) {
    throw new SandboxError('INVALID_PARAM', `invalid query: ${(err as Error).message}`);
  }
}

export class StoreView implements View {
  constructor(
    protected store: DocStore,
    protected now: () => number,
  ) {}

  getById(collection: string, key: string): Row | null {
    return this.store.get(collection, key);
  }

  find(collection: string, spec: FindSpec): Row[] {
    const plan = this.plan(collection, spec.query, spec.sort);
    const q = plan.residual ? compileQuery(spec.query) : null;
    if (plan.sortInSql && !plan.residual) {
      return [...this.store.select(collection, plan.where, plan.params, plan.order, spec.limit, spec.offset)];
    }
    if (plan.sortInSql) {
      // Rows arrive in the final order: filter in JS and stop as soon as the page is full.
      const out: Row[] = [];
      let skip = spec.offset;
      for (const row of this.store.select(collection, plan.where, plan.params, plan.order)) {
        if (!matches(q, row.doc)) continue;
        if (skip > 0) {
          skip--;
          continue;
        }
        out.push(row);
        if (spec.limit >= 0 && out.length >= spec.limit) break;
      }
      return out;
    }
    const all = [...this.store.select(collection, plan.where, plan.params, plan.order)].filter((r) =>
      matches(q, r.doc),
    );
    const sorted = spec.sort.length ? sortRows(all, spec.sort) : all;
    return sorted.slice(spec.offset, spec.limit >= 0 ? spec.offset + spec.limit : undefined);
  }

  count(collection: string, query: Doc): number {
    const plan = this.plan(collection, query, []);
    if (!plan.residual) return this.store.count(collection, plan.where, plan.params);
    const q = compileQuery(query);
    let n = 0;
    for (const row of this.store.select(collection, plan.where, plan.params, 'rowid'))
      if (matches(q, row.doc)) n++;
    return n;
  }

  /** The plan find() runs for `query`, with SQLite's plan of its SELECT (tests, diagnostics). */
  explain(collection: string, query: Doc, sort: SortSpec): Plan & { steps: string[] } {
    const plan = this.plan(collection, query, sort);
    return { ...plan, steps: this.store.explain(collection, plan.where, plan.params, plan.order) };
  }

  private plan(collection: string, query: Doc, sort: SortSpec): Plan {
    const exact = (f: string) => this.store.exactKey(collection, f);
    return planQuery(query, sort, exact, (f) => this.store.multikeyTable(collection, f));
  }

  insert(collection: string, key: string, doc: Doc): void {
    this.store.insert(collection, key, doc, this.now());
  }

  replace(collection: string, row: Row, doc: Doc): void {
    this.store.replace(collection, row, doc);
  }

  remove(collection: string, row: Row): void {
    this.store.remove(collection, row.rowid);
  }
}
