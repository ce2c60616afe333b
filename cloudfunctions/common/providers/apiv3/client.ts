/**
 * A WeChat Pay APIv3 client as strict as the strictest SDK (reference §15): every request signed,
 * every 2xx answer's signature verified on its raw bytes (including the empty 204 of close) with
 * the key its `Wechatpay-Serial` names and within the 300 s window, and errors kept with their
 * `code`, `message` and, when present, `detail`. Public-key mode, certificate mode, or both during a
 * switch-over: the platform certificates are downloaded, cached per instance and re-fetched when an
 * unknown serial appears.
 */
import { X509Certificate, type KeyObject } from 'crypto';
import * as http from 'http';
import * as https from 'https';
import { ServerError } from '../../errors';
import type { InvocationTime } from '../../invocation-time';
import type { ApiV3Config } from './config';
import {
  answerMessage,
  authorization,
  decryptResource,
  nonceStr,
  rsaVerify,
  withinWindow,
  type EncryptedResource,
} from './crypto';

/** WeChat Pay silent this long, answer begun or not, is not answering (whatever time is left). */
const IDLE_TIMEOUT_MS = 8000;
/** An unknown serial re-fetches the certificates at most this often. */
const CERT_REFRESH_MS = 60_000;

export interface ApiAnswer {
  status: number;
  body: Buffer;
  headers: http.IncomingHttpHeaders;
}

/** A non-2xx answer from WeChat Pay, as it said it. */
export class WechatPayError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly detail?: unknown,
  ) {
    super(message);
    this.name = 'WechatPayError';
  }
}

/** The keys WeChat Pay signs with, by serial or public key id. */
export class WechatPayKeys {
  private readonly keys = new Map<string, KeyObject>();
  private fetchedAt = 0;

  constructor(
    private readonly config: ApiV3Config,
    /** GET /v3/certificates, answered but not yet verified. */
    private readonly fetchCertificates: () => Promise<ApiAnswer>,
  ) {
    if (config.wechatPayPublicKey) this.keys.set(config.wechatPayPublicKey.id, config.wechatPayPublicKey.key);
  }

  /** The key `serial` names: the public key, a cached platform certificate, or a freshly fetched one. */
  async get(serial: string): Promise<KeyObject | undefined> {
    const known = this.keys.get(serial) ?? this.keys.get(serial.toUpperCase());
    if (known || serial.startsWith('PUB_KEY_ID_')) return known;
    if (Date.now() - this.fetchedAt < CERT_REFRESH_MS && this.fetchedAt > 0) return undefined;
    await this.refresh();
    return this.keys.get(serial.toUpperCase());
  }

  /**
   * GET /v3/certificates: each certificate decrypted with the APIv3 key (AAD "certificate"), which
   * only WeChat Pay and the merchant know; the answer must then verify with one of them.
   */
  async refresh(): Promise<void> {
    const previous = this.fetchedAt;
    this.fetchedAt = Date.now();
    let answer: ApiAnswer;
    try {
      answer = await this.fetchCertificates();
    } catch (err) {
      // WeChat failed to answer (5xx, 429, a cut connection): the next call downloads again, rather
      // than every answer and notification of this instance going unverified for CERT_REFRESH_MS.
      this.fetchedAt = previous;
      throw certificatesRefused(err, Boolean(this.config.wechatPayPublicKey));
    }
    const parsed = JSON.parse(answer.body.toString('utf8')) as {
      data?: Array<{ serial_no?: string; encrypt_certificate?: EncryptedResource }>;
    };
    const fresh = new Map<string, KeyObject>();
    for (const entry of parsed.data ?? []) {
      if (!entry.encrypt_certificate || !entry.serial_no) continue;
      let pem: string;
      try {
        pem = decryptResource(entry.encrypt_certificate, this.config.apiV3Key);
      } catch {
        // §2.3: encrypted with the APIv3 key; the GCM tag fails for any other key (§3.3).
        throw new ServerError(
          'PAY_PROVIDER_ERROR',
          'the platform certificates from /v3/certificates do not decrypt with PAYKIT_APIV3_KEY: ' +
            'it must be the APIv3密钥 set in 商户平台 → 账户中心 → API安全',
        );
      }
      const cert = new X509Certificate(pem);
      fresh.set(cert.serialNumber.toUpperCase(), cert.publicKey);
    }
    const failure = await verificationFailure(answer, {
      get: async (serial) => fresh.get(serial.toUpperCase()) ?? this.keys.get(serial),
    });
    if (failure)
      throw new ServerError('PAY_PROVIDER_ERROR', `the platform certificates are not trusted: ${failure}`);
    for (const [serial, key] of fresh) this.keys.set(serial, key);
  }
}

