/**
 * upload_shipping_info (§2.1): the request's checks in WeChat's order, then the rules of a shipment:
 * split (express only, ≤ 15 packages), identical content (10060023), the one re-shipment (10060003),
 * a newer upload_time each time, the payer's openid.
 */
import { isDeepStrictEqual } from 'util';
import { refuse } from './errors';
import { findOrder, packagesOf, type Found, type OrderContext } from './orders';
import { ORDER_STATE, type StoredPackage } from './store';

const MAX_PACKAGES = 15;
/** RFC 3339 date-time: `T` (or `t`), seconds, optional fraction, `Z` or an offset. */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

type Body = Record<string, unknown>;

function isObject(v: unknown): v is Body {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A string field: absent → undefined; another JSON type → 47001 (WeChat's data format error). */
export function text(body: Body, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') refuse(47001, `${key} must be a string`);
  return v;
}

export function integer(body: Body, key: string): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) refuse(47001, `${key} must be an integer`);
  return v;
}

/** Milliseconds of an RFC 3339 time, or 268485216. */
export function rfc3339(value: string | undefined): number {
  const m = RFC3339.exec(value ?? '');
  const ms = m ? Date.parse(value!.toUpperCase()) : NaN;
  if (!m || Number.isNaN(ms) || Number(m[2]) > 12 || Number(m[3]) > 31) refuse(268485216);
  return ms;
}

function tooLong(value: string, max: number, unit: 'chars' | 'bytes'): boolean {
  return (unit === 'bytes' ? Buffer.byteLength(value) : [...value].length) > max;
}

function enumValue(
  ctx: OrderContext,
  code: 10060005 | 268485224,
  key: string,
  v: number | undefined,
  max: number,
) {
  if (v === undefined || v < 1 || v > max) {
    refuse(ctx.config().invalidEnumAnswer === '47001' && v !== undefined ? 47001 : code, `${key}=${v}`);
  }
  return v;
}

function readPackage(ctx: OrderContext, raw: unknown, express: boolean, at: number): StoredPackage {
  if (!isObject(raw)) refuse(47001, 'shipping_list items must be objects');
  const item_desc = text(raw, 'item_desc');
  if (!item_desc) refuse(10060008);
  if (tooLong(item_desc, 120, ctx.config().itemDescLimit)) refuse(10060009);
  const pkg: StoredPackage = { item_desc, upload_ms: at };
  const trackingNo = text(raw, 'tracking_no');
  const company = text(raw, 'express_company');
  if (express) {
    if (!trackingNo) refuse(268485226);
    if (!company) refuse(268485227);
    if (Buffer.byteLength(trackingNo) > 128) refuse(10060026);
    if (Buffer.byteLength(company) > 128) refuse(10060025);
    pkg.tracking_no = trackingNo;
    pkg.express_company = company;
  }
  if (raw.contact !== undefined) {
    if (!isObject(raw.contact)) refuse(47001, 'contact must be an object');
    const consignor = text(raw.contact, 'consignor_contact');
    const receiver = text(raw.contact, 'receiver_contact');
    for (const c of [consignor, receiver]) {
      if (c && Buffer.byteLength(c) > 1024) refuse(10060014, 'contact over 1024 bytes');
      // Masked: at most the last 4 digits in clear (§1); an 11-digit run is a whole phone number.
      if (c && /\d{5,}/.test(c)) refuse(10060014, 'contact must be masked (only the last 4 digits in clear)');
    }
    pkg.contact = {
      ...(consignor ? { consignor_contact: consignor } : {}),
      ...(receiver ? { receiver_contact: receiver } : {}),
    };
  }
  if (express && company === 'SF' && !pkg.contact?.consignor_contact && !pkg.contact?.receiver_contact) {
    refuse(10060014, 'contact is required for SF (顺丰)');
  }
  return pkg;
}

