/**
 * Reading the parameters of a `database.*` request as @cloudbase/database 1.4 sends them
 * (see the table in toolchain-notes §5): anything malformed is an INVALID_PARAM error.
 */
import { checkCollectionName } from './store';
import type { SortSpec } from './sort';
import { type Doc, idKey, invalidParam, isPlainObject, parseEJSON } from './values';

/** Server SDK limits: 100 documents when no limit is given, at most 1000. */
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

export type Params = Record<string, unknown>;

export function collectionOf(p: Params): string {
  return checkCollectionName(p.collectionName);
}

export function bool(p: Params, name: string, fallback: boolean): boolean {
  const v = p[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean') throw invalidParam(`${name} must be a boolean`);
  return v;
}

function int(p: Params, name: string): number | undefined {
  const v = p[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalidParam(`${name} must be an integer`);
  return v;
}

export function offsetOf(p: Params): number {
  const v = int(p, 'offset') ?? 0;
  if (v < 0) throw invalidParam('offset must not be negative');
  return v;
}

export function limitOf(p: Params): number {
  const v = int(p, 'limit');
  if (v === undefined || v === 0) return DEFAULT_LIMIT;
  if (v < 0) throw invalidParam('limit must be positive');
  return Math.min(v, MAX_LIMIT);
}

export function objectParam(p: Params, name: string, now: number): Doc | undefined {
  if (p[name] === undefined || p[name] === null || p[name] === '') return undefined;
  const v = parseEJSON(p[name], name, now);
  if (!isPlainObject(v)) throw invalidParam(`${name} must encode an object`);
  return v;
}

export interface Target {
  query: Doc;
  /** For queryType DOC: the document key. */
  docKey?: string;
  docId?: unknown;
}

/** The query of a request; for queryType DOC it must be exactly `{ _id: <id> }`. */
export function targetOf(p: Params, now: number): Target {
  const type = p.queryType ?? 'WHERE';
  const query = objectParam(p, 'query', now) ?? {};
  if (type === 'WHERE') return { query };
  if (type !== 'DOC') throw invalidParam(`queryType must be WHERE or DOC, not ${JSON.stringify(type)}`);
  const keys = Object.keys(query);
  if (keys.length !== 1 || keys[0] !== '_id') throw invalidParam('a DOC query must be { _id }');
  return { query, docKey: idKey(query._id), docId: query._id };
}

export function sortOf(p: Params, now: number): SortSpec {
  const order = objectParam(p, 'order', now);
  if (!order) return [];
  return Object.entries(order).map(([field, dir]) => {
    if (!field || field.startsWith('$') || field.split('.').some((s) => !s)) {
      throw invalidParam(`order: invalid field ${JSON.stringify(field)}`);
    }
    if (dir !== 1 && dir !== -1) throw invalidParam(`order of ${field} must be 1 or -1`);
    return [field, dir];
  });
}

export function insertDataOf(p: Params, now: number): Doc[] {
  const data = p.data;
  const list = Array.isArray(data) ? data : [data];
  if (list.length === 0) throw invalidParam('data must hold at least one document');
  return list.map((item, i) => {
    const doc = parseEJSON(item, `data[${i}]`, now);
    if (!isPlainObject(doc)) throw invalidParam(`data[${i}] must encode an object`);
    return doc;
  });
}