/**
 * A failed certificate download, which is never the answer of the call being verified (that one
 * reached WeChat, which may have carried it out): a PAY_PROVIDER_ERROR, said as the merchant should
 * read it. A merchant WeChat gave no platform certificate (newly registered merchants get only the
 * public key) is answered 404 RESOURCE_NOT_EXISTS, or 403 (§2.3, §15), and verifies with that key.
 */
function certificatesRefused(err: unknown, publicKeyMode: boolean): unknown {
  if (!(err instanceof WechatPayError)) return err;
  const said = `GET /v3/certificates: ${err.status} ${err.code} ${err.message}`;
  if (err.status !== 404 && err.status !== 403) {
    const failure = new ServerError('PAY_PROVIDER_ERROR', `${said}; try again`);
    // §8.3: 429 FREQUENCY_LIMITED means back off, as for any other call.
    if (err.status === 429) failure.rateLimited = true;
    return failure;
  }
  const fix = publicKeyMode
    ? 'the answer was signed by a platform certificate this merchant does not have'
    : 'this merchant has no platform certificate: set PAYKIT_WECHATPAY_PUBLIC_KEY_ID and ' +
      'PAYKIT_WECHATPAY_PUBLIC_KEY to the WeChat Pay public key (商户平台 → 账户中心 → API安全 → 微信支付公钥)';
  return new ServerError('PAY_PROVIDER_ERROR', `${said}; ${fix}`);
}

export interface SignedMessage {
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

const header = (headers: SignedMessage['headers'], name: string): string => {
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
};

/**
 * Why a signed answer or notification does not verify, or undefined when it does: the four
 * headers present, the timestamp within the window, the key known, the signature right.
 */
export async function verificationFailure(
  message: SignedMessage,
  keys: Pick<WechatPayKeys, 'get'>,
  now = Date.now(),
): Promise<string | undefined> {
  const h = (name: string) => header(message.headers, name.toLowerCase());
  const [timestamp, nonce, serial, signature] = [
    h('Wechatpay-Timestamp'),
    h('Wechatpay-Nonce'),
    h('Wechatpay-Serial'),
    h('Wechatpay-Signature'),
  ];
  if (!timestamp || !nonce || !serial || !signature) return 'the Wechatpay-* signature headers are missing';
  if (!withinWindow(timestamp, now))
    return `Wechatpay-Timestamp ${timestamp.slice(0, 16)} is outside the 300 s window`;
  const key = await keys.get(serial);
  const publicKey = serial.startsWith('PUB_KEY_ID_');
  if (!key) {
    const fix = publicKey ? ' (PAYKIT_WECHATPAY_PUBLIC_KEY_ID and PAYKIT_WECHATPAY_PUBLIC_KEY set it)' : '';
    return `no WeChat Pay key is known for serial ${serial.slice(0, 64)}${fix}`;
  }
  if (!rsaVerify(answerMessage(timestamp, nonce, message.body), signature, key)) {
    // §2.4: WeChat's probe, refused as it should be; says nothing about the configuration.
    if (signature.startsWith('WECHATPAY/SIGNTEST/')) return 'a signature probe (WECHATPAY/SIGNTEST/)';
    // Signed by the id the kit was given, yet not by its key: the PEM is not that id's.
    return publicKey
      ? `the signature does not verify with PAYKIT_WECHATPAY_PUBLIC_KEY: it must be the pub_key.pem of ${serial.slice(0, 64)}`
      : 'the signature does not verify';
  }
  return undefined;
}

export class ApiV3Client {
  readonly keys: WechatPayKeys;

