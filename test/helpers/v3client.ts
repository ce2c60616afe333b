/**
 * A WeChat Pay APIv3 client as a merchant's server would write one with node:crypto: requests signed
 * `WECHATPAY2-SHA256-RSA2048`, every 2xx answer's signature verified against the WeChat Pay public
 * key or the platform certificate, notifications verified on their raw bytes and decrypted. Used by
 * the v3 suites against a real sandbox process.
 */
import { createSign, createVerify, createDecipheriv, randomBytes, X509Certificate } from 'node:crypto';
import * as fs from 'fs';
import * as path from 'path';

export interface MerchantFile {
  mchid: string;
  appid: string;
  apiV3Key: string;
  merchantSerial: string;
  merchantPrivateKeyPem: string;
  merchantCertificatePem: string;
  publicKeyId: string;
  publicKeyPem: string;
  platformSerial: string;
  platformCertificatePem: string;
  signMode: 'publicKey' | 'certificate';
}

export function readMerchant(dataDir: string): MerchantFile {
  return JSON.parse(fs.readFileSync(path.join(dataDir, 'merchant', 'merchant.json'), 'utf8')) as MerchantFile;
}

export interface V3Answer {
  status: number;
  headers: Headers;
  text: string;
  raw: Buffer;
  json: Record<string, unknown>;
  /** Whether the Wechatpay-* signature verified (undefined when the answer carries none). */
  verified?: boolean;
}

export interface SignOptions {
  serial?: string;
  nonce?: string;
  timestamp?: string;
  privateKeyPem?: string;
  /** Authorization parameters in this order. */
  order?: Array<'mchid' | 'nonce_str' | 'signature' | 'timestamp' | 'serial_no'>;
  mchid?: string;
}

export function sign(message: string | Buffer, privateKeyPem: string): string {
  return createSign('RSA-SHA256').update(message).sign(privateKeyPem, 'base64');
}

export function authorization(
  merchant: MerchantFile,
  method: string,
  url: string,
  body: string,
  opts: SignOptions = {},
): string {
  const timestamp = opts.timestamp ?? String(Math.floor(Date.now() / 1000));
  const nonce = opts.nonce ?? randomBytes(16).toString('hex').toUpperCase();
  const message = `${method}\n${url}\n${timestamp}\n${nonce}\n${body}\n`;
  const params: Record<string, string> = {
    mchid: opts.mchid ?? merchant.mchid,
    nonce_str: nonce,
    signature: sign(message, opts.privateKeyPem ?? merchant.merchantPrivateKeyPem),
    timestamp,
    serial_no: opts.serial ?? merchant.merchantSerial,
  };
  const order = opts.order ?? ['mchid', 'nonce_str', 'signature', 'timestamp', 'serial_no'];
  return `WECHATPAY2-SHA256-RSA2048 ${order.map((k) => `${k}="${params[k]}"`).join(',')}`;
}

/** The verification key for a `Wechatpay-Serial` the merchant knows. */
export function verifierFor(merchant: MerchantFile, serial: string | null): string | undefined {
  if (serial === merchant.publicKeyId) return merchant.publicKeyPem;
  if (serial === merchant.platformSerial) {
    return new X509Certificate(merchant.platformCertificatePem).publicKey
      .export({ type: 'spki', format: 'pem' })
      .toString();
  }
  return undefined;
}

export function verifySignature(
  merchant: MerchantFile,
  headers: { get(name: string): string | null },
  body: Buffer,
): boolean {
  const key = verifierFor(merchant, headers.get('wechatpay-serial'));
  const ts = headers.get('wechatpay-timestamp');
  const nonce = headers.get('wechatpay-nonce');
  const signature = headers.get('wechatpay-signature');
  if (!key || !ts || !nonce || !signature) return false;
  const message = Buffer.concat([Buffer.from(`${ts}\n${nonce}\n`), body, Buffer.from('\n')]);
  return createVerify('RSA-SHA256').update(message).verify(key, signature, 'base64');
}

export class V3Client {
  constructor(
    readonly baseUrl: string,
    readonly merchant: MerchantFile,
    /** Sent as `Wechatpay-Serial` on every request (public-key mode, §1.4). */
    readonly wechatpaySerial?: string,
  ) {}

  async request(
    method: string,
    url: string,
    body?: unknown,
    opts: SignOptions & { headers?: Record<string, string>; rawBody?: string } = {},
  ): Promise<V3Answer> {
    const text = opts.rawBody ?? (body === undefined ? '' : JSON.stringify(body));
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': 'paykit-test/1.0',
      Authorization: authorization(this.merchant, method, url, text, opts),
      ...(text ? { 'Content-Type': 'application/json; charset=utf-8' } : {}),
      ...(this.wechatpaySerial ? { 'Wechatpay-Serial': this.wechatpaySerial } : {}),
      ...opts.headers,
    };
    const res = await fetch(`${this.baseUrl}${url}`, { method, headers, body: text || undefined });
    const raw = Buffer.from(await res.arrayBuffer());
    const answerText = raw.toString('utf8');
    let json: Record<string, unknown> = {};
    if (res.headers.get('content-type')?.startsWith('application/json') && raw.length) {
      json = JSON.parse(answerText) as Record<string, unknown>;
    }
    const signed = res.headers.get('wechatpay-signature') !== null;
    return {
      status: res.status,
      headers: res.headers,
      text: answerText,
      raw,
      json,
      verified: signed ? verifySignature(this.merchant, res.headers, raw) : undefined,
    };
  }

  get(url: string, opts?: SignOptions): Promise<V3Answer> {
    return this.request('GET', url, undefined, opts);
  }

  post(url: string, body: unknown, opts?: SignOptions): Promise<V3Answer> {
    return this.request('POST', url, body, opts);
  }

  /** A JSAPI order with sensible defaults; `overrides` replace top-level fields. */
  order(outTradeNo: string, overrides: Record<string, unknown> = {}): Promise<V3Answer> {
    return this.post('/v3/pay/transactions/jsapi', {
      appid: this.merchant.appid,
      mchid: this.merchant.mchid,
      description: '测试商品',
      out_trade_no: outTradeNo,
      notify_url: 'https://example.com/notify',
      amount: { total: 100, currency: 'CNY' },
      payer: { openid: 'oV3PayerOpenid0001' },
      ...overrides,
    });
  }

  /** The v3 wx.requestPayment parameters the merchant's server computes (§4.3). */
  payment(prepayId: string, privateKeyPem = this.merchant.merchantPrivateKeyPem): Record<string, string> {
    const timeStamp = String(Math.floor(Date.now() / 1000));
    const nonceStr = randomBytes(8).toString('hex');
    const pkg = `prepay_id=${prepayId}`;
    const paySign = sign(`${this.merchant.appid}\n${timeStamp}\n${nonceStr}\n${pkg}\n`, privateKeyPem);
    return { timeStamp, nonceStr, package: pkg, signType: 'RSA', paySign };
  }
}

export function decryptResource(key: string, resource: Record<string, string>): string {
  const buf = Buffer.from(resource.ciphertext, 'base64');
  const d = createDecipheriv('aes-256-gcm', Buffer.from(key, 'utf8'), Buffer.from(resource.nonce, 'utf8'));
  d.setAuthTag(buf.subarray(buf.length - 16));
  d.setAAD(Buffer.from(resource.associated_data ?? '', 'utf8'));
  return Buffer.concat([d.update(buf.subarray(0, buf.length - 16)), d.final()]).toString('utf8');
}
