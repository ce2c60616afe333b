/**
 * The sandbox's APIv3 test merchant, created at first start in the data folder
 * (`<data>/merchant/merchant.json`): mchid, the appid it is bound to, the merchant API key pair and
 * certificate serial, the APIv3 key, the WeChat Pay public key pair with its `PUB_KEY_ID_…`, and a
 * platform certificate for certificate mode. Users may register their own merchant public keys, so
 * that their real key and serial are what the sandbox checks.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  randomInt,
  X509Certificate,
} from 'node:crypto';
import * as fs from 'fs';
import * as path from 'path';
import { promisify } from 'util';
import { selfSignedCertificate } from './pay/v3/x509';

const generateKeyPairAsync = promisify(generateKeyPair);

export type SignMode = 'publicKey' | 'certificate';

export interface MerchantKey {
  /** Merchant API certificate serial (hex; compared case-insensitively). */
  serial: string;
  publicKeyPem: string;
  /** `sandbox` = generated here; `registered` = a user's own key. */
  source: 'sandbox' | 'registered';
}

export interface MerchantProfile {
  mchid: string;
  appid: string;
  /** 32 ASCII characters, used as the AES-256-GCM key of notifications and certificates. */
  apiV3Key: string;
  /** The merchant API certificate (apiclient_cert.pem / apiclient_key.pem) the sandbox generated. */
  merchantSerial: string;
  merchantPrivateKeyPem: string;
  merchantCertificatePem: string;
  /** Keys whose signatures the sandbox accepts (the generated one first). */
  merchantKeys: MerchantKey[];
  /** WeChat Pay public key mode. */
  publicKeyId: string;
  publicKeyPem: string;
  publicKeyPrivatePem: string;
  /** Platform certificate mode. */
  platformSerial: string;
  platformCertificatePem: string;
  platformPrivateKeyPem: string;
  platformEffectiveAt: number;
  platformExpiresAt: number;
  /** How answers and notifications are signed unless a request's `Wechatpay-Serial` says otherwise. */
  signMode: SignMode;
  /** Whether the merchant has a platform certificate at all (new merchants since ~2024 have none). */
  hasPlatformCertificate: boolean;
}

export const SANDBOX_MCHID = '1230000109';
const FIVE_YEARS_MS = 5 * 365 * 24 * 3600_000;

export function merchantDir(dataDir: string): string {
  return path.join(dataDir, 'merchant');
}

export function merchantFile(dataDir: string): string {
  return path.join(merchantDir(dataDir), 'merchant.json');
}

/**
 * 40 upper-case hex digits, as WeChat writes serials. The first byte is 0x01–0x7f: a certificate's
 * serial is a DER INTEGER, which drops a leading zero byte, so a serial starting 00 (one in 256) would
 * not read back from its certificate as itself.
 */
export function hexSerial(): string {
  const bytes = randomBytes(20);
  bytes[0] = (bytes[0] % 0x7f) + 1;
  return bytes.toString('hex').toUpperCase();
}

function digits(n: number): string {
  let out = '';
  while (out.length < n) out += String(randomInt(0, 1_000_000_000)).padStart(9, '0');
  return out.slice(0, n);
}

interface RsaPair {
  publicKey: KeyObject;
  privatePem: string;
  publicPem: string;
}

