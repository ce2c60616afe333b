/**
 * unifiedOrder / queryOrder / closeOrder (reference §3–§5, §11): validation, re-entry of an out_trade_no,
 * prepay lifetime and the 5-minute close rule on the sandbox clock, signed `payment` parameters.
 */
import { bizFail, returnFail, succeed, type Fields, type Party } from './answers';
import type { PayCaller, PayContext } from './context';
import { nonceStr, prepayId, providerOpenid } from './ids';
import { placedTrade, type PrepayRow, type TradeRow } from './records';
import { paySign } from './sign';
import { compactTime, parseCompactTime } from './time';
import {
  OUT_TRADE_NO,
  malformed,
  readFen,
  readNonce,
  readString,
  readSubMchId,
  requireString,
  typeError,
  type Request,
} from './validate';

const UNIFIED_OUT_TRADE_NO = /^[0-9A-Za-z_\-|*]{6,32}$/;
const IP = /^[0-9A-Fa-f:.]{2,64}$/;

export const TRADE_STATE_DESC: Record<string, string> = {
  NOTPAY: '订单未支付',
  SUCCESS: '支付成功',
  REFUND: '订单发生过退款',
  CLOSED: '订单已关闭',
};

export function partyOf(trade: TradeRow): Party {
  return { subMchId: trade.sub_mch_id, subAppid: trade.sub_appid };
}

/** The fields of a unifiedOrder request, validated; only these are kept. */
function readOrderRequest(ctx: PayContext, req: Request, caller: PayCaller): Record<string, string | number> {
  const { config } = ctx;
  const out: Record<string, string | number> = {};
  const put = (name: string, value: string | number | undefined): void => {
    if (value !== undefined) out[name] = value;
  };
  put('nonce_str', readNonce(req, config.requireNonceStr));
  put('body', requireString(req, 'body', { maxBytes: 128 }));
  put('out_trade_no', requireString(req, 'out_trade_no', { maxBytes: 32 }));
  if (!UNIFIED_OUT_TRADE_NO.test(out.out_trade_no as string)) throw malformed('out_trade_no');
  put('total_fee', readFen(req, 'total_fee'));
  put('spbill_create_ip', requireString(req, 'spbill_create_ip', { maxBytes: 64 }));
  if (!IP.test(out.spbill_create_ip as string)) throw returnFail('invalid spbill_create_ip');
  put('trade_type', readString(req, 'trade_type', { required: config.requireTradeType }) ?? 'JSAPI');
  if (out.trade_type !== 'JSAPI') throw returnFail('invalid trade_type');
  put('env_id', requireString(req, 'env_id', { maxBytes: 64 }));
  put('function_name', requireString(req, 'function_name', { maxBytes: 128 }));
  put('fee_type', readString(req, 'fee_type', { maxBytes: 16 }) ?? 'CNY');
  if (out.fee_type !== 'CNY') throw malformed('fee_type');
  put('device_info', readString(req, 'device_info', { maxBytes: 32 }));
  put('detail', readString(req, 'detail', { maxBytes: 6000 }));
  put('attach', readString(req, 'attach', { maxBytes: 127 }));
  put('goods_tag', readString(req, 'goods_tag', { maxBytes: 32 }));
  put('limit_pay', readString(req, 'limit_pay', { maxBytes: 32 }));
  if (out.limit_pay !== undefined && out.limit_pay !== 'no_credit') throw malformed('limit_pay');
  put('profit_sharing', readString(req, 'profit_sharing', { maxBytes: 16, pattern: /^[YN]$/ }));
  put('openid', readString(req, 'openid', { maxBytes: 128 }));
  put('sub_openid', readString(req, 'sub_openid', { maxBytes: 128 }));
  put('sub_appid', readString(req, 'sub_appid', { maxBytes: 32 }) ?? (caller.appid || config.subAppId));
  for (const name of ['time_start', 'time_expire']) {
    const text = readString(req, name, { maxBytes: 14 });
    if (text !== undefined && parseCompactTime(text) === null) throw returnFail(`${name}时间格式错误`);
    put(name, text);
  }
  // Reference §3.1: with neither openid nor subOpenid the caller's OPENID is used (UNCONFIRMED).
  if (config.payerFromCaller && out.openid === undefined && out.sub_openid === undefined && caller.openid)
    out.sub_openid = caller.openid;
  return out;
}

