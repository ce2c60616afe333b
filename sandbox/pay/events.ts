/**
 * Callback events as the callback cloud function receives them: the v2 notification fields, camelCased
 * by the platform (the SDK does not convert events), amounts as numbers (reference §10).
 */
import { createCipheriv, createHash } from 'node:crypto';
import type { PayConfig } from './config';
import { nonceStr } from './ids';
import type { RefundRow, TradeRow } from './records';
import { sign } from './sign';
import { compactTime, displayTime } from './time';

type Fields = Record<string, unknown>;

/** snake_case → camelCase the way the platform/SDK does it (`/_[a-z]/`, digits untouched). */
export function camelize(fields: Fields): Fields {
  const out: Fields = {};
  for (const [k, v] of Object.entries(fields)) out[k.replace(/_[a-z]/g, (m) => m[1].toUpperCase())] = v;
  return out;
}

function withSign(config: PayConfig, fields: Fields): Fields {
  return config.callbackEventSign
    ? { ...fields, sign: sign(fields, config.apiKey, config.signType) }
    : fields;
}

export function paymentEvent(config: PayConfig, trade: TradeRow): Fields {
  const fields: Fields = {
    return_code: 'SUCCESS',
    appid: config.providerAppid,
    mch_id: config.providerMchId,
    sub_appid: trade.sub_appid,
    sub_mch_id: trade.sub_mch_id,
    nonce_str: nonceStr(),
    result_code: 'SUCCESS',
    openid: trade.openid,
    is_subscribe: 'N',
    sub_openid: trade.sub_openid,
    sub_is_subscribe: 'N',
    trade_type: trade.trade_type,
    bank_type: trade.bank_type ?? config.bankType,
    total_fee: trade.total_fee,
    fee_type: trade.fee_type,
    cash_fee: trade.total_fee,
    transaction_id: trade.transaction_id,
    out_trade_no: trade.out_trade_no,
    time_end: compactTime(trade.time_end ?? 0),
  };
  if (trade.attach !== null) fields.attach = trade.attach;
  if (trade.device_info !== null) fields.device_info = trade.device_info;
  const event = camelize(withSign(config, fields));
  if (config.paymentEventUserInfo) event.userInfo = { appId: trade.sub_appid, openId: trade.sub_openid };
  return event;
}

/** The decrypted v2 req_info of a refund notification (snake_case). */
export function refundReqInfo(trade: TradeRow, refund: RefundRow): Fields {
  const info: Fields = {
    transaction_id: refund.transaction_id,
    out_trade_no: refund.out_trade_no,
    refund_id: refund.refund_id,
    out_refund_no: refund.out_refund_no,
    total_fee: trade.total_fee,
    settlement_total_fee: trade.total_fee,
    refund_fee: refund.refund_fee,
    settlement_refund_fee: refund.refund_fee,
    refund_status: refund.status,
    refund_recv_accout: '支付用户零钱',
    refund_account: refund.refund_account,
    refund_request_source: 'API',
    cash_refund_fee: refund.refund_fee,
  };
  if (refund.success_at !== null) info.success_time = displayTime(refund.success_at);
  return info;
}

export function refundEvent(config: PayConfig, trade: TradeRow, refund: RefundRow): Fields {
  const outer: Fields = {
    return_code: 'SUCCESS',
    appid: config.providerAppid,
    mch_id: config.providerMchId,
    sub_appid: trade.sub_appid,
    sub_mch_id: trade.sub_mch_id,
    nonce_str: nonceStr(),
  };
  const info = refundReqInfo(trade, refund);
  if (config.refundEventShape === 'encrypted') {
    return camelize(withSign(config, { ...outer, req_info: encryptReqInfo(info, config.apiKey) }));
  }
  return camelize(withSign(config, { ...outer, ...info }));
}

/** v2 refund notification encryption: AES-256-ECB, PKCS7, key = lowercase hex MD5 of the API key. */
export function encryptReqInfo(info: Fields, apiKey: string): string {
  const xml = `<root>${Object.entries(info)
    .map(([k, v]) => `<${k}><![CDATA[${String(v)}]]></${k}>`)
    .join('')}</root>`;
  const key = createHash('md5').update(apiKey).digest('hex');
  const cipher = createCipheriv('aes-256-ecb', Buffer.from(key, 'utf8'), null);
  return Buffer.concat([cipher.update(xml, 'utf8'), cipher.final()]).toString('base64');
}
