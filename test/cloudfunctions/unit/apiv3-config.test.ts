/** @jest-environment node */
/**
 * The apiv3 configuration is checked when a function starts: NOT_CONFIGURED names what is missing
 * or malformed, and never shows a secret.
 */
import { generateKeyPairSync } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadServerConfig } from '../../../cloudfunctions/common/config';
import { selfSignedCertificate } from '../../../sandbox/pay/v3/x509';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE_PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const PUBLIC_PEM = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const APIV3_KEY = '0123456789abcdef0123456789abcdef';
/** The merchant's apiclient_cert.pem: the file a merchant most easily puts where a key belongs. */
const CERTIFICATE_PEM = selfSignedCertificate({
  serial: '408B07E79B8269FEC3D5D3E6AB8ED163A6A380DB',
  commonName: '1900007291',
  organization: '测试商户',
  notBefore: Date.parse('2026-01-01T00:00:00Z'),
  notAfter: Date.parse('2031-01-01T00:00:00Z'),
  publicKey,
  signingKey: privateKey,
});

/** A function folder with the private key where `npm run deploy` packages it. */
const functionDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-fn-'));
fs.mkdirSync(path.join(functionDir, 'secrets'));
fs.writeFileSync(path.join(functionDir, 'secrets/apiclient_key.pem'), PRIVATE_PEM);

const good: NodeJS.ProcessEnv = {
  PAYKIT_PROVIDER: 'apiv3',
  PAYKIT_MCHID: '1900007291',
  PAYKIT_APPID: 'wx2421b1c4370ec43b',
  PAYKIT_MCH_SERIAL_NO: '408b07e79b8269fec3d5d3e6ab8ed163a6a380db',
  PAYKIT_APIV3_KEY: APIV3_KEY,
  PAYKIT_WECHATPAY_PUBLIC_KEY_ID: 'PUB_KEY_ID_0114232134912410000000000000',
  PAYKIT_WECHATPAY_PUBLIC_KEY: PUBLIC_PEM.replace(/\n/g, '\\n'),
  PAYKIT_NOTIFY_URL: 'https://shop-1a2b.ap-shanghai.app.tcloudbase.com/paykit/v3/notify',
};

test('a complete configuration: the key file from secrets/, public-key mode, refund route beside the payment one', () => {
  const { provider } = loadServerConfig(good, functionDir);
  if (provider.name !== 'apiv3') throw new Error('expected apiv3');
  expect(provider.apiv3).toEqual(
    expect.objectContaining({
      mchid: '1900007291',
      serialNo: '408B07E79B8269FEC3D5D3E6AB8ED163A6A380DB',
      baseUrl: 'https://api.mch.weixin.qq.com',
      refundNotifyUrl: 'https://shop-1a2b.ap-shanghai.app.tcloudbase.com/paykit/v3/notify/refund',
    }),
  );
  expect(provider.apiv3.wechatPayPublicKey?.id).toBe('PUB_KEY_ID_0114232134912410000000000000');
  const certificateMode = { ...good, PAYKIT_WECHATPAY_PUBLIC_KEY_ID: '', PAYKIT_WECHATPAY_PUBLIC_KEY: '' };
  const second = loadServerConfig(certificateMode, functionDir).provider;
  expect(second.name === 'apiv3' && second.apiv3.wechatPayPublicKey).toBeUndefined();
});