function prepayAnswer(ctx: PayContext, trade: TradeRow, prepay: PrepayRow, deviceInfo?: string): Fields {
  const { config } = ctx;
  const nonce = nonceStr();
  const params = {
    appId: trade.sub_appid,
    timeStamp: String(Math.floor(ctx.clock.now() / 1000)),
    nonceStr: nonce,
    package: `prepay_id=${prepay.prepay_id}`,
    signType: config.signType,
  };
  const answer = succeed(config, partyOf(trade), {
    trade_type: trade.trade_type,
    prepay_id: prepay.prepay_id,
    ...(deviceInfo !== undefined ? { device_info: deviceInfo } : {}),
  });
  // Observed: payment.nonceStr equals the answer's top-level nonce_str, so the answer is re-signed with it.
  const top = succeed(config, partyOf(trade), { ...stripSign(answer), nonce_str: nonce });
  return {
    ...top,
    payment: {
      app_id: params.appId,
      time_stamp: params.timeStamp,
      nonce_str: nonce,
      package: params.package,
      sign_type: params.signType,
      pay_sign: paySign(params, config.apiKey),
    },
  };
}

function stripSign(fields: Fields): Fields {
  const { sign: _sign, ...rest } = fields;
  void _sign;
  return rest;
}

function newPrepay(ctx: PayContext, trade: TradeRow): PrepayRow {
  const now = ctx.clock.now();
  const row: PrepayRow = {
    prepay_id: prepayId(now),
    sub_mch_id: trade.sub_mch_id,
    out_trade_no: trade.out_trade_no,
    created_at: now,
    expires_at: now + ctx.config.prepayLifetimeMs,
  };
  ctx.records.insertPrepay(row);
  return row;
}

export function unifiedOrder(ctx: PayContext, req: Request, caller: PayCaller): Fields {
  const { config, records, clock } = ctx;
  const subMchId = readSubMchId(req, config);
  const order = readOrderRequest(ctx, req, caller);
  const party: Party = { subMchId, subAppid: order.sub_appid as string };
  const now = clock.now();
  const outTradeNo = order.out_trade_no as string;
  if (order.openid === undefined && order.sub_openid === undefined) {
    throw bizFail(config, party, 'PARAM_ERROR', 'JSAPI支付必须传openid');
  }
  const existing = records.trade(subMchId, outTradeNo);
  if (existing) return reenter(ctx, existing, order, party);

  let timeExpire: number | null = null;
  if (order.time_expire !== undefined) {
    timeExpire = parseCompactTime(order.time_expire as string);
    if (timeExpire === null || timeExpire < now + config.minTimeExpireMs) {
      throw bizFail(config, party, 'INVALID_REQUEST', 'time_expire时间过短，刷卡至少1分钟，其他5分钟');
    }
  }
  const subOpenid = (order.sub_openid as string | undefined) ?? '';
  const trade = placedTrade({
    sub_mch_id: subMchId,
    out_trade_no: outTradeNo,
    sub_appid: order.sub_appid as string,
    openid: (order.openid as string | undefined) ?? providerOpenid(config.providerAppid, subOpenid),
    sub_openid: subOpenid,
    trade_type: order.trade_type as string,
    body: order.body as string,
    attach: (order.attach as string | undefined) ?? null,
    device_info: (order.device_info as string | undefined) ?? null,
    fee_type: order.fee_type as string,
    total_fee: order.total_fee as number,
    time_expire: timeExpire,
    env_id: order.env_id as string,
    function_name: order.function_name as string,
    request: JSON.stringify(order),
    created_at: now,
  });
  const prepay = records.transaction(() => {
    records.insertTrade(trade);
    return newPrepay(ctx, trade);
  });
  return prepayAnswer(ctx, trade, prepay, order.device_info as string | undefined);
}

/** Reference §11.2: the same out_trade_no again. */
function reenter(
  ctx: PayContext,
  trade: TradeRow,
  order: Record<string, string | number>,
  party: Party,
): Fields {
  const { config, records, clock } = ctx;
  switch (trade.state) {
    case 'SUCCESS':
    case 'REFUND':
      throw bizFail(config, party, 'ORDERPAID', '该订单已支付');
    case 'CLOSED':
      throw bizFail(config, party, 'ORDERCLOSED', '该订单已关闭');
    default:
  }
  const first = JSON.parse(trade.request) as Record<string, unknown>;
  const changed = config.reentryFields.some((name) => {
    if (name === 'time_expire' && order.time_expire === undefined) return false;
    return first[name] !== order[name];
  });
  const now = clock.now();
  const expired = trade.time_expire !== null && trade.time_expire <= now;
  if (changed || (expired && config.reentryAfterExpire === 'INVALID_REQUEST')) {
    throw bizFail(config, party, 'INVALID_REQUEST', '201 商户订单号重复');
  }
  const latest = records.latestPrepay(trade.sub_mch_id, trade.out_trade_no);
  const prepay =
    config.sameParamsReturnsSamePrepay && latest && latest.expires_at > now ? latest : newPrepay(ctx, trade);
  return prepayAnswer(ctx, trade, prepay, order.device_info as string | undefined);
}

