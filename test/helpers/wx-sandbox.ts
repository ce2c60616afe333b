/**
 * Stands in for the WeChat client runtime inside miniprogram-simulate, backed by a running sandbox
 * over real HTTP (node's http module: jsdom has no fetch). What the mini-program code calls keeps its
 * real shape; only the far side is the sandbox gateway instead of WeChat:
 *
 *   wx.cloud.callFunction  → POST /gateway/call { name, data, openid }
 *   wx.requestPayment      → POST /gateway/pay  { package, openid, action }   (action = what the simulated user does)
 *   wx.request             → the same URL over real HTTP (local mode posts to the gateway itself)
 *
 * Both callback and promise styles behave as in the real API. Plus test-only helpers on the
 * sandbox's control API: readDoc, queryDocs, seedProducts.
 */
import * as http from 'http';

/** What the simulated user (or the sandbox pay sheet) does: pay, close the sheet, a failure, no balance, a slow bank. */
export type PayAction = 'pay' | 'cancel' | 'fail' | 'notenough' | 'slow';

export interface HttpAnswer {
  status: number;
  body: unknown;
}

/** One JSON request over node's http; resolves for any HTTP status, rejects only on transport errors. */
export function httpJson(
  method: 'GET' | 'POST',
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(
      url,
      {
        method,
        headers: {
          ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
          ...(payload ? { 'content-length': payload.length } : {}),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            // Not JSON: keep the text, as wx.request does.
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/** Options bag of a WeChat async API: its own fields plus the optional callbacks. */
type WxCall<T, S, F> = T & {
  success?: (res: S) => void;
  fail?: (err: F) => void;
  complete?: (res: S | F) => void;
};

/** Settles a WeChat-style call: callbacks when given (returns undefined), a promise otherwise. */
function settle<S, F>(
  options: { success?: (res: S) => void; fail?: (err: F) => void; complete?: (res: S | F) => void },
  run: () => Promise<{ ok: true; value: S } | { ok: false; value: F }>,
): Promise<S> | undefined {
  const outcome = run();
  if (options.success || options.fail || options.complete) {
    void outcome.then((o) => {
      if (o.ok) options.success?.(o.value);
      else options.fail?.(o.value);
      options.complete?.(o.value);
    });
    return undefined;
  }
  return outcome.then((o) => (o.ok ? o.value : Promise.reject(o.value)));
}

interface CallFunctionSuccess {
  errMsg: string;
  result: unknown;
  requestID: string;
}
interface CallFunctionFailure {
  errCode: number;
  errMsg: string;
}

export interface WxSandbox {
  url: string;
  /** The simulated WeChat user every call is made as. */
  openid: string;
  /** What the simulated user does on the next payment sheets (default 'pay'). */
  payAction: PayAction;
  /** Every call that reached the gateway, for assertions about how often the client called. */
  calls: Array<{ name: string; data: unknown }>;
  /** Puts back the wx members that were replaced. */
  uninstall(): void;
}

const REPLACED = ['cloud', 'requestPayment', 'request'] as const;

export function installWxSandbox(url: string, openid: string): WxSandbox {
  // The typed global wx has no index signature; swapping members by name is this harness's job.
  const target = wx as unknown as Record<string, unknown>;
  const saved = new Map<string, unknown>(REPLACED.map((key) => [key, target[key]]));
  const sandbox: WxSandbox = {
    url,
    openid,
    payAction: 'pay',
    calls: [],
    uninstall() {
      for (const [key, value] of saved) target[key] = value;
    },
  };

  const callFunction = (
    options: WxCall<{ name: string; data?: unknown }, CallFunctionSuccess, CallFunctionFailure>,
  ) =>
    settle<CallFunctionSuccess, CallFunctionFailure>(options, async () => {
      sandbox.calls.push({ name: options.name, data: options.data });
      try {
        const { status, body } = await httpJson('POST', `${url}/gateway/call`, {
          name: options.name,
          data: options.data ?? {},
          openid: sandbox.openid,
        });
        if (field(body, 'ok') === true) {
          const requestID = String(field(body, 'requestId') ?? '');
          return {
            ok: true,
            value: { errMsg: 'cloud.callFunction:ok', result: field(body, 'result'), requestID },
          };
        }
        // The sandbox's error shape: { error: { code, message, errCode, errMsg } }.
        const error = field(body, 'error');
        const errCode = Number(field(error, 'errCode') ?? -1);
        const errMsg = String(
          field(error, 'errMsg') ??
            field(error, 'message') ??
            `cloud.callFunction:fail gateway answered HTTP ${status}`,
        );
        return { ok: false, value: { errCode, errMsg } };
      } catch (err) {
        return {
          ok: false,
          value: { errCode: -1, errMsg: `cloud.callFunction:fail request:fail ${String(err)}` },
        };
      }
    });

  const requestPayment = (options: WxCall<{ package: string }, { errMsg: string }, { errMsg: string }>) =>
    settle<{ errMsg: string }, { errMsg: string }>(options, async () => {
      try {
        const { body } = await httpJson('POST', `${url}/gateway/pay`, {
          package: options.package,
          openid: sandbox.openid,
          action: sandbox.payAction,
        });
        const errMsg = String(field(body, 'errMsg') ?? 'requestPayment:fail no answer');
        return errMsg === 'requestPayment:ok'
          ? { ok: true, value: { errMsg } }
          : { ok: false, value: { errMsg } };
      } catch (err) {
        return { ok: false, value: { errMsg: `requestPayment:fail ${String(err)}` } };
      }
    });

  type RequestSuccess = { errMsg: string; data: unknown; statusCode: number; header: Record<string, string> };
  const request = (
    options: WxCall<
      { url: string; method?: string; data?: unknown; header?: Record<string, string> },
      RequestSuccess,
      { errMsg: string }
    >,
  ) => {
    settle<RequestSuccess, { errMsg: string }>(options, async () => {
      try {
        const method = (options.method ?? 'GET').toUpperCase() === 'POST' ? 'POST' : 'GET';
        if (method === 'POST' && options.url.endsWith('/gateway/call')) {
          sandbox.calls.push({
            name: String(field(options.data, 'name')),
            data: field(options.data, 'data'),
          });
        }
        const { status, body } = await httpJson(
          method,
          options.url,
          method === 'POST' ? options.data : undefined,
          options.header,
        );
        return { ok: true, value: { errMsg: 'request:ok', data: body, statusCode: status, header: {} } };
      } catch (err) {
        return { ok: false, value: { errMsg: `request:fail ${String(err)}` } };
      }
    });
    // wx.request answers a RequestTask; nothing in the kit uses it beyond existing.
    return { abort() {}, onHeadersReceived() {}, offHeadersReceived() {} };
  };

  target.cloud = { init: () => undefined, callFunction, DYNAMIC_CURRENT_ENV: Symbol('DYNAMIC_CURRENT_ENV') };
  target.requestPayment = requestPayment;
  target.request = request;
  return sandbox;
}

/** GET /sandbox/db/<collection>/<id> → the document or null. */
export async function readDoc(
  url: string,
  collection: string,
  id: string,
): Promise<Record<string, unknown> | null> {
  const { status, body } = await httpJson('GET', `${url}/sandbox/db/${collection}/${encodeURIComponent(id)}`);
  if (status !== 200) throw new Error(`readDoc ${collection}/${id}: HTTP ${status} ${JSON.stringify(body)}`);
  const data = field(body, 'data');
  return typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : null;
}

/** POST /sandbox/db/query { collection, where } → the matching documents. */
export async function queryDocs(
  url: string,
  collection: string,
  where: Record<string, unknown>,
): Promise<Array<Record<string, unknown>>> {
  const { status, body } = await httpJson('POST', `${url}/sandbox/db/query`, { collection, where });
  const data = field(body, 'data');
  if (status !== 200 || !Array.isArray(data)) {
    throw new Error(`queryDocs ${collection}: HTTP ${status} ${JSON.stringify(body)}`);
  }
  return data as Array<Record<string, unknown>>;
}

export interface SeedProduct {
  sku: string;
  name: string;
  price: number;
}

/** POST /sandbox/db/import: puts catalogue products in paykit_products (sku as _id, active). */
export async function seedProducts(url: string, products: SeedProduct[]): Promise<void> {
  const paykit_products = products.map((p) => ({ _id: p.sku, name: p.name, price: p.price, active: true }));
  const { status, body } = await httpJson('POST', `${url}/sandbox/db/import`, { paykit_products });
  if (status !== 200) throw new Error(`seedProducts: HTTP ${status} ${JSON.stringify(body)}`);
}

/** POST to the sandbox's control API (`/sandbox/...`); fails the test on a non-200 answer. */
export async function control(url: string, route: string, body: unknown = {}): Promise<unknown> {
  const { status, body: answer } = await httpJson('POST', `${url}${route}`, body);
  if (status !== 200) throw new Error(`POST ${route}: HTTP ${status} ${JSON.stringify(answer)}`);
  return answer;
}

export interface SeedOrder {
  orderNo: string;
  openid: string;
  status: 'NOTPAY' | 'SUCCESS' | 'CLOSED' | 'REFUND' | 'PAYERROR';
  totalFee: number;
  createdAt: number;
  /** Default: 30 minutes after createdAt. */
  expiresAt?: number;
  items?: Array<{ sku: string; name: string; unitPrice: number; quantity: number }>;
}

/** An order number in the kit's form: "PK" + 14 digits of time + 8 digits. */
export function seedOrderNo(stamp: number, serial: number): string {
  return `PK${String(stamp).padStart(14, '0').slice(-14)}${String(serial).padStart(8, '0')}`;
}

/** POST /sandbox/db/import: orders straight into paykit_orders, in the kit's OrderDoc shape. */
export async function seedOrders(url: string, orders: SeedOrder[]): Promise<void> {
  const date = (ms: number) => ({ $date: new Date(ms).toISOString() });
  const paykit_orders = orders.map((o) => {
    const items = o.items ?? [{ sku: 'seed', name: '测试商品', unitPrice: o.totalFee, quantity: 1 }];
    return {
      _id: o.orderNo,
      openid: o.openid,
      appid: 'wxsandbox',
      items,
      totalFee: o.totalFee,
      description: items.map((i) => i.name).join('、'),
      status: o.status,
      attempts: [],
      outTradeNo: null,
      createdAt: date(o.createdAt),
      updatedAt: date(o.createdAt),
      expiresAt: date(o.expiresAt ?? o.createdAt + 30 * 60_000),
      ...(o.status === 'SUCCESS'
        ? { paidAt: date(o.createdAt + 1000), transactionId: `42${o.orderNo.slice(2)}` }
        : {}),
      refunds: [],
      version: 1,
    };
  });
  await control(url, '/sandbox/db/import', { paykit_orders });
}
