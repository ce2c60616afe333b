/**
 * The tool pages' routes under `/sandbox/dashboard/` that the control routes do not already give:
 * the fault choices (derived from the lists the faults routes check against), the database's
 * collections, a query in the SDK's own language (EJSON, run by the cloud database's engine), the
 * one validated document edit, and a day's bill as the CSV WeChat Pay would hand out. Everything
 * else the pages need (callbacks, logs, faults, the kit's functions) goes through the CLI's routes.
 */
import type { IncomingMessage, ServerResponse } from 'http';
import type {
  CollectionsView,
  DbQueryResult,
  DocEditResult,
  FaultChoices,
  InvocationView,
} from '../../typings/sandbox/dashboard-tools';
import { decodeValue, isPlainObject, toRelaxed } from '../cloud/values';
import { SandboxError } from '../errors';
import { badRequest, readJson, requireString, sendJson, wholeNumber } from '../http';
import { CALLBACK_FAULT_MODES, CALLBACK_KINDS } from '../pay/callback-faults';
import { FAULT_TARGETS } from '../pay/service';
import type { InvocationRecord } from '../runtime/invocation-log';
import type { Sandbox } from '../server';
import { beijingDayRange } from './shared';

/** The most documents one query shows. */
export const QUERY_LIMIT_MAX = 200;
const QUERY_LIMIT_DEFAULT = 50;
export const TOOL_ROUTES = 'GET fault-choices, db, bill?day=yyyy-MM-dd; POST db/query, db/doc';

// The Functions page reads /sandbox/logs as InvocationView: a record must keep fitting it.
const fitsView = (r: InvocationRecord): InvocationView => r;
void fitsView;

function collection(sandbox: Sandbox, body: Record<string, unknown>): string {
  const name = requireString(body, 'collection');
  const names = sandbox.db.collections();
  if (!names.includes(name)) {
    throw new SandboxError(
      'NOT_FOUND',
      `no collection ${JSON.stringify(name)}; the collections are ${names.join(', ') || '(none)'}`,
      404,
    );
  }
  return name;
}

function query(sandbox: Sandbox, body: Record<string, unknown>): DbQueryResult {
  const coll = collection(sandbox, body);
  const raw = body.where ?? {};
  if (!isPlainObject(raw)) throw badRequest('where must be an object, e.g. { "status": "SUCCESS" }');
  const limit = wholeNumber('limit', body.limit, 1, QUERY_LIMIT_DEFAULT)!;
  if (limit > QUERY_LIMIT_MAX) throw badRequest(`limit must be at most ${QUERY_LIMIT_MAX}`);
  const where = decodeValue(raw, 'where', sandbox.clock.now());
  if (!isPlainObject(where)) throw badRequest('where must be an object');
  return {
    documents: sandbox.db.find(coll, where, [], limit).map((d) => toRelaxed(d) as Record<string, unknown>),
    total: sandbox.db.count(coll, where),
  };
}

/** Replaces one existing document; the `_id` cannot change, nothing else is written. */
function editDoc(sandbox: Sandbox, body: Record<string, unknown>): DocEditResult {
  const coll = collection(sandbox, body);
  const id = requireString(body, 'id');
  const doc = body.doc;
  if (!isPlainObject(doc)) throw badRequest('doc must be a JSON object (the whole document)');
  if (doc._id !== undefined && doc._id !== id) throw badRequest(`doc._id must stay ${JSON.stringify(id)}`);
  if (!sandbox.db.getDoc(coll, id)) {
    throw new SandboxError('NOT_FOUND', `no document ${JSON.stringify(id)} in ${coll}`, 404);
  }
  // Decoding first refuses a bad EJSON value before anything is written; import is one transaction.
  decodeValue(doc, 'doc', sandbox.clock.now());
  sandbox.db.importData({ [coll]: [{ ...doc, _id: id }] });
  return { document: toRelaxed(sandbox.db.getDoc(coll, id)) as Record<string, unknown> };
}

function sendBill(sandbox: Sandbox, res: ServerResponse, day: string | null): void {
  const range = day === null ? undefined : beijingDayRange(day);
  if (!range) throw badRequest('day must be a calendar day yyyy-MM-dd (Beijing)');
  const text = sandbox.pay.billOf(range[0]);
  if (text === null)
    throw new SandboxError('NOT_FOUND', `no bill for ${day}: no trade was paid or refunded`, 404);
  res.writeHead(200, {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="bill-${day!.replace(/-/g, '')}.csv"`,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(text);
}

/** Answers a tool route and returns true, or returns false for the caller's other routes. */
export async function handleToolRoute(
  sandbox: Sandbox,
  req: IncomingMessage,
  res: ServerResponse,
  rest: string[],
  url: URL,
): Promise<boolean> {
  const route = `${req.method ?? 'GET'} ${rest.join('/')}`;
  switch (route) {
    case 'GET fault-choices': {
      const choices: FaultChoices = {
        targets: [...FAULT_TARGETS],
        callbackModes: CALLBACK_FAULT_MODES,
        callbackKinds: CALLBACK_KINDS,
      };
      sendJson(res, 200, choices);
      return true;
    }
    case 'GET db': {
      const view: CollectionsView = {
        collections: sandbox.db.collections().map((name) => ({ name, count: sandbox.db.count(name, {}) })),
      };
      sendJson(res, 200, view);
      return true;
    }
    case 'POST db/query':
      sendJson(res, 200, query(sandbox, await readJson(req)));
      return true;
    case 'POST db/doc':
      sendJson(res, 200, editDoc(sandbox, await readJson(req)));
      return true;
    case 'GET bill':
      sendBill(sandbox, res, url.searchParams.get('day'));
      return true;
    default:
      return false;
  }
}
