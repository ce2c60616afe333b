/**
 * The sandbox's HTTP control and gateway API, for node and jsdom suites alike (test/helpers/http.ts).
 */
import { awaitingShipment } from '../../cloudfunctions/common/shipping-states';
import { httpRequest, parseBody } from './http';

/** A request whose answer may be an error: resolves with the HTTP status and the parsed body. */
export async function send<T = unknown>(
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T }> {
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const answer = await httpRequest(method, url, {
    headers: {
      ...(method === 'GET' ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: payload,
  });
  return { status: answer.status, body: parseBody(answer.text) as T };
}

/** A request that must succeed (2xx): fails the test with the sandbox's answer otherwise. */
async function must<T>(method: string, url: string, body?: unknown): Promise<T> {
  const res = await send<T>(method, url, body);
  if (res.status < 200 || res.status > 299)
    throw new Error(`${method} ${url} → ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

export const post = <T = Record<string, unknown>>(url: string, body: unknown): Promise<T> =>
  must<T>('POST', url, body);

export const get = <T = Record<string, unknown>>(url: string): Promise<T> => must<T>('GET', url);

export async function del(url: string): Promise<void> {
  await must('DELETE', url);
}

/** The answer of a call that ran: `POST /gateway/call` → 200. */
export interface CallAnswer<T> {
  ok: true;
  result: T;
  requestId: string;
}

/** The sandbox's one error shape (gateway and control API), with the HTTP status it came with. */
export interface SandboxErrorAnswer {
  error: { code: string; message: string; errCode?: number; errMsg?: string };
}

/** What wx.cloud.callFunction settles with: the function's result, or the cloud's failure. */
export type CallFunctionAnswer<T> =
  { ok: true; result: T; requestId: string } | { ok: false; errCode: number; errMsg: string };

/**
 * A gateway call whose failure (an instance killed or timed out, 4xx/5xx in the sandbox's error
 * shape) is an answer, as wx.cloud.callFunction's fail callback would receive it.
 */
export async function callFunction<T = unknown>(
  base: string,
  openid: string,
  name: string,
  data: unknown,
): Promise<CallFunctionAnswer<T>> {
  const { status, body } = await send<CallAnswer<T> & SandboxErrorAnswer>('POST', `${base}/gateway/call`, {
    name,
    openid,
    data,
  });
  if (status === 200) return body;
  return {
    ok: false,
    errCode: body.error?.errCode ?? -1,
    errMsg: body.error?.errMsg ?? body.error?.message ?? '',
  };
}

/** Calls a cloud function through the gateway as the given user, like wx.cloud.callFunction. */
export async function callAs<T = unknown>(
  base: string,
  openid: string,
  name: string,
  data: unknown,
): Promise<T> {
  // A call that fails is not a 200: post() throws with the sandbox's error.
  const answer = await post<CallAnswer<T>>(`${base}/gateway/call`, { name, data, openid });
  return answer.result;
}

/** POST /sandbox/db/import: documents by collection. */
export async function seed(base: string, data: Record<string, unknown[]>): Promise<void> {
  await post(`${base}/sandbox/db/import`, data);
}

/** GET /sandbox/db/<collection>/<id> → the document or null. */
export async function readDoc<T = Record<string, unknown>>(
  base: string,
  collection: string,
  id: string,
): Promise<T | null> {
  const res = await get<{ data: T | null }>(`${base}/sandbox/db/${collection}/${encodeURIComponent(id)}`);
  return res.data;
}

/**
 * Changes a stored order's amount behind the kit's back (the order record changed after its prepay),
 * so that WeChat's payment of it will not match it: through the database's export and import, which
 * keep the document's types.
 */
export async function storeOrderAmount(base: string, orderNo: string, totalFee: number): Promise<void> {
  const { paykit_orders: orders } = await get<{ paykit_orders: Array<Record<string, unknown>> }>(
    `${base}/sandbox/db/export?collections=paykit_orders`,
  );
  const doc = orders.find((o) => o._id === orderNo);
  if (!doc) throw new Error(`no order ${orderNo} to change`);
  await post(`${base}/sandbox/db/import`, { paykit_orders: [{ ...doc, totalFee }] });
}

/** POST /sandbox/db/query { collection, where } → the matching documents. */
export async function query<T = Record<string, unknown>>(
  base: string,
  collection: string,
  where: Record<string, unknown> = {},
): Promise<T[]> {
  return (await post<{ data: T[] }>(`${base}/sandbox/db/query`, { collection, where })).data;
}

/** Polls until `check` returns a value other than undefined, or fails after `ms`. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  ms = 5000,
  what = 'condition',
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface SeedProduct {
  sku: string;
  name: string;
  price: number;
}

/** Catalogue products into paykit_products (sku as _id, active). */
export async function seedProducts(base: string, products: SeedProduct[]): Promise<void> {
  await seed(base, {
    paykit_products: products.map((p) => ({ _id: p.sku, name: p.name, price: p.price, active: true })),
  });
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
  /** A paid order awaiting shipment, as the payment leaves it (shipping-states.ts `awaitingShipment`). */
  awaitingShipment?: boolean;
  /**
   * A paid order whose payment was recorded without WeChat Pay's transaction id, as payments.ts
   * records a query answer that lacks it.
   */
  withoutTransactionId?: boolean;
}

/** A paid order of `openid` awaiting shipment, an hour old, recorded without a transaction id. */
export function paidWithoutTransactionId(orderNo: string, openid: string): SeedOrder {
  return {
    orderNo,
    openid,
    status: 'SUCCESS',
    totalFee: 100,
    createdAt: Date.now() - 3_600_000,
    awaitingShipment: true,
    withoutTransactionId: true,
  };
}

/** An order number in the kit's form: "PK" + 14 digits of time + 8 digits. */
export function seedOrderNo(stamp: number, serial: number): string {
  return `PK${String(stamp).padStart(14, '0').slice(-14)}${String(serial).padStart(8, '0')}`;
}

/** Orders straight into paykit_orders, in the kit's OrderDoc shape. */
export async function seedOrders(base: string, orders: SeedOrder[]): Promise<void> {
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
        ? {
            paidAt: date(o.createdAt + 1000),
            transactionId: o.withoutTransactionId ? '' : `42${o.orderNo.slice(2)}`,
          }
        : {}),
      refunds: [],
      ...(o.awaitingShipment ? { delivery: 'express', shipping: awaitingShipment() } : {}),
      version: 1,
    };
  });
  await seed(base, { paykit_orders });
}
