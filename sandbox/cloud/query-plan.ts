/**
 * Splits a decoded query into what SQLite can answer exactly and what mingo must finish. Pushed
 * down: equality, $eq, $in and type-bracketed ranges on `_id` and on indexed fields whose key is
 * exact (keys.ts), found among the top-level conditions, top-level `$and`, and `$or` when each of
 * its branches narrows the candidates (as MongoDB serves a `$or` from one index per branch). On a
 * multikey field (store.ts) the same operators, bar null, select candidates from its side table,
 * which mingo then checks. The order is pushed down when every sort field has an exact key; then
 * skip/limit are too when nothing is left over.
 */
import { keyExpr, pathLiteral, scalarKey, type SqlKey, TYPE_BOUNDS } from './keys';
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

interface Clause {
  clause: string;
  params: unknown[];
}

const RANGE_SQL: Record<string, string> = { $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' };

/**
 * SQLite refuses an expression deeper than 1000 (an AND or OR of n terms is n deep) and a statement
 * with more than 32766 parameters. A plan stays well within both: a conjunct that would pass them
 * (a `$or` in a `$or`, a long `$and`, a large `$in`), and a `$or` of more branches than
 * OR_MAX_BRANCHES, is left to mingo, which only widens the candidates. One operator's clause is at
 * most LEAF_DEPTH deep.
 */
const OR_MAX_BRANCHES = 100;
const MAX_DEPTH = 500;
const MAX_PARAMS = 10_000;
const LEAF_DEPTH = 8;

/** The side table of a multikey field's keys (store.ts), or null when it has none to use. */
export type MultikeyTable = (field: string) => string | null;

class Builder {
  clauses: string[] = [];
  params: unknown[] = [];
  residual = false;
  /** The deepest of the clauses. */
  private deepest = 0;

  constructor(
    private exact: (field: string) => boolean,
    private multikey: MultikeyTable,
    /** Parameters the whole plan may still take (shared with the builders of `$or` branches). */
    private budget = { params: MAX_PARAMS },
  ) {}

  /** How deep the AND of the clauses is. */
  depth(): number {
    return this.clauses.length + this.deepest;
  }

  conjuncts(query: Doc): void {
    for (const [key, cond] of Object.entries(query)) {
      if (key === '$and' && Array.isArray(cond) && cond.every(isPlainObject)) {
        for (const sub of cond) this.conjuncts(sub as Doc);
      } else if (key === '$or' && Array.isArray(cond) && cond.length && cond.every(isPlainObject)) {
        this.or(cond as Doc[]);
      } else if (key.startsWith('$')) {
        this.residual = true;
      } else {
        this.field(key, cond);
      }
    }
  }

  /**
   * A doc matching the `$or` matches a branch, so it meets that branch's clauses: the OR of each
   * branch's clauses selects every match. A branch without any leaves nothing to narrow.
   */
  private or(branches: Doc[]): void {
    const subs = branches.map((branch) => {
      const b = new Builder(this.exact, this.multikey, this.budget);
      b.conjuncts(branch);
      return b;
    });
    const params = subs.flatMap((b) => b.params);
    // Taken back: add() below takes them for the whole `$or`, if it is kept.
    this.budget.params += params.length;
    if (subs.some((b) => !b.clauses.length) || subs.length > OR_MAX_BRANCHES) {
      this.residual = true;
      return;
    }
    const clause = subs.map((b) => `(${b.clauses.join(' AND ')})`).join(' OR ');
    const depth = subs.length + Math.max(...subs.map((b) => b.depth()));
    this.add(`(${clause})`, params, depth);
    if (subs.some((b) => b.residual)) this.residual = true;
  }

  private field(field: string, cond: unknown): void {
    const isId = field === '_id';
    const exact = isId || this.exact(field);
    const table = exact ? null : this.multikey(field);
    if (!exact && !table) {
      this.residual = true;
      return;
    }
    const expr = isId ? '_id' : table ? 'key' : keyExpr(field);
    const ops =
      isPlainObject(cond) && Object.keys(cond).some((k) => k.startsWith('$')) ? cond : { $eq: cond };
    for (const [op, operand] of Object.entries(ops)) {
      // The side table has no row for a missing or null value: a null operand is mingo's alone.
      const c = this.op(expr, isId, op, operand, !table);
      if (!c) this.residual = true;
      else if (!table) this.add(c.clause, c.params);
      else {
        // One subquery per operator: in {$gte, $lt} each may be met by a different element, and
        // keysAtPath reaches a few values mingo does not: candidates only, mingo decides.
        const where = `field = ${pathLiteral(field)} AND ${c.clause}`;
        this.add(`rowid IN (SELECT rid FROM ${table} WHERE ${where})`, c.params);
        this.residual = true;
      }
    }
  }

  private key(isId: boolean, v: unknown): { key: SqlKey; type: string } | null {
    if (!isId) return scalarKey(v);
    if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)))
      return { key: idKey(v), type: 'id' };
    return null;
  }

  /**
   * One operator's clause, or null when it cannot be expressed exactly (or, without `nullable`,
   * when it would have to find null or missing values).
   */
  private op(expr: string, isId: boolean, op: string, operand: unknown, nullable: boolean): Clause | null {
    if (op === '$eq') {
      const k = this.key(isId, operand);
      if (!k || (k.key === null && !nullable)) return null;
      return k.key === null
        ? { clause: `${expr} IS NULL`, params: [] }
        : { clause: `${expr} = ?`, params: [k.key] };
    }
    if (op === '$in') {
      if (!Array.isArray(operand)) return null;
      const keys = operand.map((v) => this.key(isId, v));
      if (keys.some((k) => k === null)) return null;
      const values = keys.filter((k) => k!.key !== null).map((k) => k!.key);
      if (values.length < keys.length && !nullable) return null;
      const parts = values.length ? [`${expr} IN (${values.map(() => '?').join(', ')})`] : [];
      if (values.length < keys.length) parts.push(`${expr} IS NULL`);
      return { clause: parts.length ? `(${parts.join(' OR ')})` : '0', params: values };
    }
    const cmp = RANGE_SQL[op];
    if (!cmp) return null;
    const k = this.key(isId, operand);
    if (!k || k.type === 'null') return null;
    if (isId) {
      // `_id` keys are strings for string ids; other id types are tagged and not range-comparable.
      if (typeof operand !== 'string') return null;
      return { clause: `${expr} ${cmp} ?`, params: [k.key] };
    }
    const bounds = TYPE_BOUNDS[k.type as keyof typeof TYPE_BOUNDS];
    const parts = [`${expr} ${cmp} ?`];
    if (bounds.lo !== null) parts.push(`${expr} >= ${bounds.lo}`);
    parts.push(`${expr} < ${bounds.hi}`);
    return { clause: parts.join(' AND '), params: [k.key] };
  }

  /** Adds a conjunct, or leaves it to mingo when the plan would pass SQLite's limits with it. */
  private add(clause: string, params: unknown[], depth = LEAF_DEPTH): void {
    const deepest = Math.max(this.deepest, depth);
    if (params.length > this.budget.params || this.clauses.length + 1 + deepest > MAX_DEPTH) {
      this.residual = true;
      return;
    }
    this.budget.params -= params.length;
    this.deepest = deepest;
    this.clauses.push(clause);
    this.params.push(...params);
  }
}

export function planQuery(
  query: Doc,
  sort: SortSpec,
  exact: (field: string) => boolean,
  multikey: MultikeyTable = () => null,
): Plan {
  const b = new Builder(exact, multikey);
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
