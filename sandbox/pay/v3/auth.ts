/**
 * APIv3 request authentication (reference §1.2–§1.3, §15) and answer signing (§2.1–§2.3): the
 * `WECHATPAY2-SHA256-RSA2048` Authorization with its parameters in any order, nonces of any length,
 * the serial in either case; answers signed over `ts\nnonce\nbody\n` by the WeChat Pay public key
 * pair or the platform certificate.
 */
import {
  createPrivateKey,
  createPublicKey,
  createSign,
  createVerify,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { merchantKeyFor, type MerchantProfile, type SignMode } from '../../merchant';
import type { V3Config } from './config';
import { V3Error } from './errors';

export const AUTH_SCHEME = 'WECHATPAY2-SHA256-RSA2048';
const PARAMS = ['mchid', 'nonce_str', 'signature', 'timestamp', 'serial_no'] as const;
type AuthParams = Record<(typeof PARAMS)[number], string>;

const FORMAT_MESSAGE = 'Http头Authorization值格式错误，请参考《微信支付商户REST API签名规则》';

/** Parsed keys by PEM: parsing costs more than an RSA verification (the sandbox has a handful of keys). */
const parsedKeys = new Map<string, KeyObject>();

export function keyOf(pem: string, kind: 'public' | 'private'): KeyObject {
  let key = parsedKeys.get(pem);
  if (!key) {
    key = kind === 'public' ? createPublicKey(pem) : createPrivateKey(pem);
    if (parsedKeys.size > 64) parsedKeys.clear();
    parsedKeys.set(pem, key);
  }
  return key;
}

export interface SignedRequest {
  method: string;
  /** Path plus `?query` exactly as sent. */
  url: string;
  body: Buffer;
  authorization: string | undefined;
}

function signError(message: string, detail?: Record<string, unknown>): V3Error {
  return new V3Error(401, 'SIGN_ERROR', message, detail);
}

/** Splits `k="v",k="v"` in any order; undefined when malformed or a parameter is missing/doubled. */
export function parseAuthorization(header: string): { scheme: string; params?: AuthParams } {
  const space = header.indexOf(' ');
  const scheme = space < 0 ? header : header.slice(0, space);
  const rest = space < 0 ? '' : header.slice(space + 1).trim();
  const found: Record<string, string> = {};
  const pair = /\s*([a-z_]+)="([^"]*)"\s*(?:,|$)/gy;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = pair.exec(rest)) !== null) {
    if (m[1] in found) return { scheme };
    found[m[1]] = m[2];
    consumed = pair.lastIndex;
    if (consumed >= rest.length) break;
  }
  if (consumed !== rest.length || !PARAMS.every((p) => found[p])) return { scheme };
  return { scheme, params: found as AuthParams };
}

export function signatureMessage(
  method: string,
  url: string,
  timestamp: string,
  nonce: string,
  body: Buffer,
) {
  return Buffer.concat([Buffer.from(`${method}\n${url}\n${timestamp}\n${nonce}\n`), body, Buffer.from('\n')]);
}

/** The detail WeChat attaches to a SIGN_ERROR (minibear2021/wechatpayv3#56, WxJava#3757). */
function signInformation(req: SignedRequest, message: Buffer): Record<string, unknown> {
  return {
    method: req.method,
    sign_message_length: message.length,
    truncated_sign_message: message.subarray(0, 80).toString('utf8'),
    url: req.url,
  };
}