/** Locates a trade by transaction_id (priority) or out_trade_no; undefined = ORDERNOTEXIST. */
export function findTrade(ctx: PayContext, req: Request, subMchId: string): TradeRow | undefined {
  const transactionId = readString(req, 'transaction_id', { maxBytes: 32 });
  const outTradeNo = readString(req, 'out_trade_no', { maxBytes: 32 });
  if (transactionId !== undefined) return ctx.records.tradeByTransaction(subMchId, transactionId);
  if (outTradeNo === undefined) throw returnFail('transaction_id和out_trade_no不能同时为空');
  if (!OUT_TRADE_NO.test(outTradeNo)) throw malformed('out_trade_no');
  return ctx.records.trade(subMchId, outTradeNo);
}

export function tradeFields(trade: TradeRow): Fields {
  const fields: Fields = {
    out_trade_no: trade.out_trade_no,
    trade_state: trade.state,
    trade_state_desc: TRADE_STATE_DESC[trade.state],
    attach: trade.attach ?? '',
  };
  if (trade.device_info !== null) fields.device_info = trade.device_info;
  if (trade.state === 'SUCCESS' || trade.state === 'REFUND') {
    Object.assign(fields, {
      openid: trade.openid,
      is_subscribe: 'N',
      sub_openid: trade.sub_openid,
      sub_is_subscribe: 'N',
      trade_type: trade.trade_type,
      bank_type: trade.bank_type,
      total_fee: trade.total_fee,
      fee_type: trade.fee_type,
      cash_fee: trade.total_fee,
      cash_fee_type: trade.fee_type,
      coupon_id_list: [],
      coupon_type_list: [],
      coupon_fee_list: [],
      transaction_id: trade.transaction_id,
      time_end: compactTime(trade.time_end ?? 0),
    });
  } else {
    Object.assign(fields, { total_fee: trade.total_fee, fee_type: trade.fee_type });
  }
  return fields;
}

export function queryOrder(ctx: PayContext, req: Request): Fields {
  const subMchId = readSubMchId(req, ctx.config);
  readNonce(req, ctx.config.requireNonceStr);
  const trade = findTrade(ctx, req, subMchId);
  if (!trade) throw bizFail(ctx.config, { subMchId }, 'ORDERNOTEXIST', '订单不存在');
  return succeed(ctx.config, partyOf(trade), tradeFields(trade));
}

export function closeOrder(ctx: PayContext, req: Request): Fields {
  const { config, clock, records } = ctx;
  const subMchId = readSubMchId(req, config);
  readNonce(req, config.requireNonceStr);
  if (req.out_trade_no !== undefined && typeof req.out_trade_no !== 'string') throw typeError();
  const outTradeNo = requireString(req, 'out_trade_no', { maxBytes: 32 });
  const trade = records.trade(subMchId, outTradeNo);
  if (!trade) throw bizFail(config, { subMchId }, 'ORDERNOTEXIST', '订单不存在');
  const party = partyOf(trade);
  const done = (): Fields => succeed(config, party, { result_msg: 'OK' });
  switch (trade.state) {
    case 'SUCCESS':
    case 'REFUND':
      throw bizFail(config, party, 'ORDERPAID', '订单已支付，不能发起关单');
    case 'CLOSED':
      if (config.closeClosedOrder === 'SUCCESS') return done();
      throw bizFail(config, party, 'ORDERCLOSED', '订单已关闭，无需重复关单');
    default:
  }
  const now = clock.now();
  if (now - trade.created_at < config.closeWindowMs) {
    if (config.closeWithin5MinBehaviour === 'refuse') {
      throw bizFail(config, party, 'SYSTEMERROR', '订单创建后5分钟内不能关单，请稍后再试');
    }
    if (config.closeWithin5MinBehaviour === 'silentSuccess') return done();
  }
  records.updateTrade(subMchId, outTradeNo, { state: 'CLOSED', closed_at: now });
  return done();
}
