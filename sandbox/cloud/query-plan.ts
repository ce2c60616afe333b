/**
 * Splits a decoded query into what SQLite can answer exactly and what mingo must finish. Pushed
 * down: equality, $eq, $in and type-bracketed ranges on `_id` and on indexed fields whose key is
 * exact (keys.ts), found among the top-level conditions and top-level `$and`. The order is pushed
 * down when every sort field has an exact key; then skip/limit are too when nothing is left over.
 */
import { keyExpr, scalarKey, type SqlKey, TYPE_BOUNDS } from './keys';
import type { SortSpec } from './sort';
import { type Doc, idKey, isPlainObject } from './values';

export interface Plan {
  where: string;
  params: unknown[];
  /** Conditions that SQL did not express: run the full query in JS on every candidate. */
  residual: boolean;
  /** ORDER BY clause; `sortInSql` says whether it is the requested order or just rowid. */
  order: string;
  sortInSql: boolean;
}

const RANGE_SQL: Record<string, string> = { $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' };

class Builder {
  clauses: string[] = [];
  params: unknown[] = [];
  residual = false;

  constructor(private exact: (field: string) => boolean) {}

  conjuncts(query: Doc): void {
    for (const [key, cond] of Object.entries(query)) {
      if (key === '$and' && Array.isArray(cond) && cond.every(isPlainObject)) {
        for (const sub of cond) this.conjuncts(sub as Doc);
      } else if (key.startsWith('$')) {
        this.residual = true;
      } else {
        this.field(key, cond);
      }
    }
  }

  private field(field: string, cond: unknown): void {
    const isId = field === '_id';
    if (!isId && !this.exact(field)) {
      this.residual = true;
      return;
    }
    const expr = isId ? '_id' : keyExpr(field);
    const ops =
      isPlainObject(cond) && Object.keys(cond).some((k) => k.startsWith('$')) ? cond : { $eq: cond };
    for (const [op, operand] of Object.entries(ops)) {
      if (!this.op(expr, isId, op, operand)) this.residual = true;
    }
  }

  private key(isId: boolean, v: unknown): { key: SqlKey; type: string } | null {
    if (!isId) return scalarKey(v);
    if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)))
      return { key: idKey(v), type: 'id' };
    return null;
  }

  /** Adds one operator's clause; false when it cannot be expressed exactly. */
  private op(expr: string, isId: boolean, op: string, operand: unknown): boolean {
    if (op === '$eq') {
      const k = this.key(isId, operand);
      if (!k) return false;
      this.add(k.key === null ? `${expr} IS NULL` : `${expr} = ?`, k.key === null ? [] : [k.key]);
      return true;
    }
    if (op === '$in') {
      if (!Array.isArray(operand)) return false;
      const keys = operand.map((v) => this.key(isId, v));
      if (keys.some((k) => k === null)) return false;
      const values = keys.filter((k) => k!.key !== null).map((k) => k!.key);
      const parts = values.length ? [`${expr} IN (${values.map(() => '?').join(', ')})`] : [];
      if (values.length < keys.length) parts.push(`${expr} IS NULL`);
      this.add(parts.length ? `(${parts.join(' OR ')})` : '0', values);
      return true;
    }
    const cmp = RANGE_SQL[op];
    if (!cmp) return false;
    const k = this.key(isId, operand);
    if (!k || k.type === 'null') return false;
    if (isId) {
      // `_id` keys are strings for string ids; other id types are tagged and not range-comparable.
      if (typeof operand !== 'string') return false;
      this.add(`${expr} ${cmp} ?`, [k.key]);
      return true;
    }
    const bounds = TYPE_BOUNDS[k.type as keyof typeof TYPE_BOUNDS];
    const parts = [`${expr} ${cmp} ?`];
    if (bounds.lo !== null) parts.push(`${expr} >= ${bounds.lo}`);
    parts.push(`${expr} < ${bounds.hi}`);
    this.add(parts.join(' AND '), [k.key]);
    return true;
  }

  private add(clause: string, params: unknown[]): void {
    this.clauses.push(clause);
    this.params.push(...params);
  }
}

export function planQuery(query: Doc, sort: SortSpec, exact: (field: string) => boolean): Plan {
  const b = new Builder(exact);
  b.conjuncts(query);
  const sortInSql = sort.every(([f]) => f === '_id' || exact(f));
  let order = 'rowid';
  if (sortInSql && sort.length) {
    const dir = (d: 1 | -1) => (d === -1 ? ' DESC' : '');
    order = sort.map(([f, d]) => (f === '_id' ? '_id' : keyExpr(f)) + dir(d)).join(', ');
    // Ties in insertion order: a "newest first" index declared with createdAt -1 serves this whole.
    order += ', rowid';
  }
  return {
    where: b.clauses.length ? b.clauses.join(' AND ') : '1',
    params: b.params,
    residual: b.residual,
    order,
    sortInSql,
  };
}
