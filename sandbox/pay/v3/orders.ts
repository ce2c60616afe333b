/**
 * JSAPI order, query by out_trade_no / transaction_id, close (reference §4, §5) on the shared trade
 * store: re-entry rules, time_expire clamping, the automatic close at time_expire.
 */
import { randomBytes } from 'node:crypto';
import { APIV3_ENV } from '../context';
import { placedTrade, type PrepayRow, type TradeRow } from '../records';
import { compactTime } from '../time';
import { invalidRequest, paramError, V3Error } from './errors';
import { parseRfc3339, transactionResource } from './resources';
import type { V3Config } from './config';
import type { V3Scope } from './scope';
import { readArray, readBoolean, readInteger, readIp, readObject, readText, type Json } from './validate';

const OUT_TRADE_NO = /^[0-9A-Za-z_\-|*]{6,32}$/;
/** §15 (sealos#2300): the notify_url pattern real PARAM_ERRORs quote; no query, no fragment. */
export const NOTIFY_URL = /^https?:\/\/([^\s/?#[\]@]+@)?([^\s/?#@:]+)(?::\d{2,5})?([^\s?#[\]]*)$/;
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/;

/** JSON with object keys sorted, so two requests compare by content, not by key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return value === undefined ? 'null' : JSON.stringify(value);
}

/** §4.2 UNCONFIRMED: the error of a re-entry with other parameters, by the `reentryMismatchCode` setting. */
const REENTRY_MISMATCH: Record<V3Config['reentryMismatchCode'], [number, string]> = {
  INVALID_REQUEST: [400, 'INVALID_REQUEST'],
  OUT_TRADE_NO_USED: [403, 'OUT_TRADE_NO_USED'],
  PARAM_ERROR: [400, 'PARAM_ERROR'],
};

/** `wx` + yyyyMMddHHmmss + 20 hex/digits, 36 characters like the documented example. */
function prepayId(now: number): string {
  return `wx${compactTime(now)}${randomBytes(9).toString('hex')}00`;
}

export function checkNotifyUrl(scope: V3Scope, url: string, path = 'notify_url', label = '通知地址'): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The pattern admits what no URL parser does (a port over 65535, a bad host): still PARAM_ERROR.
    throw paramError(`输入源“/body/${path}”映射到值字段“${label}”字符串规则校验失败，不是合法的URL`, {
      location: 'body',
      value: url,
    });
  }
  const scheme = parsed.protocol;
  const rule = scope.config.notifyUrlSchemes;
  const loopback = LOOPBACK.test(parsed.hostname);
  if (scheme === 'https:' || rule === 'any' || (rule === 'https+loopback' && loopback)) return;
  throw paramError(`输入源“/body/${path}”映射到值字段“${label}”字符串规则校验失败，通知地址必须是https地址`, {
    location: 'body',
    value: url,
  });
}

function checkMchid(scope: V3Scope, mchid: string, location: 'body' | 'query'): void {
  if (mchid !== scope.merchant.mchid) {
    throw new V3Error(400, 'MCH_NOT_EXISTS', '商户号不存在', { location, value: mchid });
  }
  if (scope.config.mchidMustMatchAuthorization && mchid !== scope.authMchid) {
    throw invalidRequest('请求中的商户号与签名中的商户号不一致');
  }
}

function newPrepay(scope: V3Scope, trade: TradeRow, now: number): PrepayRow {
  const row: PrepayRow = {
    prepay_id: prepayId(now),
    sub_mch_id: trade.sub_mch_id,
    out_trade_no: trade.out_trade_no,
    created_at: now,
    expires_at: now + scope.ctx.config.prepayLifetimeMs,
  };
  scope.ctx.records.insertPrepay(row);
  return row;
}

