/**
 * Sort keys: one SQL scalar per (document, field path), ordered the way the cloud database
 * (MongoDB) orders scalar values: null/missing < numbers < strings < booleans < dates. The key is
 * computed by a deterministic SQL function over the stored canonical EJSON, so SQLite expression
 * indexes can answer equality, range and orderBy on it. Values with no exact scalar key (arrays,
 * embedded documents, NaN, other BSON types) get COMPLEX; a field that ever held one is "tainted"
 * and is then matched and sorted in JS instead (see query-plan.ts).
 */
import { isPlainObject } from './values';

export type SqlKey = null | number | string | Buffer;

export const KEY_FUNCTION = 'paykit_key';
/** Marker for values without an exact scalar key. Sorts after every other key. */
export const COMPLEX = Buffer.from([0xff]);
const BOOL_TAG = 0x08;
const DATE_TAG = 0x09;

/** Inclusive-exclusive key bounds of each scalar type, for type-bracketed range queries. */
export const TYPE_BOUNDS = {
  number: { lo: null, hi: "''" },
  string: { lo: "''", hi: "x''" },
  boolean: { lo: "x'08'", hi: "x'09'" },
  date: { lo: "x'09'", hi: "x'0a'" },
} as const;
export type ScalarType = keyof typeof TYPE_BOUNDS;

function dateKey(ms: number): Buffer {
  const buf = Buffer.alloc(9);
  buf[0] = DATE_TAG;
  buf.writeBigInt64BE(BigInt(ms), 1);
  buf[1] ^= 0x80; // flip the sign bit so that memcmp orders negative times first
  return buf;
}

/** Key of one canonical-EJSON value (already JSON-parsed). */
function keyOfCanonical(v: unknown): SqlKey {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return Buffer.from([BOOL_TAG, v ? 1 : 0]);
  if (typeof v === 'number') return Number.isNaN(v) ? COMPLEX : v;
  if (!isPlainObject(v)) return COMPLEX;
  const keys = Object.keys(v);
  if (keys.length !== 1) return COMPLEX;
  const inner = v[keys[0]];
  switch (keys[0]) {
    case '$numberInt':
    case '$numberDouble': {
      const n = Number(inner);
      return Number.isNaN(n) ? COMPLEX : n;
    }
    case '$numberLong': {
      const n = Number(inner);
      return Number.isSafeInteger(n) ? n : COMPLEX;
    }
    case '$date': {
      const ms = isPlainObject(inner) ? Number(inner.$numberLong) : NaN;
      return Number.isSafeInteger(ms) ? dateKey(ms) : COMPLEX;
    }
    default:
      return COMPLEX;
  }
}

/** Walks a dot path through a canonical-EJSON document; arrays on the way make the key COMPLEX. */
export function keyAtPath(doc: unknown, path: string): SqlKey {
  let cur: unknown = doc;
  for (const seg of path.split('.')) {
    if (Array.isArray(cur)) return COMPLEX;
    if (!isPlainObject(cur) || Object.keys(cur).some((k) => k.startsWith('$'))) return null;
    cur = cur[seg];
    if (cur === undefined) return null;
  }
  return Array.isArray(cur) ? COMPLEX : keyOfCanonical(cur);
}

/**
 * Multikey keys of a dot path, for fields that hold arrays: the keys of every value the path can
 * reach, with arrays met on the way or at the end fanned out (nested ones too) and a numeric
 * segment also taken as a position. That is every value MongoDB or mingo compares with a query's
 * operand, and a few more (the planner re-checks its candidates with mingo). Missing and null
 * values have no key; a reached value without an exact scalar key gives COMPLEX, and so does an
 * array in an array before the path's end (mingo then compares the inner array's values as if the
 * path ended there: only it can say what such a document matches).
 */
export function keysAtPath(doc: unknown, path: string): SqlKey[] {
  const out = new Map<string, SqlKey>();
  const add = (key: SqlKey): void => {
    if (key !== null) out.set(dedupKey(key), key);
  };
  const leaf = (v: unknown): void => (Array.isArray(v) ? v.forEach(leaf) : add(keyOfCanonical(v)));
  const walk = (v: unknown, segs: string[]): void => {
    if (segs.length === 0) return leaf(v);
    if (Array.isArray(v)) {
      v.forEach((item) => (Array.isArray(item) ? add(COMPLEX) : walk(item, segs)));
      if (/^\d+$/.test(segs[0])) walk(v[Number(segs[0])], segs.slice(1));
      return;
    }
    if (!isPlainObject(v) || Object.keys(v).some((k) => k.startsWith('$'))) return;
    if (v[segs[0]] !== undefined) walk(v[segs[0]], segs.slice(1));
  };
  walk(doc, path.split('.'));
  return [...out.values()];
}

/** Tells keys apart by type and value (a Buffer's identity is not its value). */
function dedupKey(key: NonNullable<SqlKey>): string {
  if (typeof key === 'string') return `s${key}`;
  return typeof key === 'number' ? `n${key}` : `b${key.toString('hex')}`;
}

let lastText = '';
let lastParsed: unknown = null;

/** The SQL function body: `paykit_key(doc, 'a.b')`. Caches the last parse (one row, several keys). */
export function sqlKeyFunction(text: unknown, path: unknown): SqlKey {
  if (typeof text !== 'string' || typeof path !== 'string') return null;
  if (text !== lastText) {
    try {
      lastParsed = JSON.parse(text);
    } catch {
      return COMPLEX;
    }
    lastText = text;
  }
  return keyAtPath(lastParsed, path);
}

/** Key and type of a decoded query value, or null when it has no exact scalar key. */
export function scalarKey(v: unknown): { key: SqlKey; type: ScalarType | 'null' } | null {
  if (v === null) return { key: null, type: 'null' };
  if (typeof v === 'string') return { key: v, type: 'string' };
  if (typeof v === 'boolean') return { key: Buffer.from([BOOL_TAG, v ? 1 : 0]), type: 'boolean' };
  if (typeof v === 'number') return Number.isNaN(v) ? null : { key: v, type: 'number' };
  if (v instanceof Date) return { key: dateKey(v.getTime()), type: 'date' };
  return null;
}

/** SQL literal for a dot path (field names are user data: quotes doubled). */
export function pathLiteral(path: string): string {
  return `'${path.replace(/'/g, "''")}'`;
}

export function keyExpr(path: string): string {
  return `${KEY_FUNCTION}(doc, ${pathLiteral(path)})`;
}
