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
