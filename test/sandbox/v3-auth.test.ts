/** @jest-environment node */
/**
 * The APIv3 test merchant and request authentication, over real HTTP against a sandbox process:
 * the merchant and the kit's configuration files in the data folder, WECHATPAY2-SHA256-RSA2048 as
 * WeChat checks it (parameters in any order, any nonce length, serial in either case), signed answers
 * in public-key and certificate mode, and hostile callers.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { post } from '../helpers/control';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox';
import { V3Client, readMerchant, type MerchantFile } from '../helpers/v3client';

let sandbox: SandboxProcess;
let merchant: MerchantFile;
let client: V3Client;

beforeAll(async () => {
  // No cloud functions: these suites talk to WeChat Pay only (and no timer triggers fire on clock moves).
  sandbox = await startSandboxProcess({
    args: ['--functions', fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-v3-fns-'))],
  });
  merchant = readMerchant(sandbox.dataDir);
  client = new V3Client(sandbox.url, merchant);
});
afterAll(() => sandbox.stop());

describe('the test merchant', () => {
  it('is created at first start with keys, serials, an APIv3 key and the kit configuration', () => {
    expect(merchant.mchid).toMatch(/^\d{10}$/);
    expect(merchant.apiV3Key).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(merchant.merchantSerial).toMatch(/^[0-9A-F]{40}$/);
    expect(merchant.publicKeyId).toMatch(/^PUB_KEY_ID_\d+$/);
    expect(new X509Certificate(merchant.platformCertificatePem).serialNumber).toBe(merchant.platformSerial);
    const dir = path.join(sandbox.dataDir, 'merchant', 'apiv3');
    const cert = new X509Certificate(fs.readFileSync(path.join(dir, 'apiclient_cert.pem'), 'utf8'));
    expect(cert.serialNumber).toBe(merchant.merchantSerial);
    expect(fs.readFileSync(path.join(dir, 'apiclient_key.pem'), 'utf8')).toBe(merchant.merchantPrivateKeyPem);
    const env = fs.readFileSync(path.join(dir, 'paykit-apiv3.env'), 'utf8');
    expect(env).toContain(`PAYKIT_MCHID=${merchant.mchid}\n`);
    expect(env).toContain(`PAYKIT_WECHATPAY_PUBLIC_KEY_ID=${merchant.publicKeyId}\n`);
    expect(env).toMatch(
      /PAYKIT_NOTIFY_URL=https:\/\/paykit-sandbox-\d+\.ap-shanghai\.app\.tcloudbase\.com\//,
    );
    expect(env).toContain('PAYKIT_MCH_PRIVATE_KEY=-----BEGIN PRIVATE KEY-----\\n');
    // SCF: a function's environment variables total at most 4 KB.
    expect(Buffer.byteLength(env)).toBeLessThan(4096);
  });
});

describe('request signatures', () => {
  it('accepts parameters in any order, a short lower-case nonce and a lower-case serial', async () => {
    const a = await client.order('V3AUTH0001');
    expect(a.status).toBe(200);
    const b = await client.request(
      'GET',
      `/v3/pay/transactions/out-trade-no/V3AUTH0001?mchid=${merchant.mchid}`,
      undefined,
      {
        order: ['serial_no', 'timestamp', 'signature', 'nonce_str', 'mchid'],
        nonce: 'k3j2h1g0f9e8d',
        serial: merchant.merchantSerial.toLowerCase(),
      },
    );
    expect(b.status).toBe(200);
    expect(b.json.trade_state).toBe('NOTPAY');
  });

  it('answers an unknown merchant serial with 401 SIGN_ERROR and WeChat’s detail shape', async () => {
    const a = await client.get(`/v3/pay/transactions/out-trade-no/V3AUTH0001?mchid=${merchant.mchid}`, {
      serial: '1234567890ABCDEF1234567890ABCDEF12345678',
    });
    expect(a.status).toBe(401);
    expect(a.json).toEqual({
      code: 'SIGN_ERROR',
      message: '商户证书序列号有误。',
      detail: {
        field: 'signature',
        location: 'authorization',
        sign_information: {
          method: 'GET',
          sign_message_length: expect.any(Number),
          truncated_sign_message: expect.stringMatching(/^GET\n\/v3\/pay\/transactions\//),
          url: `/v3/pay/transactions/out-trade-no/V3AUTH0001?mchid=${merchant.mchid}`,
        },
      },
    });
    expect(a.headers.get('request-id')).toMatch(/^[0-9A-F]+$/);
  });

  it('refuses a serial sent as a decimal number, another key, a wrong scheme, no Authorization', async () => {
    const decimal = BigInt(`0x${merchant.merchantSerial}`).toString(10);
    expect((await client.get('/v3/certificates', { serial: decimal })).status).toBe(401);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const otherKey = await client.get('/v3/certificates', {
      privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    });
    expect(otherKey.status).toBe(401);
    // §15: detail {field, location, sign_information}, the issue beside them, not nested (§8.2).
    expect(otherKey.json).toEqual({
      code: 'SIGN_ERROR',
      message: '签名错误',
      detail: {
        field: 'signature',
        issue: 'sign not match',
        location: 'authorization',
        sign_information: expect.objectContaining({ method: 'GET', url: '/v3/certificates' }),
      },
    });
    const res = await fetch(`${sandbox.url}/v3/certificates`, { headers: { Authorization: 'Bearer x' } });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({
      code: 'SIGN_ERROR',
      message: 'Http头Authorization认证类型不正确',
    });
    const none = await fetch(`${sandbox.url}/v3/certificates`);
    expect(none.status).toBe(401);
  });

  it('checks the timestamp window and nonce replays when those settings are on (off by default)', async () => {
    const old = { timestamp: '1554208460', nonce: 'replayed-nonce-1' };
    expect((await client.get('/v3/certificates', old)).status).toBe(200);
    expect((await client.get('/v3/certificates', old)).status).toBe(200);
    await post(`${sandbox.url}/sandbox/v3/config`, {
      requestTimestampWindowSec: 300,
      rejectReplayedNonce: true,
    });
    try {
      const stale = await client.get('/v3/certificates', { timestamp: '1554208460' });
      expect([stale.status, stale.json.code]).toEqual([401, 'SIGN_ERROR']);
      const fresh = { nonce: 'replayed-nonce-2' };
      expect((await client.get('/v3/certificates', fresh)).status).toBe(200);
      expect((await client.get('/v3/certificates', fresh)).status).toBe(401);
    } finally {
      await post(`${sandbox.url}/sandbox/v3/config`, {
        requestTimestampWindowSec: 0,
        rejectReplayedNonce: false,
      });
    }
  });

  it('refuses a body changed after signing', async () => {
    const url = '/v3/pay/transactions/jsapi';
    const signedFor = JSON.stringify({ amount: { total: 1 } });
    const { authorization } = await import('../helpers/v3client');
    const res = await fetch(`${sandbox.url}${url}`, {
      method: 'POST',
      headers: {
        Authorization: authorization(merchant, 'POST', url, signedFor),
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ amount: { total: 100 } }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'SIGN_ERROR', message: '签名错误' });
  });
});

describe('signed answers', () => {
  it('signs every 2xx, including the empty 204 of close, with the WeChat Pay public key the request names', async () => {
    const byKey = new V3Client(sandbox.url, merchant, merchant.publicKeyId);
    const order = await byKey.order('V3AUTH0003');
    expect(order.headers.get('wechatpay-serial')).toBe(merchant.publicKeyId);
    expect(order.verified).toBe(true);
    const close = await byKey.post('/v3/pay/transactions/out-trade-no/V3AUTH0003/close', {
      mchid: merchant.mchid,
    });
    expect(close.status).toBe(204);
    expect(close.raw.length).toBe(0);
    expect(close.verified).toBe(true);
    expect(close.headers.get('request-id')).toBeTruthy();
    const ts = Number(close.headers.get('wechatpay-timestamp'));
    expect(Math.abs(ts - Date.now() / 1000)).toBeLessThan(300);
  });

  it('signs with the platform certificate when the request names it, and refuses a wrong Wechatpay-Serial', async () => {
    const byCert = new V3Client(sandbox.url, merchant, merchant.platformSerial);
    const a = await byCert.get(`/v3/pay/transactions/out-trade-no/V3AUTH0003?mchid=${merchant.mchid}`);
    expect(a.headers.get('wechatpay-serial')).toBe(merchant.platformSerial);
    expect(a.verified).toBe(true);
    const byKey = new V3Client(sandbox.url, merchant, merchant.publicKeyId);
    expect((await byKey.get('/v3/certificates')).headers.get('wechatpay-serial')).toBe(merchant.publicKeyId);
    const wrong = new V3Client(sandbox.url, merchant, 'PUB_KEY_ID_0000000000');
    const b = await wrong.get(`/v3/pay/transactions/out-trade-no/V3AUTH0003?mchid=${merchant.mchid}`);
    expect(b.status).toBe(400);
    expect(b.json.code).toBe('INVALID_REQUEST');
  });

  it('serves /v3/certificates encrypted with the APIv3 key, and 404 for a public-key-only merchant', async () => {
    const { decryptResource } = await import('../helpers/v3client');
    const a = await client.get('/v3/certificates');
    expect(a.status).toBe(200);
    const [entry] = a.json.data as Array<{ serial_no: string; encrypt_certificate: Record<string, string> }>;
    expect(entry.serial_no).toBe(merchant.platformSerial);
    expect(entry.encrypt_certificate.associated_data).toBe('certificate');
    const pem = decryptResource(merchant.apiV3Key, entry.encrypt_certificate);
    expect(new X509Certificate(pem).serialNumber).toBe(merchant.platformSerial);
    await post(`${sandbox.url}/sandbox/v3/merchant`, { hasPlatformCertificate: false });
    const b = await client.get('/v3/certificates');
    expect(b.status).toBe(404);
    expect(b.json.code).toBe('RESOURCE_NOT_EXISTS');
    await post(`${sandbox.url}/sandbox/v3/merchant`, { hasPlatformCertificate: true });
  });

  it('checks a user’s own registered merchant key, whatever case its serial is sent in', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const serial = '5F1C72E2A8931B72A2E13AF8DEE92471EB397115';
    await post(`${sandbox.url}/sandbox/v3/merchant/keys`, {
      pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      serial,
    });
    const own = { privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
    expect((await client.get('/v3/certificates', { ...own, serial: serial.toLowerCase() })).status).toBe(200);
    expect((await client.get('/v3/certificates', { ...own, serial: merchant.merchantSerial })).status).toBe(
      401,
    );
  });
});
