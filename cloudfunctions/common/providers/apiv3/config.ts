/**
 * The apiv3 provider's configuration, validated when a function starts: `NOT_CONFIGURED` names
 * what is missing or malformed, never a secret's value.
 *
 * | variable                              | meaning                                                       |
 * |---------------------------------------|---------------------------------------------------------------|
 * | PAYKIT_MCHID                          | merchant id (商户号)                                            |
 * | PAYKIT_APPID                          | the mini-program's appid, bound to the merchant               |
 * | PAYKIT_MCH_SERIAL_NO                  | serial of the merchant API certificate (API证书序列号), hex     |
 * | PAYKIT_MCH_PRIVATE_KEY_FILE           | the API certificate's private key (apiclient_key.pem), a path relative to the function folder; default `secrets/apiclient_key.pem` (what `npm run deploy` packages from the git-ignored `secrets/`) |
 * | PAYKIT_MCH_PRIVATE_KEY                | or the PEM itself (`\n` escapes allowed); it takes ~1.7 KB of the 4 KB environment |
 * | PAYKIT_APIV3_KEY                      | the APIv3 key (APIv3密钥), 32 bytes                              |
 * | PAYKIT_WECHATPAY_PUBLIC_KEY_ID        | `PUB_KEY_ID_…` of the WeChat Pay public key (微信支付公钥)        |
 * | PAYKIT_WECHATPAY_PUBLIC_KEY(_FILE)    | that public key, PEM or file; without both: certificate mode (platform certificates downloaded) |
 * | PAYKIT_NOTIFY_URL                     | payment notification URL (the HTTP access route of payNotify) |
 * | PAYKIT_REFUND_NOTIFY_URL              | refund notification URL (default: that of refundNotify next to PAYKIT_NOTIFY_URL) |
 * | PAYKIT_APIV3_BASE_URL                 | default https://api.mch.weixin.qq.com (the sandbox sets its own) |
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ServerError } from '../../errors';

export const PRODUCTION_BASE_URL = 'https://api.mch.weixin.qq.com';
export const DEFAULT_PRIVATE_KEY_FILE = 'secrets/apiclient_key.pem';

export interface ApiV3Config {
  mchid: string;
  appid: string;
  serialNo: string;
  privateKey: KeyObject;
  apiV3Key: string;
  /** Public-key mode: WeChat Pay's public key and its id. Absent: certificate mode. */
  wechatPayPublicKey?: { id: string; key: KeyObject };
  notifyUrl: string;
  refundNotifyUrl: string;
  baseUrl: string;
}

/**
 * What is wrong with the configuration, collected: NOT_CONFIGURED names every problem at once, since
 * in the cloud each fix is a redeploy.
 */
class Problems {
  readonly found: string[] = [];

  /** Records a problem; answers undefined for the value that could not be read. */
  add(message: string): undefined {
    this.found.push(message);
    return undefined;
  }

  required(env: NodeJS.ProcessEnv, name: string): string | undefined {
    const value = (env[name] ?? '').trim();
    return value || this.add(`${name} is not set (PAYKIT_PROVIDER=apiv3 needs it)`);
  }

  /** `value` when it matches `pattern`, else the problem `message`. */
  matching(value: string | undefined, pattern: RegExp, message: string): string | undefined {
    if (value === undefined) return undefined;
    return pattern.test(value) ? value : this.add(message);
  }
}

/** A PEM and where it came from, so that a message names what the merchant set. */
interface Pem {
  text: string;
  /** The variable, or the variable and the file it named. */
  from: string;
}

/** A PEM from the variable itself, or from the file it names (relative to the function folder). */
function pem(
  problems: Problems,
  env: NodeJS.ProcessEnv,
  name: string,
  functionDir: string,
  defaultFile?: string,
): Pem | undefined {
  const inline = (env[name] ?? '').trim();
  if (inline) return { text: inline.replace(/\\n/g, '\n'), from: name };
  const file = (env[`${name}_FILE`] ?? '').trim() || defaultFile;
  if (!file) return undefined;
  const full = path.resolve(functionDir, file);
  if (!fs.existsSync(full)) {
    if (!env[`${name}_FILE`] && defaultFile) return undefined;
    return problems.add(`${name}_FILE: ${file} does not exist in the function folder`);
  }
  return { text: fs.readFileSync(full, 'utf8'), from: `${name}_FILE (${file})` };
}

