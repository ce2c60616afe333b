/**
 * WeChat Pay APIv2 signing (reference §12): every non-empty scalar field except `sign`, sorted by name in
 * byte order, joined as `k=v&…`, then `&key=<API key>`; MD5 or HMAC-SHA256 (keyed with the API key too),
 * upper-case hex.
 */
import { createHash, createHmac } from 'node:crypto';

export type SignType = 'MD5' | 'HMAC-SHA256';

export function isSignType(value: unknown): value is SignType {
  return value === 'MD5' || value === 'HMAC-SHA256';
}

/** The `stringA` of the algorithm: the fields that take part, sorted and joined. */
export function signingString(fields: Record<string, unknown>): string {
  return Object.keys(fields)
    .filter((k) => k !== 'sign' && isSignable(fields[k]))
    .sort() // UTF-16 order equals byte order for the ASCII names WeChat uses
    .map((k) => `${k}=${String(fields[k])}`)
    .join('&');
}

/** Signs an already-joined string (`stringA`); the `&key=` suffix is added here. */
export function signString(stringA: string, key: string, signType: SignType = 'MD5'): string {
  const data = `${stringA}&key=${key}`;
  const digest =
    signType === 'MD5'
      ? createHash('md5').update(data, 'utf8').digest('hex')
      : createHmac('sha256', key).update(data, 'utf8').digest('hex');
  return digest.toUpperCase();
}

export function sign(fields: Record<string, unknown>, key: string, signType: SignType = 'MD5'): string {
  return signString(signingString(fields), key, signType);
}

export function verify(fields: Record<string, unknown>, key: string, signType: SignType = 'MD5'): boolean {
  return typeof fields.sign === 'string' && fields.sign === sign(fields, key, signType);
}

export interface PayParams {
  appId: string;
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: SignType;
}

/** `paySign` for `wx.requestPayment`: exactly the five fields, signType as used at unifiedorder. */
export function paySign(params: PayParams, key: string): string {
  const { appId, timeStamp, nonceStr, package: pkg, signType } = params;
  return sign({ appId, timeStamp, nonceStr, package: pkg, signType }, key, signType);
}

// Nested values (the cloud answer's `…_list` arrays, `payment`) have no v2 string form and stay out.
function isSignable(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return false;
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}
