import { createHash, randomInt } from 'crypto';

/** yyyyMMddHHmmss in Beijing time, the form WeChat Pay uses for all its times. */
export function beijingStamp(ms: number): string {
  const d = new Date(ms + 8 * 3600_000);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return (
    p(d.getUTCFullYear(), 4) +
    p(d.getUTCMonth() + 1) +
    p(d.getUTCDate()) +
    p(d.getUTCHours()) +
    p(d.getUTCMinutes()) +
    p(d.getUTCSeconds())
  );
}

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