export function jsapiOrder(scope: V3Scope, body: Json): Json {
  const { ctx, config, merchant } = scope;
  const appid = readText(body, { path: 'appid', label: '应用ID', required: true, maxBytes: 32 }) as string;
  const mchid = readText(body, {
    path: 'mchid',
    label: '直连商户号',
    required: true,
    maxBytes: 32,
  }) as string;
  const description = readText(body, {
    path: 'description',
    label: '商品描述',
    required: true,
    maxBytes: 127,
  });
  const outTradeNo = readText(body, {
    path: 'out_trade_no',
    label: '商户订单号',
    required: true,
    pattern: OUT_TRADE_NO,
  }) as string;
  const timeExpireText = readText(body, { path: 'time_expire', label: '交易结束时间', maxBytes: 64 });
  const attach = readText(body, { path: 'attach', label: '附加数据', maxBytes: 128 });
  const notifyUrl = readText(body, {
    path: 'notify_url',
    label: '通知地址',
    required: true,
    maxBytes: 255,
    pattern: NOTIFY_URL,
  }) as string;
  const goodsTag = readText(body, { path: 'goods_tag', label: '订单优惠标记', maxBytes: 32 });
  readObject(body, { path: 'amount', label: '订单金额', required: true });
  const total = readInteger(body, { path: 'amount/total', label: '总金额', required: true }) as number;
  const currency = readText(body, { path: 'amount/currency', label: '货币类型', maxBytes: 16 }) ?? 'CNY';
  readObject(body, { path: 'payer', label: '支付者', required: true });
  const openid = readText(body, { path: 'payer/openid', label: '用户标识', required: true, maxBytes: 128 });
  const deviceId = readSceneInfo(body);
  readOrderDetail(body);
  readBoolean(body, { path: 'support_fapiao', label: '电子发票入口开放标识' });
  if (readObject(body, { path: 'settle_info', label: '结算信息' })) {
    readBoolean(body, { path: 'settle_info/profit_sharing', label: '是否指定分账' });
  }
  if (total <= 0)
    throw paramError('总金额必须大于0', { location: 'body', field: '/amount/total', value: total });
  if (currency !== 'CNY') throw paramError('货币类型只支持CNY', { location: 'body', value: currency });
  let timeExpire: number | null = null;
  if (timeExpireText !== undefined) {
    timeExpire = parseRfc3339(timeExpireText);
    if (timeExpire === null) {
      throw paramError(
        '无法将 JSON 输入源“/body/time_expire”映射到目标字段“交易结束时间”中，此字段值必须是符合 RFC3339 日期时间格式',
        { location: 'body', value: timeExpireText },
      );
    }
  }
  checkNotifyUrl(scope, notifyUrl);
  checkMchid(scope, mchid, 'body');
  if (appid !== merchant.appid) throw new V3Error(400, 'APPID_MCHID_NOT_MATCH', 'appid和mch_id不匹配');

  const now = ctx.clock.now();
  // §4.2: re-entry compares every parameter (time_expire as the instant it names, §4.1).
  const request = {
    appid,
    description,
    total,
    openid,
    attach,
    goods_tag: goodsTag,
    notify_url: notifyUrl,
    time_expire: timeExpire ?? undefined,
    support_fapiao: body.support_fapiao,
    detail: body.detail,
    scene_info: body.scene_info,
    settle_info: body.settle_info,
  };
  const existing = ctx.records.trade(mchid, outTradeNo);
  if (existing) return { prepay_id: reenter(scope, existing, request, now).prepay_id };
  // §4.1: at least 1 minute after the order (otherwise adjusted), at most 90 days, 7 days by default.
  const expires =
    timeExpire === null
      ? now + config.defaultTimeExpireMs
      : Math.min(Math.max(timeExpire, now + config.minTimeExpireMs), now + config.maxTimeExpireMs);
  const trade = placedTrade({
    sub_mch_id: mchid,
    out_trade_no: outTradeNo,
    sub_appid: appid,
    openid: openid as string,
    sub_openid: openid as string,
    trade_type: 'JSAPI',
    body: description as string,
    attach: attach ?? null,
    device_info: deviceId ?? null,
    fee_type: 'CNY',
    total_fee: total,
    time_expire: expires,
    env_id: APIV3_ENV,
    function_name: notifyUrl,
    request: JSON.stringify(request),
    created_at: now,
  });
  const prepay = ctx.records.transaction(() => {
    ctx.records.insertTrade(trade);
    return newPrepay(scope, trade, now);
  });
  return { prepay_id: prepay.prepay_id };
}

/** §4.1 `scene_info`: payer_client_ip required once it is sent; store_info's id likewise. */
function readSceneInfo(body: Json): string | undefined {
  if (!readObject(body, { path: 'scene_info', label: '场景信息' })) return undefined;
  readIp(body, { path: 'scene_info/payer_client_ip', label: '用户终端IP', required: true, maxBytes: 45 });
  const deviceId = readText(body, { path: 'scene_info/device_id', label: '商户端设备号', maxBytes: 32 });
  if (readObject(body, { path: 'scene_info/store_info', label: '商户门店信息' })) {
    readText(body, { path: 'scene_info/store_info/id', label: '门店编号', required: true, maxBytes: 32 });
    readText(body, { path: 'scene_info/store_info/name', label: '门店名称', maxBytes: 256 });
    readText(body, { path: 'scene_info/store_info/area_code', label: '地区编码', maxBytes: 32 });
    readText(body, { path: 'scene_info/store_info/address', label: '详细地址', maxBytes: 512 });
  }
  return deviceId;
}

