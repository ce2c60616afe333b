/**
 * WeChat's order-shipping API (发货信息管理服务) through cloud call: `cloud.openapi.wxa.sec.order.*`,
 * with WeChat's own snake_case keys (`convertCase: false`), so requests and answers read like the
 * reference (wechat-shipping-reference.md §2–3). Every function using one lists it in its
 * config.json permissions. The only module of the shipping code that imports wx-server-sdk. Each
 * call keeps within its function's time, as WeChat Pay's do (invocation-time.ts).
 */
import cloud from 'wx-server-sdk';
import { answerWithin, type InvocationTime } from './invocation-time';

export type OrderKey = { order_number_type: 2; transaction_id: string };

export interface UploadShippingInfo {
  order_key: OrderKey;
  logistics_type: 1 | 2 | 3 | 4;
  delivery_mode: 1 | 2;
  is_all_delivered?: boolean;
  shipping_list: Array<{
    tracking_no?: string;
    express_company?: string;
    item_desc: string;
    contact?: { consignor_contact?: string; receiver_contact?: string };
  }>;
  upload_time: string;
  payer: { openid: string };
}

/** get_order's `order`, the fields the kit reads. */
export interface WeChatShippingOrder {
  transaction_id?: string;
  openid?: string;
  order_state?: number;
  shipping?: { finish_shipping_count?: number; logistics_type?: number };
}

/**
 * WeChat's answer: what it returned, or its errcode. A failure that is not WeChat's has errcode -1;
 * `notStarted` when the call was not made for lack of the function's time (WeChat was not asked).
 */
export type WeChatAnswer<T> =
  { ok: true; data: T } | { ok: false; errcode: number; errmsg: string; notStarted?: true };

type Call = (data: Record<string, unknown>) => Promise<Record<string, unknown>>;
interface SecOrderApi {
  uploadShippingInfo: Call;
  getOrder: Call;
  isTradeManaged: Call;
}
// wx-server-sdk types `openapi` as Record<string, any> (a Proxy that joins the property path into the
// API name); this is the slice the kit calls, with the options call that keeps WeChat's keys.
type OpenApi = (options: { convertCase: false }) => { wxa: { sec: { order: SecOrderApi } } };

function secOrder(): SecOrderApi {
  return (cloud.openapi as unknown as OpenApi)({ convertCase: false }).wxa.sec.order;
}

/**
 * One cloud call, waited for only as long as the invocation's time allows, and not started with too
 * little left: either way the answer is errcode -1, WeChat not answering, which every caller already
 * treats as "ask again" (the upload's claim released, WeChat asked again whether it holds it); one
 * not started says so, for a caller that would otherwise record the order as asked. The SDK's
 * request cannot be cancelled: left to end on its own, it may still be carried out, and its late
 * answer goes nowhere.
 */
async function call<T>(
  time: InvocationTime,
  api: string,
  run: () => Promise<Record<string, unknown>>,
): Promise<WeChatAnswer<T>> {
  const waitMs = time.callWaitMs();
  if (waitMs === undefined)
    return {
      ok: false,
      errcode: -1,
      errmsg: `${api}: too little of the function's time is left to ask WeChat`,
      notStarted: true,
    };
  try {
    return { ok: true, data: (await answerWithin(waitMs, run, `${api}: WeChat did not answer`)) as T };
  } catch (err) {
    // The SDK throws WeChat's non-zero errcode as a CloudSDKError whose errCode is that errcode.
    const e = err as { errCode?: unknown; errMsg?: unknown; message?: unknown };
    const errcode = typeof e.errCode === 'number' && e.errCode !== 0 ? e.errCode : -1;
    return { ok: false, errcode, errmsg: String(e.errMsg ?? e.message ?? err) };
  }
}

export function uploadShippingInfo(
  time: InvocationTime,
  body: UploadShippingInfo,
): Promise<WeChatAnswer<unknown>> {
  return call(time, 'upload_shipping_info', () =>
    secOrder().uploadShippingInfo(body as unknown as Record<string, unknown>),
  );
}

export async function getOrder(
  time: InvocationTime,
  transactionId: string,
): Promise<WeChatAnswer<WeChatShippingOrder>> {
  const answer = await call<{ order?: WeChatShippingOrder }>(time, 'get_order', () =>
    secOrder().getOrder({ transaction_id: transactionId }),
  );
  return answer.ok ? { ok: true, data: answer.data.order ?? {} } : answer;
}

export async function isTradeManaged(time: InvocationTime, appid: string): Promise<WeChatAnswer<boolean>> {
  const answer = await call<{ is_trade_managed?: unknown }>(time, 'is_trade_managed', () =>
    secOrder().isTradeManaged({ appid }),
  );
  return answer.ok ? { ok: true, data: answer.data.is_trade_managed === true } : answer;
}

/** RFC 3339 in Beijing time with milliseconds, as WeChat's own example: 2022-12-15T13:29:35.120+08:00. */
export function rfc3339Beijing(ms: number): string {
  return `${new Date(ms + 8 * 3600_000).toISOString().slice(0, 23)}+08:00`;
}
