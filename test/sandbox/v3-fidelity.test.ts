/** @jest-environment node */
/**
 * APIv3 details a review found apart from the reference, over real HTTP against a sandbox process:
 * which key signs an answer to a request without `Wechatpay-Serial` (§2.3, §15), errors always in
 * the v3 shape (§8.2), the documented error codes as faults (§8.3), re-entry (§4.2), the §4.1 field
 * rules, the settings' own validation, and the refund's funds fields (§6).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { post } from '../helpers/control';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox';
import { V3Client, readMerchant, type MerchantFile } from '../helpers/v3client';

let sandbox: SandboxProcess;
let merchant: MerchantFile;
/** A public-key-mode client: sends `Wechatpay-Serial: PUB_KEY_ID_…` (§1.4). */
let client: V3Client;
/** A client that sends no `Wechatpay-Serial`. */
let bare: V3Client;

beforeAll(async () => {
  // No cloud functions: these suites talk to WeChat Pay only.
  sandbox = await startSandboxProcess({
    args: ['--functions', fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-v3-fns-'))],
  });
  merchant = readMerchant(sandbox.dataDir);
  client = new V3Client(sandbox.url, merchant, merchant.publicKeyId);
  bare = new V3Client(sandbox.url, merchant);
});
afterAll(() => sandbox.stop());

const configure = (patch: Record<string, unknown>) => post(`${sandbox.url}/sandbox/v3/config`, patch);

describe('the key that signs an answer (reference §2.3, §15)', () => {
  it('signs with the platform certificate when the request has no Wechatpay-Serial, even in public-key mode', async () => {
    expect(merchant.signMode).toBe('publicKey');
    const a = await bare.get('/v3/certificates');
    expect(a.status).toBe(200);
    expect(a.headers.get('wechatpay-serial')).toBe(merchant.platformSerial);
    expect(a.verified).toBe(true);
    // With the header, the WeChat Pay public key signs.
    const b = await client.get('/v3/certificates');
    expect(b.headers.get('wechatpay-serial')).toBe(merchant.publicKeyId);
    expect(b.verified).toBe(true);
  });

  it('signs a public-key-only merchant’s unflagged answer with no key it knows (the §15 pitfall)', async () => {
    await post(`${sandbox.url}/sandbox/v3/merchant`, { hasPlatformCertificate: false });
    try {
      const a = await bare.order('V3FID0101');
      expect(a.status).toBe(200);
      expect(a.headers.get('wechatpay-serial')).not.toBe(merchant.publicKeyId);
      expect((await client.order('V3FID0101')).headers.get('wechatpay-serial')).toBe(merchant.publicKeyId);
    } finally {
      await post(`${sandbox.url}/sandbox/v3/merchant`, { hasPlatformCertificate: true });
    }
  });

  it('signs by the merchant’s mode instead when answerKeyWithoutSerial is signMode', async () => {
    await configure({ answerKeyWithoutSerial: 'signMode' });
    try {
      const a = await bare.get('/v3/certificates');
      expect(a.headers.get('wechatpay-serial')).toBe(merchant.publicKeyId);
      expect(a.verified).toBe(true);
    } finally {
      await configure({ answerKeyWithoutSerial: 'platformCertificate' });
    }
  });
});

describe('errors in the v3 shape (reference §8.2)', () => {
  it('refuses a notify_url the pattern admits but no URL parser does with 400 PARAM_ERROR', async () => {
    const a = await client.order('V3FID0201', { notify_url: 'http://127.0.0.1:99999/n' });
    expect(a.status).toBe(400);
    expect(a.json).toMatchObject({
      code: 'PARAM_ERROR',
      message: expect.stringMatching(/\/body\/notify_url/),
    });
    expect(a.headers.get('request-id')).toMatch(/^[0-9A-F]+$/);
    const b = await client.post('/v3/refund/domestic/refunds', {
      out_trade_no: 'V3FID0201',
      out_refund_no: 'V3FIDR0201',
      notify_url: 'https://a.com:99999/x',
      amount: { refund: 1, total: 100, currency: 'CNY' },
    });
    expect(b.status).toBe(400);
    expect(b.json).toMatchObject({ code: 'PARAM_ERROR', message: expect.stringMatching(/退款结果回调url/) });
    expect(b.headers.get('request-id')).toBeTruthy();
  });

  it('answers an unexpected failure as 500 SYSTEM_ERROR with a Request-ID, not in the sandbox’s shape', async () => {
    const file = path.join(sandbox.dataDir, 'merchant', 'merchant.json');
    const saved = fs.readFileSync(file);
    fs.writeFileSync(file, '{"mchid": '); // a half-written merchant file
    try {
      const a = await client.get('/v3/certificates');
      expect(a.status).toBe(500);
      expect(a.json).toEqual({ code: 'SYSTEM_ERROR', message: '系统错误' });
      expect(a.headers.get('request-id')).toBeTruthy();
    } finally {
      fs.writeFileSync(file, saved);
    }
    expect((await client.get('/v3/certificates')).status).toBe(200);
  });
});