/** §4.1 `detail`: cost_price an integer, each goods line with its id, quantity and unit price. */
function readOrderDetail(body: Json): void {
  if (!readObject(body, { path: 'detail', label: '优惠功能' })) return;
  readInteger(body, { path: 'detail/cost_price', label: '订单原价' });
  readText(body, { path: 'detail/invoice_id', label: '商品小票ID', maxBytes: 32 });
  const goods = readArray(body, { path: 'detail/goods_detail', label: '单品列表' }) ?? [];
  goods.forEach((_, i) => {
    const line = `detail/goods_detail/${i}`;
    readObject(body, { path: line, label: '单品列表', required: true });
    readText(body, {
      path: `${line}/merchant_goods_id`,
      label: '商户侧商品编码',
      required: true,
      maxBytes: 32,
    });
    readText(body, { path: `${line}/wechatpay_goods_id`, label: '微信支付商品编码', maxBytes: 32 });
    readText(body, { path: `${line}/goods_name`, label: '商品名称', maxBytes: 256 });
    readInteger(body, { path: `${line}/quantity`, label: '商品数量', required: true });
    readInteger(body, { path: `${line}/unit_price`, label: '商品单价', required: true });
  });
}

function reenter(scope: V3Scope, trade: TradeRow, request: Json, now: number): PrepayRow {
  const state = currentState(scope, trade);
  if (state === 'SUCCESS' || state === 'REFUND') {
    throw new V3Error(400, scope.config.orderPaidCode, '该订单已支付');
  }
  if (state === 'CLOSED') throw new V3Error(400, 'ORDER_CLOSED', '订单已关闭');
  const first = JSON.parse(trade.request) as Json;
  const names = new Set([...Object.keys(first), ...Object.keys(request)]);
  if ([...names].some((name) => canonical(first[name]) !== canonical(request[name]))) {
    const [status, code] = REENTRY_MISMATCH[scope.config.reentryMismatchCode];
    throw new V3Error(status, code, '请求重入时，参数与首次请求时不一致');
  }
  return newPrepay(scope, trade, now);
}

/** NOTPAY past time_expire is CLOSED (§5.3, automatic close); the store is updated when seen. */
function currentState(scope: V3Scope, trade: TradeRow): TradeRow['state'] {
  const now = scope.ctx.clock.now();
  if (trade.state === 'NOTPAY' && trade.time_expire !== null && trade.time_expire <= now) {
    scope.ctx.records.updateTrade(trade.sub_mch_id, trade.out_trade_no, { state: 'CLOSED', closed_at: now });
    return 'CLOSED';
  }
  return trade.state;
}

export function queryOrder(
  scope: V3Scope,
  by: 'out-trade-no' | 'id',
  value: string,
  query: URLSearchParams,
): Json {
  const mchid = query.get('mchid');
  if (!mchid)
    throw paramError('输入源“/query/mchid”映射到字段“直连商户号”必填性规则校验失败，此字段为必填项', {
      location: 'query',
    });
  checkMchid(scope, mchid, 'query');
  const { records } = scope.ctx;
  const trade = by === 'id' ? records.tradeByTransaction(mchid, value) : records.trade(mchid, value);
  if (!trade) throw new V3Error(404, 'ORDER_NOT_EXIST', '订单不存在');
  const state = currentState(scope, trade);
  return transactionResource({ ...trade, state }, mchid);
}

export function closeOrder(scope: V3Scope, outTradeNo: string, body: Json): void {
  const mchid = readText(body, {
    path: 'mchid',
    label: '直连商户号',
    required: true,
    maxBytes: 32,
  }) as string;
  checkMchid(scope, mchid, 'body');
  const { records, clock } = scope.ctx;
  const trade = records.trade(mchid, outTradeNo);
  if (!trade) {
    if (scope.config.closeUnknownOrder === 204) return;
    throw new V3Error(404, 'ORDER_NOT_EXIST', '订单不存在');
  }
  const state = currentState(scope, trade);
  if (state === 'SUCCESS' || state === 'REFUND') {
    throw new V3Error(400, scope.config.orderPaidCode, '订单已支付，不能发起关单');
  }
  if (state === 'CLOSED') return;
  records.updateTrade(mchid, outTradeNo, { state: 'CLOSED', closed_at: clock.now() });
}
