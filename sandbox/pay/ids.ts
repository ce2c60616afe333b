/** Identifier formats as observed in real cloudPay answers (reference §3.2, §6.2, §10.1). */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { billDay, prepayStamp } from './time';

function digits(n: number): string {
  let out = '';
  while (out.length < n) out += String(randomInt(0, 1_000_000_000)).padStart(9, '0');
  return out.slice(0, n);
}

/** 36 chars: `wx` + ddHHmmss + 22 hex + `0000` (like `wx0309344739726764273eb73ac311f50000`). */
export function prepayId(now: number): string {
  return `wx${prepayStamp(now)}${randomBytes(11).toString('hex')}0000`;
}

/** 28 digits: `42000` + 5 digits + yyyyMMdd of payment + 10 digits (like `4200000263201902167700134902`). */
export function transactionId(paidAt: number): string {
  return `42000${digits(5)}${billDay(paidAt)}${digits(10)}`;
}

/** 29 digits: `50` + 8 digits + yyyyMMdd + 11 digits (like `50300305972020102203418789254`). */
export function refundId(at: number): string {
  return `50${digits(8)}${billDay(at)}${digits(11)}`;
}

/**
 * A refund made by hand on the merchant platform has no merchant number: WeChat makes one up, `REF`
 * and 28 digits sharing the trade's transaction id up to its payment date (the bill sample of
 * reference §10.1: trade `4200000263201902167700134212`, refund `REF4200000263201902167700963919`).
 */
export function platformRefundNo(transactionId: string): string {
  return `REF${transactionId.slice(0, 18)}${digits(10)}`;
}

const NONCE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Platform nonce: 16 alphanumerics (observed length). */
export function nonceStr(length = 16): string {
  let out = '';
  for (let i = 0; i < length; i++) out += NONCE_ALPHABET[randomInt(0, NONCE_ALPHABET.length)];
  return out;
}

/** The payer's openid under the provider's appid: stable per (provider appid, sub openid), 28 chars. */
export function providerOpenid(providerAppid: string, subOpenid: string): string {
  const hash = createHash('sha256').update(`${providerAppid}:${subOpenid}`).digest('base64url');
  return `oUpF8${hash.slice(0, 23)}`;
}
