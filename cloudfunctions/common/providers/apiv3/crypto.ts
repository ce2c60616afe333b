/**
 * WeChat Pay APIv3 cryptography, on node:crypto alone (reference §1–§4, §9): SHA256withRSA request
 * signatures and the Authorization header, verification of WeChat's signed answers and
 * notifications within the ±5-minute window, the mini-program `paySign`, and AES-256-GCM
 * decryption of notification resources with the tag checked.
 */
import { createDecipheriv, createSign, createVerify, randomBytes, type KeyObject } from 'crypto';

export const AUTH_SCHEME = 'WECHATPAY2-SHA256-RSA2048';
/** WeChat rejects, and the kit refuses, signed timestamps this far from now (reference §2.2). */
export const SIGNATURE_WINDOW_S = 300;

/** The five-line string a merchant signs for a request (reference §1.2). */
export function requestMessage(
  method: string,
  canonicalUrl: string,
  timestamp: string,
  nonce: string,
  body: string,
): string {
  return `${method.toUpperCase()}\n${canonicalUrl}\n${timestamp}\n${nonce}\n${body}\n`;
}

/** The three-line string WeChat signs for an answer or a notification (reference §2.2). */
export function answerMessage(timestamp: string, nonce: string, body: string | Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${timestamp}\n${nonce}\n`), Buffer.from(body), Buffer.from('\n')]);
}

/** The four-line string of a mini-program `paySign` (reference §4.3). */
export function paySignMessage(appId: string, timeStamp: string, nonceStr: string, pkg: string): string {
  return `${appId}\n${timeStamp}\n${nonceStr}\n${pkg}\n`;
}

/** SHA256withRSA (PKCS#1 v1.5), base64. */
export function rsaSign(message: string | Buffer, privateKey: KeyObject): string {
  return createSign('RSA-SHA256').update(message).sign(privateKey, 'base64');
}

export function rsaVerify(message: string | Buffer, signature: string, publicKey: KeyObject): boolean {
  try {
    return createVerify('RSA-SHA256').update(message).verify(publicKey, signature, 'base64');
  } catch {
    return false;
  }
}

/** 32 characters of [0-9A-Za-z], as the official utilities make them. */
export function nonceStr(length = 32): string {
  const chars = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  return [...randomBytes(length)].map((b) => chars[b % chars.length]).join('');
}

export interface RequestSigner {
  mchid: string;
  serialNo: string;
  privateKey: KeyObject;
}

/** The Authorization header of one request. */
export function authorization(
  signer: RequestSigner,
  request: { method: string; canonicalUrl: string; body: string; timestamp: string; nonce: string },
): string {
  const signature = rsaSign(
    requestMessage(request.method, request.canonicalUrl, request.timestamp, request.nonce, request.body),
    signer.privateKey,
  );
  return (
    `${AUTH_SCHEME} mchid="${signer.mchid}",nonce_str="${request.nonce}",signature="${signature}",` +
    `timestamp="${request.timestamp}",serial_no="${signer.serialNo}"`
  );
}

/** Whether a signed timestamp (Unix seconds) is within the window of `nowMs`. */
export function withinWindow(timestamp: string, nowMs: number, windowS = SIGNATURE_WINDOW_S): boolean {
  if (!/^\d{1,12}$/.test(timestamp)) return false;
  return Math.abs(nowMs / 1000 - Number(timestamp)) < windowS;
}

export interface EncryptedResource {
  algorithm?: string;
  ciphertext: string;
  nonce: string;
  associated_data?: string;
}

/**
 * Decrypts a notification (or certificate) resource with the APIv3 key: AES-256-GCM, the last 16
 * bytes of the ciphertext are the tag, and a wrong tag throws (reference §3.3).
 */
export function decryptResource(resource: EncryptedResource, apiV3Key: string): string {
  if (resource.algorithm !== undefined && resource.algorithm !== 'AEAD_AES_256_GCM') {
    throw new Error(`unsupported resource algorithm ${resource.algorithm}`);
  }
  const key = Buffer.from(apiV3Key, 'utf8');
  if (key.length !== 32) throw new Error('the APIv3 key must be 32 bytes');
  const data = Buffer.from(resource.ciphertext, 'base64');
  if (data.length < 16) throw new Error('the ciphertext is shorter than its tag');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(resource.nonce, 'utf8'));
  decipher.setAuthTag(data.subarray(data.length - 16));
  decipher.setAAD(Buffer.from(resource.associated_data ?? '', 'utf8'));
  return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString(
    'utf8',
  );
}
