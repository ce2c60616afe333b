/** The kit's identifiers: order numbers, attempt numbers, request keys, nonces. */
import { createHash, randomInt } from 'crypto';
import { beijingStamp } from './beijing';

/** A business order number: "PK" + Beijing time (yyyyMMddHHmmss) + 8 random digits. */
export const ORDER_NO_PATTERN = /^PK\d{22}$/;
const OUT_TRADE_NO_PATTERN = /^(PK\d{22})A\d{2}$/;

/** A business order number: "PK" + Beijing time + 8 random digits (24 characters). */
export function newOrderNo(now: number): string {
  return `PK${beijingStamp(now)}${String(randomInt(0, 1e8)).padStart(8, '0')}`;
}

/**
 * The merchant order number of one payment attempt: the order number plus the attempt's sequence,
 * so a new attempt never reuses a number WeChat has seen with other parameters (201 商户订单号重复).
 */
export function outTradeNoFor(orderNo: string, attempt: number): string {
  return `${orderNo}A${String(attempt).padStart(2, '0')}`;
}

/** The order number of a payment attempt's outTradeNo; undefined for one not of the kit's form. */
export function orderNoOf(outTradeNo: string): string | undefined {
  return OUT_TRADE_NO_PATTERN.exec(outTradeNo)?.[1];
}

export function nonce(length = 32): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  for (let i = 0; i < length; i++) out += chars[randomInt(0, chars.length)];
  return out;
}

/** The `_id` of a client retry key's document: one per user and key, of a fixed length. */
export function requestKeyId(openid: string, requestKey: string): string {
  return createHash('sha256').update(`${openid}\n${requestKey}`).digest('hex').slice(0, 40);
}
