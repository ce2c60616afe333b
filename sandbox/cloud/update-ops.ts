/**
 * Applying `modifyDocument` data to a decoded document: a replacement (`doc().set()`, merge:false)
 * or update operators (merge:true; plain fields mean $set). mingo does the operators; this adds
 * what the cloud checks and mingo does not (`_id` immutability here, the paths and the types of
 * their targets in update-paths.ts) and the SDK's own spelling of `_.addToSet({ each: [...] })`.
 */
import { mingo } from './mingo';
import { checkPaths, failed } from './update-paths';
import { clone, type Doc, invalidParam, isPlainObject, stringifyEJSON } from './values';

const OPERATORS = new Set([
  '$set',
  '$unset',
  '$inc',
  '$mul',
  '$min',
  '$max',
  '$rename',
  '$push',
  '$pull',
  '$pullAll',
  '$addToSet',
  '$pop',
  '$currentDate',
  '$bit',
]);
const NUMERIC = new Set(['$inc', '$mul']);

function checkNoOperators(v: unknown, where: string): void {
  if (Array.isArray(v)) v.forEach((x) => checkNoOperators(x, where));
  else if (isPlainObject(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (k.startsWith('$')) throw invalidParam(`${where}: field names cannot start with $ (${k})`);
      checkNoOperators(x, where);
    }
  }
}

/** The new document for a replacement: the data plus the existing `_id`. */
export function replaceDocument(id: unknown, data: Doc): Doc {
  checkNoOperators(data, 'set data');
  if ('_id' in data && data._id !== id) throw invalidParam('set data cannot change _id');
  return { ...clone(data), _id: id };
}

/** Turns request data into a validated modifier. */
export function toModifier(data: Doc): Doc {
  const keys = Object.keys(data);
  if (keys.length === 0) throw invalidParam('update data is empty');
  const hasOps = keys.some((k) => k.startsWith('$'));
  if (!hasOps) {
    checkNoOperators(data, 'update data');
    return { $set: data };
  }
  const modifier: Doc = {};
  for (const op of keys) {
    if (!OPERATORS.has(op)) throw invalidParam(`unknown update operator ${op}`);
    const fields = data[op];
    if (!isPlainObject(fields)) throw invalidParam(`${op} needs an object of fields`);
    const out: Doc = {};
    for (const [path, arg] of Object.entries(fields)) {
      if (path === '_id' || path.startsWith('_id.')) throw invalidParam('update cannot change _id');
      if (!path || path.startsWith('$') || path.split('.').some((s) => s === '')) {
        throw invalidParam(`${op}: invalid field path ${JSON.stringify(path)}`);
      }
      if (NUMERIC.has(op) && typeof arg !== 'number') throw invalidParam(`${op} of ${path} needs a number`);
      if (op === '$pop' && arg !== 1 && arg !== -1) throw invalidParam(`$pop of ${path} needs 1 or -1`);
      if (op === '$rename' && (typeof arg !== 'string' || arg === '_id')) {
        throw invalidParam(`$rename of ${path} needs a new field name`);
      }
      // The SDK encodes _.addToSet({ each: [...] }) without the `$`.
      const eachSpelling = op === '$addToSet' && isPlainObject(arg) && Object.keys(arg).join() === 'each';
      out[path] = eachSpelling && Array.isArray((arg as Doc).each) ? { $each: (arg as Doc).each } : arg;
      const each = op === '$addToSet' && isPlainObject(out[path]) ? (out[path] as Doc).$each : undefined;
      // MongoDB adds each distinct value once; mingo would add repeats within $each.
      if (Array.isArray(each)) out[path] = { $each: distinct(each) };
    }
    modifier[op] = out;
  }
  return modifier;
}

function distinct(values: unknown[]): unknown[] {
  const seen = new Set<string>();
  return values.filter((v) => {
    const key = stringifyEJSON({ v });
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Applies a modifier in place; returns whether anything changed. What MongoDB refuses throws before
 * anything changes (update-paths.ts); mingo's own errors may leave `doc` half updated, so callers
 * apply to a copy and discard it on an error.
 */
export function applyModifier(doc: Doc, modifier: Doc): boolean {
  checkPaths(doc, modifier);
  try {
    const { update } = mingo();
    return update(doc, modifier as Parameters<typeof update>[1]).length > 0;
  } catch (err) {
    throw failed((err as Error).message);
  }
}