  constructor(
    private readonly config: ApiV3Config,
    /** Each request waits only as long as its function's time allows (invocation-time.ts). */
    private readonly time: InvocationTime,
  ) {
    this.keys = new WechatPayKeys(config, async () => {
      const answer = await this.request('GET', '/v3/certificates', '');
      if (answer.status !== 200) throw errorOf(answer);
      return answer;
    });
  }

  /** A signed JSON call; resolves with the verified 2xx answer, throws WechatPayError otherwise. */
  async call(method: 'GET' | 'POST', pathAndQuery: string, body?: unknown): Promise<ApiAnswer> {
    return this.send(method, pathAndQuery, body === undefined ? '' : JSON.stringify(body));
  }

  /** A signed call whose answer is not signed (the bill download, reference §7.2). */
  async download(pathAndQuery: string): Promise<Buffer> {
    const answer = await this.request('GET', pathAndQuery, '');
    if (answer.status !== 200) throw errorOf(answer);
    return answer.body;
  }

  private async send(method: 'GET' | 'POST', pathAndQuery: string, text = ''): Promise<ApiAnswer> {
    const answer = await this.request(method, pathAndQuery, text);
    if (answer.status < 200 || answer.status > 299) throw errorOf(answer);
    const failure = await verificationFailure(answer, this.keys);
    if (failure) {
      throw new ServerError(
        'PAY_PROVIDER_ERROR',
        `WeChat Pay's answer to ${pathAndQuery.split('?')[0]} is not trusted: ${failure}`,
      );
    }
    return answer;
  }

  private async request(method: string, pathAndQuery: string, text: string): Promise<ApiAnswer> {
    const url = new URL(pathAndQuery, this.config.baseUrl);
    const waitMs = this.time.payWaitMs(`${method} ${url.pathname}`);
    const auth = authorization(
      { mchid: this.config.mchid, serialNo: this.config.serialNo, privateKey: this.config.privateKey },
      {
        method,
        canonicalUrl: url.pathname + url.search,
        body: text,
        timestamp: String(Math.floor(Date.now() / 1000)),
        nonce: nonceStr(),
      },
    );
    const headers: Record<string, string> = {
      Authorization: auth,
      Accept: 'application/json',
      'User-Agent': 'weapp-paykit apiv3',
      ...(text ? { 'Content-Type': 'application/json' } : {}),
      ...(this.config.wechatPayPublicKey ? { 'Wechatpay-Serial': this.config.wechatPayPublicKey.id } : {}),
    };
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = transport.request(url, { method, headers, timeout: IDLE_TIMEOUT_MS }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }),
        );
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      // And the whole exchange within the function's time: an answer still coming is no answer.
      if (Number.isFinite(waitMs)) {
        const timer = setTimeout(() => req.destroy(new Error(`no answer within ${waitMs} ms`)), waitMs);
        req.on('close', () => clearTimeout(timer));
      }
      req.on('error', (err) =>
        reject(
          new ServerError('PAY_PROVIDER_ERROR', `WeChat Pay did not answer (${err.message}); try again`),
        ),
      );
      req.end(text || undefined);
    });
  }
}

function errorOf(answer: ApiAnswer): WechatPayError {
  let parsed: { code?: unknown; message?: unknown; detail?: unknown } = {};
  try {
    parsed = JSON.parse(answer.body.toString('utf8')) as typeof parsed;
  } catch {
    // Not JSON (a gateway page): keep the status.
  }
  const code = typeof parsed.code === 'string' ? parsed.code : `HTTP_${answer.status}`;
  const message = typeof parsed.message === 'string' ? parsed.message : `HTTP ${answer.status}`;
  return new WechatPayError(answer.status, code, message, parsed.detail);
}
