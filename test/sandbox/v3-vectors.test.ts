/** @jest-environment node */
/**
 * The reference's official and computed vectors (§9): request signatures the sandbox accepts over
 * real HTTP (the official test key registered as a user's own merchant key), answer and notification
 * signatures a receiver verifies, and WeChat's AES-256-GCM.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createVerify } from 'node:crypto';
import { parseAuthorization, signatureMessage } from '../../sandbox/pay/v3/auth';
import { decryptResource, encryptResource } from '../../sandbox/pay/v3/cipher';
import { post } from '../helpers/control';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox';
import { verifySignature, type MerchantFile } from '../helpers/v3client';

/** §9.1: the public half of the official test key (apiclient_test_key.pem). */
const OFFICIAL_PUBLIC_KEY = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAptpm+qvIDCh/9wjU26SQ
CK26ogYkBhDrYxnAaw2JbbBsp1oDbHKk+1r381NeBUG2HEFAuU+Fr72u5ot3yKdz
oF/FajAzQNKnm569/D3upKoi8mYBaST15Uig8j8qoUW1U217LL0jEHlSnHV3lcaD
TXqDpTRR4Bfz9IqOgJgFZ8/oTfEomSrjrLYef81Eyxr7ZIMQXEKKEK7V4UXKS0+/
fDsiG/cXidhzt8UbTL9vqXqxM2+IDImyO+FAc/tkBG55LmzxPto1Nq0WbnZzRM/w
Tzrd0I/8NlevxtFbphg4evlHjFNI7+GrqR87ViEwuAJJ9Je5QQjct5YJfFRWiZ5C
MQIDAQAB
-----END PUBLIC KEY-----
`;
const SERIAL = '408B07E79B8269FEC3D5D3E6AB8ED163A6A380DB';
const TS = '1554208460';
const NONCE = '593BEC0C930BF1AFEB40B4A08C8FB242';
const BODY_A =
  '{"appid":"wxd678efh567hg6787","mchid":"1900007291","description":"Image形象店-深圳腾大-QQ公仔","out_trade_no":"1217752501201407033233368018","notify_url":"https://www.weixin.qq.com/wxpay/pay.php","amount":{"total":100,"currency":"CNY"},"payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}}';
const SIG_A =
  'jnks4dlrPw3ZX+ozVvSK39oa0t7OMBsg83BHAwd8BRdUFiVaQNTLTvci+wURgP1OQBbKYhFGvt7iqYpDSTQkp7Uq1sltaQKyncCyrA1g88m5bsKERQfPyT0ahSwKTYJ1CAn9QiJuSJRq1QsQs07eehbU/k9BCS51jTyc1Jpsi2H77HF9f/BnjXAOP3/sPObg6V5Ee4EzwLox684hhuMuIwHo7D8KFk3LIHOKDcNI4It1aCXydFWNpNK+SG86VUDe5kwoDpw4Ulqfu9z8OFDGbDs9TCxEv8iqQzbpxOlEVoOe2kalSYM5kApQb3nZcxdUtoE0liJGW3RGUNE0t4v01A==';
const SIG_B =
  'JNEITrKv8DWEtBJGZtxG9ARa+eIZDIn1Ht3MQM5j9jP77TtHdfCqLjpwevfWftBuaGMfEdiu2sWYtLvnZIoLW3FH10OVCBzKncid5xClTwav8JX+uDeGBBX8w64iHvFyuQj8ukZT+F1AFJii8hmXLD8Os90thnL0bfJYLo/4K237TH4dEd44NTH9ElFb/ykrvv9RBs+mCNpy5IUe2Qxhba3d3RiMqhWK2sSr3tsVzQihJ0TPMnjWqoU2W5Y/v3rBFDmLhqe0ZW6A4vyvjmiR0v/8XEI25Py4PNyZXszsdl4j0zLqelUJxGEMUBhYg1LIoDPjYMlA9HV1yKD6+JYZJA==';
const SIG_C =
  'mI35pfNEQV6777ke/1T+LJLQDNTm7yeoUJH+j/adPGhmCCi0PbgkvYQTRcXH0uibcLVtvFLdGLpmoYO9FV6lBBsTAjuhh5YOvQi0e2g3e0yytitiNET9FEuqM0pjnKfRW4K6LIZDdbWJv9KhZUx3DrJa5TL7OJ7VdADVivxVySIlPVKjGwuCXzuXSJes0UcILgWQUMyha5/3nYofuHtS7r+KYyMuxD+oJ9VM1Qdxk4UIG59CP5Y3wtYIFybyF3bdu1caHTRRX+DLyMXyYA/IrTmiW01c4RPjpHBX5Dk1sZyY1zVsWNsvMHr2e1NTWtBxKJ+qk5N61J7caYoepHFaxw==';
const SIG_D_PREPAY =
  'GTG99u9EC3ydwT5k0ro/vugFUjgzW4X/ePtf0mSuC8cilHXBxPwcqN7kgsTHe2IkshHPQTiNKQITTny34p6QWDPEB984TGHLWB7qHX0YIQZdGTNyTsEz93msfucWRdQUK5MS4ct7ukfcCwu95DoCgnFaYLLDux+DWpjKiGhtJRcV047T1jSE4LJ9pLYkpuct5bIvdyVGw2wuEi+4FZcRo7yr82XYwf0FvSFBiL8X7rvz6gaRFN5tlNy7Iu5BlZpZja9VP4ngF1h2Ady3PjMaG/w20/1fA21lqctpaxNZWKhjakbVb27cihDSh+yAKnc3alnsBFyVFm6A+iahlDN+zw==';
const SIG_D_EMPTY =
  'jeghfsrtH0lEz5KEKnVyRIH89w6EvmjURKBhOF/qUruenAJ9kFC77Cde8CIDtKK5eLX/CbmmNiHiolvDqGjtiqt87+fjTj0qmJWpFskTA2sYih/ARAKGW3FgLA/rL3rVVm+FGuPEsW/Z8xlBbTb3XX1OXoeCTytHVaPNuKd8vlwUqm8YHgZyUfuRcvFFtAPXIekw/VRssa6ytePicDI+zjxmqBD/OfVBZVoFjVmtVYSted5J/i6BK2UBm8bpHfehZDmvbvFu77ySZpVYaXWCwkSM3g7mxySmJnhAZz0XxzdrILlh9mRhh3Ypbgbjsvcwuhp+oPXYBCj1iivVUw5bvQ==';
const PLAIN_E =
  '{"mchid":"1900007291","appid":"wx2421b1c4370ec43b","out_trade_no":"1217752501201407033233368018","transaction_id":"4200000000202401011234567890","trade_type":"JSAPI","trade_state":"SUCCESS","trade_state_desc":"支付成功","bank_type":"OTHERS","attach":"","success_time":"2024-01-01T12:00:05+08:00","payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},"amount":{"total":100,"payer_total":100,"currency":"CNY","payer_currency":"CNY"}}';
const CIPHER_E =
  'sZJyGIdkpHdtVySjJL+xBCBs08Xa5PR5zyFS7zmCGxDdTmE6OokyY7ni1/kZXDWzlNTbei85SZdaqH1azoT3DtUlWq/kUkbqhTSM/bL1j5fT5T2z8cDo36HNstroIw/NQzlVMIZZFO4SLghNUICdgEcJOZULvjpiXAU3IGSGOoTY3n3ClrGwnWrJfACZtDuxzFyeHuvtuaxEtjsIgDSQDUxz2BXQnW6YbD02U/Yf8ItLl1Lx+bAeT8B5Pbu5nGL0z8+VETWK5o1QQvlxdwZrJR8p8ntoZ66WBGfWJ8SpNgtBaHONItFWShm4fYUXVEu81+L8N4Q1cb7WkJ+V/a51Ny7lrD8jxWXXjleFo/wDu0EXYHupobwoF5HLHHSb7z3HSWKbYgTnCxKWLYcowNcmRUZaswaEWzR2T3DPMHwfo0Lo/OPflvYNDj2ohi+QkyDia4yEyuMNdHEgs28EnPkfEh/uS3Jx9KkX4BWZjMN9XaI8cLpW7eEidxXC78mBXcTSVYXUOOIHVrrU7RioTcHDRjw1jvtaOc16vjzL3N7p/r/nhmwI8QEyolE48/xZidhK/RQrh0sYvgcmqZRgLGYI';
const BODY_E = `{"id":"EV-2018022511223320873","create_time":"2024-01-01T12:00:06+08:00","resource_type":"encrypt-resource","event_type":"TRANSACTION.SUCCESS","summary":"支付成功","resource":{"original_type":"transaction","algorithm":"AEAD_AES_256_GCM","ciphertext":"${CIPHER_E}","associated_data":"transaction","nonce":"sbxNonce0001"}}`;
const SIG_E =
  'EDnxIvwsfk2A8NfdYgS/XiMSMbWoX8R6XPcB3G9SInkII5Gn4L2fmTj6mPbFHsY0Ris8DKx1vFF6rUm8Y3Xq3KjSMpptD8TPAcdLReUMiuWH2UshcI1hDcrh+YpAG/MOyLs74OAnbuCSzL/CytS4XH1G5kumjjlBBl5J7OqO+ASQQmjj3ibjc42uBjAFhBLCksqVebnoDNZyzMcvEpRK2fY7Vv/WfOQTQAO0Zm6NvSBefCO/wJisHl7xPODXQPweCZ/F4k+gZvF/ZLyPp6QqyxUHtbdEhCW5T2qPmMBK5UGH3DbZO4vJ0jAgridlVZmhDjc+W61Zr2Imj+YCFskP5g==';

const verify = (message: string | Buffer, signature: string) =>
  createVerify('RSA-SHA256').update(message).verify(OFFICIAL_PUBLIC_KEY, signature, 'base64');

/** A receiver that knows the official key as its WeChat Pay public key. */
const receiver = {
  publicKeyId: 'PUB_KEY_ID_0114232134912410000000000000',
  publicKeyPem: OFFICIAL_PUBLIC_KEY,
} as MerchantFile;
const headers = (signature: string) =>
  new Headers({
    'Wechatpay-Timestamp': TS,
    'Wechatpay-Nonce': NONCE,
    'Wechatpay-Serial': receiver.publicKeyId,
    'Wechatpay-Signature': signature,
  });

describe('signature vectors (§9.1)', () => {
  it('A and B: the sandbox’s string to sign verifies the official request signatures', () => {
    expect(
      verify(signatureMessage('POST', '/v3/pay/transactions/jsapi', TS, NONCE, Buffer.from(BODY_A)), SIG_A),
    ).toBe(true);
    expect(verify(signatureMessage('GET', '/v3/certificates', TS, NONCE, Buffer.alloc(0)), SIG_B)).toBe(true);
  });

  it('C: the mini-program paySign over appId\\ntimeStamp\\nnonceStr\\npackage\\n', () => {
    const message = `wx2421b1c4370ec43b\n${TS}\n${NONCE}\nprepay_id=wx201410272009395522657a690389285100\n`;
    expect(verify(message, SIG_C)).toBe(true);
  });

  it('D and E: a receiver verifies signed answers (also the empty 204) and the full callback', () => {
    const prepay = Buffer.from('{"prepay_id":"wx201410272009395522657a690389285100"}');
    expect(verifySignature(receiver, headers(SIG_D_PREPAY), prepay)).toBe(true);
    expect(verifySignature(receiver, headers(SIG_D_EMPTY), Buffer.alloc(0))).toBe(true);
    expect(verifySignature(receiver, headers(SIG_E), Buffer.from(BODY_E))).toBe(true);
    expect(
      verifySignature(receiver, headers(SIG_E), Buffer.from(BODY_E.replace('支付成功', '支付失败'))),
    ).toBe(false);
  });

  it('parses the Authorization parameters in each order the clients use', () => {
    const p = { mchid: '1900007291', nonce_str: NONCE, signature: SIG_A, timestamp: TS, serial_no: SERIAL };
    const orders = [
      ['mchid', 'nonce_str', 'signature', 'timestamp', 'serial_no'],
      ['mchid', 'nonce_str', 'timestamp', 'serial_no', 'signature'],
      ['mchid', 'serial_no', 'timestamp', 'nonce_str', 'signature'],
    ] as const;
    for (const order of orders) {
      const header = `WECHATPAY2-SHA256-RSA2048 ${order.map((k) => `${k}="${p[k]}"`).join(',')}`;
      expect(parseAuthorization(header)).toEqual({ scheme: 'WECHATPAY2-SHA256-RSA2048', params: p });
    }
    expect(parseAuthorization(`WECHATPAY2-SHA256-RSA2048 mchid="1",mchid="2"`).params).toBeUndefined();
  });
});

describe('AES-256-GCM vectors (§9.1 E, §9.3)', () => {
  it.each([
    ['0123456789abcdef0123456789abcdef', 'sbxNonce0001', 'transaction', PLAIN_E, CIPHER_E],
    [
      'a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb',
      'uluk4a9R25RW',
      'associatedData',
      'message',
      'ulwSiIajGClcvcOYvOQ7+l+0PAbzzwI=',
    ],
    [
      '0123456789abcdef0123456789abcdef',
      '0123456789abcdef',
      'world',
      'hello',
      'APoZlYpivU3HjbAiB4CvW1rAFr8J',
    ],
    ['0123456789abcdef0123456789abcdef', '0123456789abcdef', '', '', 'GvpmmdtYwexXIPhySs9Tlg=='],
  ])('key %s nonce %s: encrypts and decrypts exactly', (key, nonce, aad, plain, cipher) => {
    expect(encryptResource(key, nonce, aad, plain)).toBe(cipher);
    expect(decryptResource(key, nonce, aad, cipher)).toBe(plain);
    expect(() => decryptResource(key, nonce, `${aad}x`, cipher)).toThrow();
  });
});

describe('the official request over real HTTP', () => {
  let sandbox: SandboxProcess;
  beforeAll(async () => {
    sandbox = await startSandboxProcess({
      args: ['--functions', fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-v3-fns-'))],
    });
    // The official merchant's own configuration: its mchid, appid and key, registered by the user.
    await post(`${sandbox.url}/sandbox/v3/merchant`, { mchid: '1900007291', appid: 'wxd678efh567hg6787' });
    await post(`${sandbox.url}/sandbox/v3/merchant/keys`, { pem: OFFICIAL_PUBLIC_KEY, serial: SERIAL });
  });
  afterAll(() => sandbox.stop());

  const auth = (signature: string) =>
    `WECHATPAY2-SHA256-RSA2048 mchid="1900007291",nonce_str="${NONCE}",signature="${signature}",timestamp="${TS}",serial_no="${SERIAL}"`;

  it('accepts vector A’s order and vector B’s certificate download, byte for byte', async () => {
    const a = await fetch(`${sandbox.url}/v3/pay/transactions/jsapi`, {
      method: 'POST',
      headers: { Authorization: auth(SIG_A), 'Content-Type': 'application/json' },
      body: BODY_A,
    });
    expect(a.status).toBe(200);
    expect(((await a.json()) as { prepay_id: string }).prepay_id).toMatch(/^wx/);
    const b = await fetch(`${sandbox.url}/v3/certificates`, { headers: { Authorization: auth(SIG_B) } });
    expect(b.status).toBe(200);
    const swapped = await fetch(`${sandbox.url}/v3/certificates`, {
      headers: { Authorization: auth(SIG_A) },
    });
    expect(swapped.status).toBe(401);
  });
});