/** Checks the Authorization; returns the merchant's mchid from it. Throws 401 SIGN_ERROR. */
export function verifyRequest(
  req: SignedRequest,
  merchant: MerchantProfile,
  config: V3Config,
  nowMs: number,
  seenNonce: (nonce: string) => boolean,
): string {
  if (!req.authorization) throw signError('Http头缺少Authorization');
  const { scheme, params } = parseAuthorization(req.authorization.trim());
  if (scheme !== AUTH_SCHEME) throw signError('Http头Authorization认证类型不正确');
  if (!params || !/^\d{1,12}$/.test(params.timestamp)) throw signError(FORMAT_MESSAGE);
  const message = signatureMessage(req.method, req.url, params.timestamp, params.nonce_str, req.body);
  // §15 (minibear2021/wechatpayv3#56): {field, location, sign_information}; `issue` beside them (§8.2).
  const detail = (issue?: string) => ({
    field: 'signature',
    ...(issue ? { issue } : {}),
    location: 'authorization',
    sign_information: signInformation(req, message),
  });
  if (params.mchid !== merchant.mchid) throw signError('商户号不存在或未开通APIv3', detail());
  const key = merchantKeyFor(merchant, params.serial_no);
  if (!key) throw signError('商户证书序列号有误。', detail());
  const ok = createVerify('RSA-SHA256')
    .update(message)
    .verify(keyOf(key.publicKeyPem, 'public'), params.signature, 'base64');
  if (!ok) throw signError('签名错误', detail('sign not match'));
  const window = config.requestTimestampWindowSec;
  if (window > 0 && Math.abs(nowMs / 1000 - Number(params.timestamp)) > window) {
    throw signError('请求时间戳已过期', detail('timestamp expired'));
  }
  if (config.rejectReplayedNonce && seenNonce(params.nonce_str)) {
    throw signError('请求随机串重复', detail('nonce replayed'));
  }
  return params.mchid;
}

export interface SigningKey {
  serial: string;
  privateKeyPem: string;
}

export function signingKey(merchant: MerchantProfile, mode: SignMode): SigningKey {
  return mode === 'publicKey'
    ? { serial: merchant.publicKeyId, privateKeyPem: merchant.publicKeyPrivatePem }
    : { serial: merchant.platformSerial, privateKeyPem: merchant.platformPrivateKeyPem };
}

/**
 * §2.3: answers are signed by the key the request's `Wechatpay-Serial` names. Without the header
 * WeChat signs with its platform certificate, which a public-key-only merchant cannot verify (§15
 * pitfall, WxJava#3548); `answerKeyWithoutSerial: 'signMode'` signs by the merchant's mode instead
 * (§11 "or when configured"). A serial naming neither of the merchant's keys is refused.
 */
export function answerMode(merchant: MerchantProfile, config: V3Config, requestSerial?: string): SignMode {
  if (!requestSerial) {
    if (config.answerKeyWithoutSerial === 'platformCertificate') return 'certificate';
    return merchant.signMode === 'certificate' && merchant.hasPlatformCertificate
      ? 'certificate'
      : 'publicKey';
  }
  if (requestSerial === merchant.publicKeyId) return 'publicKey';
  if (merchant.hasPlatformCertificate && requestSerial.toUpperCase() === merchant.platformSerial) {
    return 'certificate';
  }
  const message = '平台证书序列号Wechatpay-Serial错误';
  throw new V3Error(400, config.wrongSerialCode, message, { location: 'header', field: 'Wechatpay-Serial' });
}

const NONCE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function nonce32(): string {
  const bytes = randomBytes(32);
  let out = '';
  for (const b of bytes) out += NONCE_ALPHABET[b % NONCE_ALPHABET.length];
  return out;
}

/** The `Wechatpay-*` headers of a signed answer or notification over `ts\nnonce\nbody\n`. */
export function signedHeaders(key: SigningKey, body: Buffer, nowMs: number, probe = false) {
  const timestamp = String(Math.floor(nowMs / 1000));
  const nonce = nonce32();
  const message = Buffer.concat([Buffer.from(`${timestamp}\n${nonce}\n`), body, Buffer.from('\n')]);
  const signature = probe
    ? `WECHATPAY/SIGNTEST/${randomBytes(192).toString('base64')}`
    : createSign('RSA-SHA256').update(message).sign(keyOf(key.privateKeyPem, 'private'), 'base64');
  return {
    'Wechatpay-Timestamp': timestamp,
    'Wechatpay-Nonce': nonce,
    'Wechatpay-Serial': key.serial,
    'Wechatpay-Signature': signature,
    'Wechatpay-Signature-Type': AUTH_SCHEME,
  };
}

/** A Request-ID like WeChat's (hex; the tail is free). */
export function requestId(): string {
  return randomBytes(24).toString('hex').toUpperCase();
}