function notifyUrl(problems: Problems, value: string | undefined, name: string, allowHttp: boolean) {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return problems.add(`${name} is not a URL`);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && (allowHttp || loopback))) {
    return problems.add(`${name} must be an https:// URL (WeChat Pay calls it from the internet)`);
  }
  if (url.search || url.hash || value.includes('?') || value.includes('#')) {
    return problems.add(`${name} must not have a query or a fragment (WeChat Pay refuses them)`);
  }
  return value;
}

function privateKeyOf(
  problems: Problems,
  env: NodeJS.ProcessEnv,
  functionDir: string,
): KeyObject | undefined {
  const keyPem = pem(problems, env, 'PAYKIT_MCH_PRIVATE_KEY', functionDir, DEFAULT_PRIVATE_KEY_FILE);
  if (keyPem === undefined) {
    if (env.PAYKIT_MCH_PRIVATE_KEY_FILE) return undefined; // named above: the file is missing
    return problems.add(
      `PAYKIT_MCH_PRIVATE_KEY_FILE: no private key (put apiclient_key.pem at ${DEFAULT_PRIVATE_KEY_FILE})`,
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem.text);
  } catch {
    // The files that come with the API certificate look alike; say which one belongs here.
    return problems.add(
      `${keyPem.from} is not a PEM private key that parses: it takes apiclient_key.pem ` +
        '(-----BEGIN PRIVATE KEY-----), not apiclient_cert.pem or the WeChat Pay public key',
    );
  }
  return key.asymmetricKeyType === 'rsa' ? key : problems.add(`${keyPem.from} must be an RSA key`);
}

/** Public-key mode when either half is set (both must be), else certificate mode (undefined). */
function publicKeyOf(
  problems: Problems,
  env: NodeJS.ProcessEnv,
  functionDir: string,
): ApiV3Config['wechatPayPublicKey'] {
  const id = (env.PAYKIT_WECHATPAY_PUBLIC_KEY_ID ?? '').trim();
  const publicPem = pem(problems, env, 'PAYKIT_WECHATPAY_PUBLIC_KEY', functionDir);
  if (!id && !publicPem) return undefined;
  if (!/^PUB_KEY_ID_\d+$/.test(id))
    problems.add('PAYKIT_WECHATPAY_PUBLIC_KEY_ID must be PUB_KEY_ID_ and digits');
  if (!publicPem) {
    if (env.PAYKIT_WECHATPAY_PUBLIC_KEY_FILE) return undefined; // named above: the file is missing
    return problems.add('PAYKIT_WECHATPAY_PUBLIC_KEY is not set (or set PAYKIT_WECHATPAY_PUBLIC_KEY_FILE)');
  }
  // Node takes a certificate for a public key too; WeChat Pay's public key is a bare key (§2.3), and a
  // certificate here is the merchant's own or a platform certificate, which never signs as PUB_KEY_ID_….
  if (publicPem.text.includes('CERTIFICATE-----')) {
    return problems.add(
      `${publicPem.from} is a certificate: it takes WeChat Pay's public key, pub_key.pem ` +
        '(-----BEGIN PUBLIC KEY-----, 商户平台 → 账户中心 → API安全 → 微信支付公钥); ' +
        'a merchant with platform certificates only leaves both PAYKIT_WECHATPAY_PUBLIC_KEY variables out',
    );
  }
  try {
    return { id, key: createPublicKey(publicPem.text) };
  } catch {
    return problems.add(
      `${publicPem.from} is not a PEM public key that parses: it takes pub_key.pem ` +
        '(-----BEGIN PUBLIC KEY-----) as downloaded with its PUB_KEY_ID_…',
    );
  }
}

