/**
 * What the kit's APIv3 provider needs to talk to the sandbox's test merchant, written to
 * `<data>/merchant/apiv3/`: the key files as WeChat's merchant platform hands them out
 * (`apiclient_key.pem`, `apiclient_cert.pem`, `pub_key.pem`, the platform certificate) and the
 * function environment (`paykit-apiv3.env`, one `KEY=value` a line, PEMs with `\n` escapes, within
 * SCF's 4 KB budget), plus the same as JSON.
 */
import * as fs from 'fs';
import * as path from 'path';
import { merchantDir, type MerchantProfile } from './merchant';

/** Where the notify route lives on the sandbox's HTTP access domain by default. */
export const DEFAULT_NOTIFY_PATH = '/paykit/v3/notify';

export interface KitConfigPaths {
  dir: string;
  envFile: string;
  jsonFile: string;
  privateKey: string;
  certificate: string;
  publicKey: string;
  platformCertificate: string;
}

export function kitConfigPaths(dataDir: string): KitConfigPaths {
  const dir = path.join(merchantDir(dataDir), 'apiv3');
  return {
    dir,
    envFile: path.join(dir, 'paykit-apiv3.env'),
    jsonFile: path.join(dir, 'paykit-apiv3.json'),
    privateKey: path.join(dir, 'apiclient_key.pem'),
    certificate: path.join(dir, 'apiclient_cert.pem'),
    publicKey: path.join(dir, 'pub_key.pem'),
    platformCertificate: path.join(dir, 'wechatpay_platform_cert.pem'),
  };
}

/** The function environment of the kit's apiv3 provider (names agreed for the next issue). */
export function kitEnvironment(
  merchant: MerchantProfile,
  opts: { baseUrl?: string; notifyUrl: string },
): Record<string, string> {
  return {
    PAYKIT_PROVIDER: 'apiv3',
    PAYKIT_MCHID: merchant.mchid,
    PAYKIT_APPID: merchant.appid,
    PAYKIT_MCH_SERIAL_NO: merchant.merchantSerial,
    PAYKIT_MCH_PRIVATE_KEY: merchant.merchantPrivateKeyPem,
    PAYKIT_APIV3_KEY: merchant.apiV3Key,
    PAYKIT_WECHATPAY_PUBLIC_KEY_ID: merchant.publicKeyId,
    PAYKIT_WECHATPAY_PUBLIC_KEY: merchant.publicKeyPem,
    PAYKIT_NOTIFY_URL: opts.notifyUrl,
    ...(opts.baseUrl ? { PAYKIT_APIV3_BASE_URL: opts.baseUrl } : {}),
  };
}

function envLine(key: string, value: string): string {
  return `${key}=${value.replace(/\n/g, '\\n')}`;
}

/** `KEY=value` lines (blank lines and `#` comments skipped), as `paykit-apiv3.env` is written. */
export function readEnvFile(file: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of fs.readFileSync(file, 'utf8').split(/\r?\n/)) {
    if (!line.trim() || line.trimStart().startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq < 1) throw new Error(`${file}: expected KEY=VALUE, got "${line.slice(0, 40)}"`);
    env[line.slice(0, eq).trim()] = line.slice(eq + 1);
  }
  return env;
}

/** Writes the files (private ones 0600) and returns where they are. */
export function writeKitConfig(
  dataDir: string,
  merchant: MerchantProfile,
  opts: { baseUrl?: string; notifyUrl: string },
): KitConfigPaths {
  const paths = kitConfigPaths(dataDir);
  fs.mkdirSync(paths.dir, { recursive: true });
  const secret = { mode: 0o600 };
  fs.writeFileSync(paths.privateKey, merchant.merchantPrivateKeyPem, secret);
  fs.writeFileSync(paths.certificate, merchant.merchantCertificatePem);
  fs.writeFileSync(paths.publicKey, merchant.publicKeyPem);
  fs.writeFileSync(paths.platformCertificate, merchant.platformCertificatePem);
  const env = kitEnvironment(merchant, opts);
  const lines = Object.entries(env).map(([k, v]) => envLine(k, v));
  fs.writeFileSync(paths.envFile, `${lines.join('\n')}\n`, secret);
  fs.writeFileSync(paths.jsonFile, `${JSON.stringify(env, null, 2)}\n`, secret);
  return paths;
}

/** The merchant for people: identifiers, never the private keys or the APIv3 key's use in logs. */
export function describeMerchant(
  merchant: MerchantProfile,
  paths: KitConfigPaths,
  notifyUrl: string,
): string {
  const keys = merchant.merchantKeys.map((k) => `${k.serial} (${k.source})`).join('\n               ');
  return `APIv3 test merchant
  mchid:         ${merchant.mchid}
  appid:         ${merchant.appid}
  merchant keys: ${keys}
  APIv3 key:     ${merchant.apiV3Key}
  sign mode:     ${merchant.signMode === 'publicKey' ? `WeChat Pay public key ${merchant.publicKeyId}` : `platform certificate ${merchant.platformSerial}`}
  public key:    ${merchant.publicKeyId}
  platform cert: ${merchant.hasPlatformCertificate ? merchant.platformSerial : '(none: public-key-only merchant)'}
  notify_url:    ${notifyUrl}
Kit configuration written to ${paths.dir}:
  ${path.basename(paths.privateKey)}, ${path.basename(paths.certificate)}, ${path.basename(paths.publicKey)}, ${path.basename(paths.platformCertificate)}
  ${path.basename(paths.envFile)} (function environment), ${path.basename(paths.jsonFile)}`;
}
