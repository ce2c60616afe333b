/**
 * What MongoDB (and so the cloud database) refuses about an update's fields before changing
 * anything, and mingo does not: a path through a value that is not an object (mingo replaces a null
 * on the way with `{}` and skips a number, string, boolean or Date), and a field of the wrong type
 * for its operator, null included (mingo skips it). Without these checks an update that fails in
 * production would pass in the sandbox. Each check names the MongoDB behaviour it follows
 * (src/mongo/db/update in the server source); the path messages are MongoDB's own.
 */
import { SandboxError } from '../errors';
import { type Doc, isPlainObject, toRelaxed } from './values';

/**
 * Operators that create their path when it is absent (MongoDB's `allowCreation()`): through a
 * non-object they fail with PathNotViable (code 28) "Cannot create field …" (pathsupport's
 * createPathAt), as does an array reached by a name that is not an index.
 */
const CREATING = new Set([
  '$set',
  '$inc',
  '$mul',
  '$min',
  '$max',
  '$push',
  '$addToSet',
  '$currentDate',
  '$bit',
]);
/** Operators that need a number there (ArithmeticNode); null is not one. */
const NUMERIC = new Set(['$inc', '$mul']);
/** Operators that need an array there, null included (PushNode, AddToSetNode, PopNode, ArrayCullingNode). */
const ARRAY = new Set(['$push', '$pull', '$pullAll', '$addToSet', '$pop']);

/** Where a field path leads in a document, walked the way MongoDB walks it for an update. */
interface Reach {
  /** The value at the path; undefined when absent (an operator that creates it adds what is missing). */
  value: unknown;
  /** Whether the walk went into an array element ($rename refuses those). */
  viaArray: boolean;
  /** The value the walk could not go through (null, a scalar, a Date, an array by a name), if any. */
  blocked?: Blocked;
}

interface Blocked {
  /** The blocking value and the field that holds it. */
  holder: unknown;
  field: string;
  /** The path's segment that could not be taken through it. */
  part: string;
}

export function failed(message: string): SandboxError {
  return new SandboxError('DATABASE_REQUEST_FAILED', message);
}

/**
 * Into an object by name, into an array only by a numeric segment (one past its end is absent: a
 * creating operator pads the array with nulls). A positional segment ($, $[], $[id]) is left to
 * mingo, which resolves the elements it names.
 */
function reach(doc: Doc, path: string): Reach {
  const parts = path.split('.');
  let cur: unknown = doc;
  let viaArray = false;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (part.startsWith('$')) return { value: undefined, viaArray: true };
    if (isPlainObject(cur)) {
      if (!Object.prototype.hasOwnProperty.call(cur, part)) return { value: undefined, viaArray };
      cur = cur[part];
    } else if (Array.isArray(cur) && /^\d+$/.test(part)) {
      viaArray = true;
      if (Number(part) >= cur.length) return { value: undefined, viaArray };
      cur = cur[Number(part)];
    } else {
      return { value: undefined, viaArray, blocked: { holder: cur, field: parts[i - 1], part } };
    }
  }
  return { value: cur, viaArray };
}

/** MongoDB prints the element as `{name: value}`, with the last name of its path only. */
function element(b: Blocked): string {
  const text = JSON.stringify(toRelaxed({ v: b.holder }));
  const value = text.slice('{"v":'.length, -1);
  return `{${b.field}: ${value.length > 120 ? `${value.slice(0, 117)}...` : value}}`;
}

function cannotCreate(b: Blocked): SandboxError {
  return failed(`Cannot create field '${b.part}' in element ${element(b)}`);
}

/** UpdateLeafNode::checkViability, for operators that do not create their path. */
function cannotTraverse(path: string, b: Blocked): SandboxError {
  return failed(`Cannot use the part (${b.part}) of (${path}) to traverse the element (${element(b)})`);
}

/**
 * Throws MongoDB's error for the first field of `modifier` it would refuse in `doc`, before any of
 * the update is applied: the update is all or nothing for the document.
 */
export function checkPaths(doc: Doc, modifier: Doc): void {
  for (const [op, fields] of Object.entries(modifier)) {
    for (const [path, arg] of Object.entries(fields as Doc)) {
      if (op === '$rename') checkRename(doc, path, arg as string);
      else checkField(doc, op, path);
    }
  }
}

function checkField(doc: Doc, op: string, path: string): void {
  const { value, blocked } = reach(doc, path);
  if (blocked) {
    // UnsetNode allows a non-viable path: there is nothing to remove, so it is a no-op.
    if (op === '$unset') return;
    // $pull, $pullAll and $pop do not create, but a non-viable path still fails (checkViability).
    throw CREATING.has(op) ? cannotCreate(blocked) : cannotTraverse(path, blocked);
  }
  // Only an absent field is created: a null one is there, and of the wrong type for these.
  if (value === undefined) return;
  if (NUMERIC.has(op) && typeof value !== 'number') {
    throw failed(`Cannot apply ${op} to a value of non-numeric type: ${path} is ${typeName(value)}`);
  }
  if (op === '$bit' && !Number.isInteger(value)) {
    throw failed(`Cannot apply $bit to a value of non-integral type: ${path} is ${typeName(value)}`);
  }
  if (ARRAY.has(op) && !Array.isArray(value)) {
    throw failed(`Cannot apply ${op} to a non-array field: ${path} is ${typeName(value)}`);
  }
}

/** The BSON type name MongoDB's messages give a value (numbers as `double`: EJSON decodes them alike). */
function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Date) return 'date';
  if (typeof value === 'number') return 'double';
  if (typeof value === 'boolean') return 'bool';
  return typeof value === 'string' ? 'string' : 'object';
}

/**
 * RenameNode: a source path through a non-object fails ("most updates fail on an attempt to update
 * a non-viable path"); an absent source is a no-op whatever the destination; neither path may go
 * through an array; the destination is created as $set creates it.
 */
function checkRename(doc: Doc, from: string, to: string): void {
  const source = reach(doc, from);
  if (source.blocked) throw cannotTraverse(from, source.blocked);
  if (source.value === undefined) return;
  if (source.viaArray) throw failed(`The source field cannot be an array element: '${from}'`);
  const dest = reach(doc, to);
  if (dest.viaArray || Array.isArray(dest.blocked?.holder)) {
    throw failed(`The destination field cannot be an array element: '${to}'`);
  }
  if (dest.blocked) throw cannotCreate(dest.blocked);
}
