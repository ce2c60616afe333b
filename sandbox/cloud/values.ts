/**
 * Value conversions for the cloud database: the SDK speaks canonical EJSON strings
 * (`{"$numberInt":"1"}`, `{"$date":{"$numberLong":"…"}}`), the engine works on decoded JS values
 * (numbers, Dates, RegExps) so that mingo can match and update them, and storage keeps the
 * canonical EJSON text so that every type the SDK can send survives a round trip.
 */
import { BSONRegExp, EJSON } from 'bson';
import { SandboxError } from '../errors';

export type Doc = Record<string, unknown>;

const SERVER_DATE = '$tcb_server_date';

export function invalidParam(message: string): SandboxError {
  return new SandboxError('INVALID_PARAM', message);
}

export function isPlainObject(v: unknown): v is Doc {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Parses one EJSON string from a request. `what` names the field in the error message. */
export function parseEJSON(text: unknown, what: string, now: number): unknown {
  if (typeof text !== 'string') throw invalidParam(`${what} must be an EJSON string`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw invalidParam(`${what} is not valid JSON`);
  }
  return decodeValue(raw, what, now);
}

/**
 * Decodes an already JSON-parsed EJSON value (relaxed: numbers become JS numbers): what
 * `EJSON.deserialize(raw, { relaxed: true })` and then `normalise` give, in one walk. Every stored
 * document is decoded on each read, and `EJSON.deserialize` stringifies its input to parse it again
 * with a reviver; the walk converts the values the SDK and the store write most (plain objects and
 * arrays, `$numberInt`, `$numberDouble`, safe `$numberLong`, `$date` of a `$numberLong`) itself and
 * hands any other `$` object to bson. Anything it meets that would fail (a field name with a NUL, an
 * invalid date) makes it decode the whole value the reference way, so errors read as they always did.
 */
export function decodeValue(raw: unknown, what: string, now: number): unknown {
  try {
    return decodeFast(raw, what, now);
  } catch {
    return decodeReference(raw, what, now);
  }
}

/** A `$numberLong` that is a safe integer: bson's `Long.fromString(s).toNumber()` of it is `Number(s)`. */
const SAFE_LONG = /^(?:0|-?[1-9][0-9]{0,14})$/;

/**
 * bson's deserialize starts from `JSON.stringify(raw)`, so what JSON changes (-0 to 0, NaN to null,
 * a Date to its ISO string, an undefined field dropped) is changed for it too: those values, and any
 * object that is not a plain one, go the reference way.
 */
function decodeFast(v: unknown, what: string, now: number): unknown {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      if (!Number.isFinite(v)) throw new Error('not a JSON number');
      return v === 0 ? 0 : v;
    case 'object':
      break;
    default:
      throw new Error('not a JSON value');
  }
  if (v === null) return v;
  if (Array.isArray(v)) {
    const out: unknown[] = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = decodeFast(v[i], what, now);
    return out;
  }
  if (!isPlainObject(v)) throw new Error('not a JSON object');
  const doc = v;
  const keys = Object.keys(doc);
  for (const key of keys) if (key.charCodeAt(0) === 36) return decodeTagged(doc, keys, what, now);
  const out: Doc = {};
  for (const key of keys) {
    const value = decodeFast(doc[key], what, now);
    if (key.includes('\0')) throw new Error('field name with NUL');
    out[key] = value;
  }
  return out;
}

/** An object with a `$` key: the common tags here, the rest through bson and `normalise`. */
function decodeTagged(doc: Doc, keys: string[], what: string, now: number): unknown {
  if (keys.length === 1) {
    const tag = keys[0];
    const value = doc[tag];
    if (typeof value === 'string') {
      if (tag === '$numberInt') return parseInt(value, 10);
      if (tag === '$numberDouble') return parseFloat(value);
      if (tag === '$numberLong' && SAFE_LONG.test(value)) return Number(value);
    } else if (tag === '$date' && isPlainObject(value)) {
      const ms = value.$numberLong;
      if (Object.keys(value).length === 1 && typeof ms === 'string' && SAFE_LONG.test(ms))
        return new Date(Number(ms));
    }
  }
  return decodeReference(doc, what, now);
}

/** The reference decoding that `decodeValue` equals: bson's own, then `normalise` (exported for its test). */
export function decodeReference(raw: unknown, what: string, now: number): unknown {
  let value: unknown;
  try {
    value = EJSON.deserialize(raw as Doc, { relaxed: true });
  } catch (err) {
    throw invalidParam(`${what} is not valid EJSON: ${(err as Error).message}`);
  }
  return normalise(value, what, now);
}

/** Resolves server dates, turns BSON regexps into RegExps and rejects invalid dates. */
function normalise(v: unknown, what: string, now: number): unknown {
  if (Array.isArray(v)) return v.map((item) => normalise(item, what, now));
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) throw invalidParam(`${what} holds an invalid date`);
    return v;
  }
  if (v instanceof BSONRegExp) return toRegExp(v.pattern, v.options, what);
  if (!isPlainObject(v)) return v;
  const keys = Object.keys(v);
  if (keys.length === 1 && keys[0] === SERVER_DATE) {
    const spec = v[SERVER_DATE];
    const offset = isPlainObject(spec) ? spec.offset : undefined;
    if (offset !== undefined && (typeof offset !== 'number' || !Number.isFinite(offset))) {
      throw invalidParam(`${what}: serverDate offset must be a number`);
    }
    return new Date(now + (offset ?? 0));
  }
  const out: Doc = {};
  for (const key of keys) out[key] = normalise(v[key], what, now);
  return out;
}

function toRegExp(pattern: string, options: string, what: string): RegExp {
  // BSON allows i m s x l u; JS has no x or l, and `g`/`y` would make test() stateful.
  const flags = [...new Set(options.split(''))].filter((f) => 'imsu'.includes(f)).join('');
  try {
    return new RegExp(pattern, flags);
  } catch {
    throw invalidParam(`${what} holds an invalid regular expression /${pattern}/`);
  }
}

/** Canonical EJSON text of a decoded value: the storage form and the response form. */
export function stringifyEJSON(value: unknown): string {
  return EJSON.stringify(value as Doc, { relaxed: false });
}

/** Relaxed, JSON-able form for seed export: dates as {"$date": iso}. */
export function toRelaxed(value: unknown): unknown {
  return EJSON.serialize(value as Doc, { relaxed: true });
}

/** Document `_id`s are strings in practice; other types get a tagged key so they cannot clash. */
export function idKey(id: unknown): string {
  if (typeof id === 'string') return id;
  if (typeof id === 'number' && Number.isFinite(id)) return `\u0001n:${id}`;
  throw invalidParam('_id must be a string or a number');
}

const ID_CHARS = '0123456789abcdef';

/** A new `_id` in the shape the cloud gives: 32 hex characters. */
export function newId(): string {
  let id = '';
  for (let i = 0; i < 32; i++) id += ID_CHARS[Math.floor(Math.random() * 16)];
  return id;
}

/** Deep copy of a decoded document (Dates and RegExps copied, not shared). */
export function clone<T>(v: T): T {
  if (Array.isArray(v)) return v.map((x) => clone(x)) as T;
  if (v instanceof Date) return new Date(v.getTime()) as T;
  if (isPlainObject(v)) {
    const out: Doc = {};
    for (const k of Object.keys(v)) out[k] = clone(v[k]);
    return out as T;
  }
  return v;
}