function pairOf(publicKey: KeyObject, privateKey: KeyObject): RsaPair {
  return {
    publicKey,
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

function rsaPair(): RsaPair {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return pairOf(publicKey, privateKey);
}

/** Off the event loop (libuv's pool), so the three keys of a new merchant are made in parallel. */
async function rsaPairAsync(): Promise<RsaPair> {
  const { publicKey, privateKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048 });
  return pairOf(publicKey, privateKey);
}

function apiV3Key(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  for (let i = 0; i < 32; i++) out += alphabet[randomInt(0, alphabet.length)];
  return out;
}

/** A new test merchant; `now` dates the certificates (real time: certificates outlive clock games). */
export function createMerchant(
  appid: string,
  keys: [RsaPair, RsaPair, RsaPair] = [rsaPair(), rsaPair(), rsaPair()],
  now = Date.now(),
): MerchantProfile {
  const [merchant, pub, platform] = keys;
  const merchantSerial = hexSerial();
  const merchantKey = createPublicKey(merchant.publicPem);
  const merchantCertificatePem = selfSignedCertificate({
    serial: merchantSerial,
    commonName: SANDBOX_MCHID,
    organization: '微信商户系统 (sandbox)',
    notBefore: now - 24 * 3600_000,
    notAfter: now + FIVE_YEARS_MS,
    publicKey: merchantKey,
    signingKey: keyOf(merchant.privatePem),
  });
  const platformSerial = hexSerial();
  const platformEffectiveAt = now - 24 * 3600_000;
  const platformExpiresAt = now + FIVE_YEARS_MS;
  return {
    mchid: SANDBOX_MCHID,
    appid,
    apiV3Key: apiV3Key(),
    merchantSerial,
    merchantPrivateKeyPem: merchant.privatePem,
    merchantCertificatePem,
    merchantKeys: [{ serial: merchantSerial, publicKeyPem: merchant.publicPem, source: 'sandbox' }],
    publicKeyId: `PUB_KEY_ID_01${SANDBOX_MCHID}${digits(16)}`,
    publicKeyPem: pub.publicPem,
    publicKeyPrivatePem: pub.privatePem,
    platformSerial,
    platformCertificatePem: selfSignedCertificate({
      serial: platformSerial,
      commonName: 'Tenpay.com Root CA (sandbox)',
      organization: '财付通支付科技有限公司 (sandbox)',
      notBefore: platformEffectiveAt,
      notAfter: platformExpiresAt,
      publicKey: platform.publicKey,
      signingKey: keyOf(platform.privatePem),
    }),
    platformPrivateKeyPem: platform.privatePem,
    platformEffectiveAt,
    platformExpiresAt,
    signMode: 'publicKey',
    hasPlatformCertificate: true,
  };
}

function keyOf(privatePem: string): KeyObject {
  return createPrivateKey(privatePem);
}

/** Reads the merchant of a data folder, creating (and saving) it the first time. */
export function loadOrCreateMerchant(dataDir: string, appid: string): MerchantProfile {
  const file = merchantFile(dataDir);
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as MerchantProfile;
  const merchant = createMerchant(appid);
  saveMerchant(dataDir, merchant);
  return merchant;
}

/** The same, with the keys made off the event loop (what the sandbox does at start). */
export async function prepareMerchant(dataDir: string, appid: string): Promise<MerchantProfile> {
  const file = merchantFile(dataDir);
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as MerchantProfile;
  const keys = await Promise.all([rsaPairAsync(), rsaPairAsync(), rsaPairAsync()]);
  const merchant = createMerchant(appid, keys);
  saveMerchant(dataDir, merchant);
  return merchant;
}

export function saveMerchant(dataDir: string, merchant: MerchantProfile): void {
  fs.mkdirSync(merchantDir(dataDir), { recursive: true });
  const file = merchantFile(dataDir);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(merchant, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/**
 * Adds a user's merchant key: a certificate PEM (its serial is read from it) or a public key PEM with
 * the serial given. Returns the key as stored.
 */
export function registerMerchantKey(
  merchant: MerchantProfile,
  input: { pem: string; serial?: string },
): MerchantKey {
  let serial = input.serial;
  let publicKeyPem: string;
  if (input.pem.includes('BEGIN CERTIFICATE')) {
    const cert = new X509Certificate(input.pem);
    serial = serial ?? cert.serialNumber;
    publicKeyPem = cert.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  } else {
    publicKeyPem = createPublicKey(input.pem).export({ type: 'spki', format: 'pem' }).toString();
  }
  if (!serial || !/^[0-9A-Fa-f]{8,64}$/.test(serial)) {
    throw new RangeError('a merchant key needs its certificate serial (hex), e.g. --serial 408B07E7…');
  }
  const key: MerchantKey = { serial: serial.toUpperCase(), publicKeyPem, source: 'registered' };
  merchant.merchantKeys = [...merchant.merchantKeys.filter((k) => k.serial !== key.serial), key];
  return key;
}

/** The registered key for a serial from an Authorization header (either case). */
export function merchantKeyFor(merchant: MerchantProfile, serial: string): MerchantKey | undefined {
  const wanted = serial.toUpperCase();
  return merchant.merchantKeys.find((k) => k.serial.toUpperCase() === wanted);
}