/** Where a merchant reads the serial, said with every problem of it. */
const SERIAL_SOURCE =
  '证书序列号 in 商户平台 → 账户中心 → API安全 → 管理证书, or what ' +
  '`openssl x509 -in apiclient_cert.pem -noout -serial` prints after serial=';

/**
 * The API certificate's serial: hex, at most 20 bytes (RFC 5280), WeChat's 40 characters (§1.3). A
 * long run of digits is the same serial written in decimal, which WeChat refuses (§15, 401 SIGN_ERROR).
 */
function serialOf(problems: Problems, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (/^\d{41,}$/.test(value))
    return problems.add(
      `PAYKIT_MCH_SERIAL_NO is a decimal number: it takes the serial in hex, ${SERIAL_SOURCE}`,
    );
  if (!/^[0-9A-Fa-f]{8,40}$/.test(value))
    return problems.add(`PAYKIT_MCH_SERIAL_NO must be the API certificate's serial in hex, ${SERIAL_SOURCE}`);
  return value;
}

export function loadApiV3Config(env: NodeJS.ProcessEnv, functionDir: string): ApiV3Config {
  const problems = new Problems();
  const mchid = problems.matching(
    problems.required(env, 'PAYKIT_MCHID'),
    /^\d{8,32}$/,
    'PAYKIT_MCHID must be a merchant id (digits)',
  );
  const appid = problems.matching(
    problems.required(env, 'PAYKIT_APPID'),
    /^wx[0-9A-Za-z]{14,30}$/,
    'PAYKIT_APPID must be a mini-program appid (wx…)',
  );
  const serialNo = serialOf(problems, problems.required(env, 'PAYKIT_MCH_SERIAL_NO'));
  const privateKey = privateKeyOf(problems, env, functionDir);
  const apiV3Key = problems.required(env, 'PAYKIT_APIV3_KEY');
  if (apiV3Key !== undefined && Buffer.byteLength(apiV3Key) !== 32)
    problems.add('PAYKIT_APIV3_KEY must be 32 bytes (APIv3密钥)');
  const wechatPayPublicKey = publicKeyOf(problems, env, functionDir);

  const rawBase = (env.PAYKIT_APIV3_BASE_URL ?? '').trim() || PRODUCTION_BASE_URL;
  const baseUrl = problems.matching(
    rawBase.replace(/\/$/, ''),
    /^https?:\/\/[^/?#]+$/,
    'PAYKIT_APIV3_BASE_URL must be a scheme and host',
  );
  // An http notify URL only for a stand-in of WeChat Pay (the sandbox): WeChat calls https (§3.1),
  // from either of its hosts (§1.1), however the base URL is written.
  const allowHttp = !/^https:\/\/api2?\.mch\.weixin\.qq\.com$/i.test(baseUrl ?? PRODUCTION_BASE_URL);
  const notify = notifyUrl(
    problems,
    problems.required(env, 'PAYKIT_NOTIFY_URL'),
    'PAYKIT_NOTIFY_URL',
    allowHttp,
  );
  const refundNotify = (env.PAYKIT_REFUND_NOTIFY_URL ?? '').trim();
  const refundNotifyUrl = refundNotify
    ? notifyUrl(problems, refundNotify, 'PAYKIT_REFUND_NOTIFY_URL', allowHttp)
    : notify && siblingRoute(notify, 'refund');

  if (
    problems.found.length ||
    !mchid ||
    !appid ||
    !serialNo ||
    !privateKey ||
    !apiV3Key ||
    !baseUrl ||
    !notify ||
    !refundNotifyUrl
  ) {
    throw new ServerError('NOT_CONFIGURED', problems.found.join('; '));
  }
  return {
    mchid,
    appid,
    serialNo: serialNo.toUpperCase(),
    privateKey,
    apiV3Key,
    ...(wechatPayPublicKey ? { wechatPayPublicKey } : {}),
    notifyUrl: notify,
    refundNotifyUrl,
    baseUrl,
  };
}

/** The refund route beside the payment route: …/notify → …/notify/refund. */
function siblingRoute(url: string, name: string): string {
  return `${url.replace(/\/$/, '')}/${name}`;
}
