/**
 * The contract of the dashboard's tool pages (Callbacks, Functions, Database, Bills, Faults) with
 * the routes they read: the control routes the CLI uses, plus the few under `/sandbox/dashboard/`
 * that those do not cover. Type-only; money in fen, times in sandbox epoch ms unless said otherwise.
 */

/** `GET /sandbox/pay/config` as far as the Callbacks page reads it. */
export interface PayConfigView {
  /** Wait before retry n (n = 1, 2, …): WeChat Pay's notification schedule. */
  retryScheduleMs: number[];
}

/** One cloud function invocation (`GET /sandbox/logs?name&openid&limit`, newest last). */
export interface InvocationView {
  requestId: string;
  name: string;
  caller: { openid?: string; source: string };
  startedAt: number;
  /** Real time the call took. */
  durationMs: number;
  cold: boolean;
  logs: Array<{ level: 'log' | 'info' | 'warn' | 'error' | 'debug'; at: number; message: string }>;
  error?: string;
  /** Cloud API calls it made, by kind. */
  calls: { database: number; pay: number; functions: number };
  /** Killed by chaos at this API call. */
  chaosKill?: { call: number; phase: 'before' | 'after' };
}

/** One API a fault can target and the errors it takes (sandbox/pay/faults.ts FaultTarget). */
export interface FaultTargetView {
  api: string;
  family: 'any' | 'cloudpay' | 'apiv3' | 'shipping' | 'refundResult';
  errors: readonly string[];
}

/** `GET /sandbox/dashboard/fault-choices`: every valid choice of the pay faults routes. */
export interface FaultChoices {
  targets: FaultTargetView[];
  callbackModes: readonly string[];
  callbackKinds: readonly string[];
}

/** `GET /sandbox/dashboard/db`: the collections and how many documents each holds. */
export interface CollectionsView {
  collections: Array<{ name: string; count: number }>;
}

/**
 * `POST /sandbox/dashboard/db/query`: `where` is the SDK's query as it travels (EJSON: `{ "totalFee":
 * { "$gt": 100 } }` is `where({ totalFee: _.gt(100) })`, a date `{ "$date": … }`).
 */
export interface DbQueryRequest {
  collection: string;
  where?: Record<string, unknown>;
  /** 1–200, default 50. */
  limit?: number;
}

export interface DbQueryResult {
  /** Relaxed EJSON, as export gives them. */
  documents: Array<Record<string, unknown>>;
  /** How many match (all of them, not only the ones returned). */
  total: number;
}

/** `POST /sandbox/dashboard/db/doc`: replaces one existing document (relaxed EJSON, same `_id`). */
export interface DocEditRequest {
  collection: string;
  id: string;
  doc: Record<string, unknown>;
}

export interface DocEditResult {
  document: Record<string, unknown>;
}