test.each([
  [{ PAYKIT_MCHID: '' }, /PAYKIT_MCHID is not set/],
  [{ PAYKIT_MCHID: 'abc' }, /PAYKIT_MCHID must be a merchant id/],
  [{ PAYKIT_APPID: 'app' }, /PAYKIT_APPID must be a mini-program appid/],
  [
    { PAYKIT_MCH_SERIAL_NO: 'not hex!' },
    /PAYKIT_MCH_SERIAL_NO must be the API certificate's serial in hex, 证书序列号 in .*openssl x509/,
  ],
  // The serial of §9.1 written in decimal (§15: WeChat answers 401 SIGN_ERROR).
  [
    { PAYKIT_MCH_SERIAL_NO: BigInt('0x408B07E79B8269FEC3D5D3E6AB8ED163A6A380DB').toString() },
    /PAYKIT_MCH_SERIAL_NO is a decimal number: it takes the serial in hex/,
  ],
  [
    { PAYKIT_MCH_PRIVATE_KEY: CERTIFICATE_PEM.replace(/\n/g, '\\n') },
    /PAYKIT_MCH_PRIVATE_KEY is not a PEM private key that parses: it takes apiclient_key.pem/,
  ],
  [
    { PAYKIT_WECHATPAY_PUBLIC_KEY: CERTIFICATE_PEM },
    /PAYKIT_WECHATPAY_PUBLIC_KEY is a certificate: .*pub_key.pem/,
  ],
  // WeChat's host however it is written, or its backup host (§1.1): WeChat calls https only (§3.1).
  [
    {
      PAYKIT_APIV3_BASE_URL: 'https://api.mch.weixin.qq.com/',
      PAYKIT_NOTIFY_URL: 'http://shop.example/notify',
    },
    /PAYKIT_NOTIFY_URL must be an https:\/\/ URL/,
  ],
  [
    {
      PAYKIT_APIV3_BASE_URL: 'https://api2.mch.weixin.qq.com',
      PAYKIT_NOTIFY_URL: 'http://shop.example/notify',
    },
    /PAYKIT_NOTIFY_URL must be an https:\/\/ URL/,
  ],
  [
    { PAYKIT_MCH_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\\nnope\\n-----END PRIVATE KEY-----' },
    /not a PEM private key that parses/,
  ],
  [{ PAYKIT_MCH_PRIVATE_KEY_FILE: 'keys/missing.pem' }, /keys\/missing.pem does not exist/],
  [{ PAYKIT_APIV3_KEY: 'short' }, /PAYKIT_APIV3_KEY must be 32 bytes/],
  [{ PAYKIT_WECHATPAY_PUBLIC_KEY_ID: '12345' }, /PUB_KEY_ID_ and digits/],
  [{ PAYKIT_WECHATPAY_PUBLIC_KEY: 'garbage' }, /not a PEM public key that parses/],
  [{ PAYKIT_NOTIFY_URL: 'https://shop.example/notify?order=1' }, /must not have a query or a fragment/],
  [{ PAYKIT_NOTIFY_URL: 'http://shop.example/notify' }, /must be an https:\/\/ URL/],
  [{ PAYKIT_NOTIFY_URL: '' }, /PAYKIT_NOTIFY_URL is not set/],
])('%j → NOT_CONFIGURED', (change, message) => {
  const run = () => loadServerConfig({ ...good, ...change }, functionDir);
  expect(run).toThrow(
    expect.objectContaining({ code: 'NOT_CONFIGURED', message: expect.stringMatching(message) }),
  );
  try {
    run();
  } catch (err) {
    // The message names the variable, never the secret.
    expect((err as Error).message).not.toContain(APIV3_KEY);
    expect((err as Error).message).not.toContain('PRIVATE KEY-----\n');
  }
});

test('a key file that is not the private key is named as the merchant put it', () => {
  const wrongFile = fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-fn-'));
  fs.mkdirSync(path.join(wrongFile, 'secrets'));
  fs.writeFileSync(path.join(wrongFile, 'secrets/apiclient_key.pem'), CERTIFICATE_PEM);
  expect(() => loadServerConfig(good, wrongFile)).toThrow(
    'PAYKIT_MCH_PRIVATE_KEY_FILE (secrets/apiclient_key.pem) is not a PEM private key that parses: ' +
      'it takes apiclient_key.pem (-----BEGIN PRIVATE KEY-----), not apiclient_cert.pem or the WeChat Pay public key',
  );
});

test('without the key file and without the PEM, it says where the key goes', () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-fn-'));
  expect(() => loadServerConfig(good, empty)).toThrow(/put apiclient_key.pem at secrets\/apiclient_key.pem/);
});

test('every problem at once: one redeploy fixes them all', () => {
  const { PAYKIT_MCH_SERIAL_NO: _serial, PAYKIT_APIV3_KEY: _key, ...rest } = good;
  void [_serial, _key];
  const env = { ...rest, PAYKIT_NOTIFY_URL: 'https://shop.example/notify?order=1' };
  expect(() => loadServerConfig(env, functionDir)).toThrow(
    expect.objectContaining({
      code: 'NOT_CONFIGURED',
      message:
        'PAYKIT_MCH_SERIAL_NO is not set (PAYKIT_PROVIDER=apiv3 needs it); ' +
        'PAYKIT_APIV3_KEY is not set (PAYKIT_PROVIDER=apiv3 needs it); ' +
        'PAYKIT_NOTIFY_URL must not have a query or a fragment (WeChat Pay refuses them)',
    }),
  );
});
