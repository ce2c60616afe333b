/**
 * In-JS ordering of decoded documents, for the cases the SQL index cannot order exactly. Follows
 * the MongoDB sort order: null/missing < numbers < strings < objects < booleans < dates, and an
 * array field sorts by its smallest element ascending, its largest descending. Ties keep the
 * storage (insertion) order, exactly as the SQL path does.
 */
import { isPlainObject } from './values';

export type SortSpec = Array<[field: string, dir: 1 | -1]>;

function rank(v: unknown): number {
  if (v === null || v === undefined) return 1;
  if (typeof v === 'number') return 2;
  if (typeof v === 'string') return 3;
  if (Array.isArray(v)) return 5;
  if (typeof v === 'boolean') return 8;
  if (v instanceof Date) return 9;
  if (v instanceof RegExp) return 11;
  if (isPlainObject(v)) return 4;
  return 6;
}

export function compareValues(a: unknown, b: unknown): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 1:
      // null and missing sort as equals, as in MongoDB and in the SQL keys (both NULL).
      return 0;
    case 2:
      return (a as number) - (b as number) || 0;
    case 3:
      return Buffer.compare(Buffer.from(a as string), Buffer.from(b as string));
    case 8:
      return Number(a) - Number(b);
    case 9:
      return (a as Date).getTime() - (b as Date).getTime();
    case 4:
    case 5:
      return compareValues(JSON.stringify(a), JSON.stringify(b));
    default:
      return compareValues(String(a), String(b));
  }
}

/** Values at a dot path; arrays met on the way fan out, as in MongoDB. */
function valuesAt(v: unknown, segs: string[]): unknown[] {
  if (segs.length === 0) return Array.isArray(v) ? (v.length ? v : [undefined]) : [v];
  if (Array.isArray(v)) return v.flatMap((item) => (isPlainObject(item) ? valuesAt(item, segs) : []));
  if (!isPlainObject(v)) return [undefined];
  return valuesAt(v[segs[0]], segs.slice(1));
}

function sortValue(doc: unknown, path: string, dir: 1 | -1): unknown {
  const values = valuesAt(doc, path.split('.'));
  if (values.length === 0) return undefined;
  return values.reduce((best, v) => (compareValues(v, best) * dir < 0 ? v : best));
}

export interface Sortable {
  rowid: number;
  doc: Record<string, unknown>;
}

export function sortRows<T extends Sortable>(rows: T[], spec: SortSpec): T[] {
  const keyed = rows.map((row) => ({ row, keys: spec.map(([f, d]) => sortValue(row.doc, f, d)) }));
  keyed.sort((x, y) => {
    for (let i = 0; i < spec.length; i++) {
      const c = compareValues(x.keys[i], y.keys[i]);
      if (c !== 0) return c * spec[i][1];
    }
    return x.row.rowid - y.row.rowid;
  });
  return keyed.map((k) => k.row);
}