/** The order key of §2.1 (268485194–97). */
function orderKey(body: Body) {
  const key = body.order_key;
  if (!isObject(key)) refuse(47001, 'order_key must be an object');
  const type = integer(key, 'order_number_type');
  if (type === 2) {
    const transactionId = text(key, 'transaction_id');
    if (!transactionId) refuse(268485195);
    return { transactionId };
  }
  if (type === 1) {
    const mchid = text(key, 'mchid');
    if (!mchid) refuse(268485196);
    const outTradeNo = text(key, 'out_trade_no');
    if (!outTradeNo) refuse(268485197);
    return { mchid, outTradeNo };
  }
  return refuse(268485194);
}

/** What one accepted upload did: `shipped` when it completed the shipping (now 已发货). */
export interface UploadOutcome {
  found: Found;
  shipped: boolean;
  reshipped: boolean;
}

export function uploadShippingInfo(ctx: OrderContext, appid: string, body: Body): UploadOutcome {
  const key = orderKey(body);
  const logisticsType = enumValue(ctx, 10060005, 'logistics_type', integer(body, 'logistics_type'), 4);
  const deliveryMode = enumValue(ctx, 268485224, 'delivery_mode', integer(body, 'delivery_mode'), 2);
  const split = deliveryMode === 2;
  const list = body.shipping_list;
  if (!Array.isArray(list)) refuse(47001, 'shipping_list must be an array');
  if (!list.length) refuse(10060020);
  if (list.length > MAX_PACKAGES) refuse(10060024);
  if (!split && list.length !== 1) refuse(268485228);
  if (split && logisticsType !== 1) refuse(10060006);
  const allDelivered = body.is_all_delivered;
  if (split && typeof allDelivered !== 'boolean') refuse(10060007);
  const uploadMs = rfc3339(text(body, 'upload_time'));
  const payer = body.payer;
  if (!isObject(payer)) refuse(47001, 'payer must be an object');
  const openid = text(payer, 'openid');
  if (!openid || Buffer.byteLength(openid) > 128) refuse(10060014, 'payer.openid must be 1 to 128 bytes');
  const packages = list.map((raw) => readPackage(ctx, raw, logisticsType === 1, uploadMs));

  const found = findOrder(ctx, appid, key);
  const { trade, order } = found;
  if (openid !== trade.sub_openid) refuse(10060031);
  if (order.state !== ORDER_STATE.AWAITING && order.state !== ORDER_STATE.SHIPPED) refuse(10060004);
  const stored = packagesOf(order);
  const content = (items: StoredPackage[]) => items.map(({ upload_ms: _, ...rest }) => rest);
  const finishes = !split || allDelivered === true;
  const same =
    order.delivery_mode === deliveryMode &&
    order.logistics_type === logisticsType &&
    Boolean(order.is_all_delivered) === finishes &&
    isDeepStrictEqual(content(stored.slice(-packages.length)), content(packages));
  if (order.delivery_mode !== null && same) refuse(10060023);
  if (order.last_upload_ms !== null && uploadMs <= order.last_upload_ms) {
    refuse(268485216, 'upload_time must be later than the previous upload');
  }
  const continuing = split && order.delivery_mode === 2 && order.logistics_type === 1;
  if (order.finish_shipping_count > 0) {
    if (order.finish_shipping_count >= 2) refuse(10060003);
    if (continuing && !finishes) refuse(10060002);
  }
  // An unfinished split shipment adds packages; anything else replaces what was recorded.
  const appended = order.finish_shipping_count === 0 && continuing ? [...stored, ...packages] : packages;
  if (appended.length > MAX_PACKAGES) refuse(10060024);
  const reshipped = order.finish_shipping_count === 1;
  const count = reshipped ? 2 : finishes ? 1 : 0;
  const patch = {
    delivery_mode: deliveryMode,
    logistics_type: logisticsType,
    is_all_delivered: finishes ? 1 : 0,
    shipping_list: JSON.stringify(appended),
    finish_shipping_count: count,
    last_upload_ms: uploadMs,
    ...(finishes && order.shipped_at === null ? { shipped_at: ctx.now(), state: ORDER_STATE.SHIPPED } : {}),
  };
  ctx.store.updateOrder(order.transaction_id, patch);
  return {
    found: { trade, order: { ...order, ...patch } },
    shipped: finishes && order.shipped_at === null,
    reshipped,
  };
}
