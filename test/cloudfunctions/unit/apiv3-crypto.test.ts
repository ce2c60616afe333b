/** @jest-environment node */
/**
 * The APIv3 cryptography against the reference's vectors (§9): official signatures made with
 * WeChat's published test key verify with its public key, and the kit's own signing, verification,
 * paySign and AES-256-GCM decryption agree with them.
 */
import { createPublicKey, generateKeyPairSync } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import {
  answerMessage,
  authorization,
  decryptResource,
  paySignMessage,
  requestMessage,
  rsaSign,
  rsaVerify,
  withinWindow,
} from '../../../cloudfunctions/common/providers/apiv3/crypto';

/** Copied from wechatpay-apiv3-reference.md §9.1 and §4.1 (test/fixtures/apiv3/official-vectors.json). */
const vectors = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../../fixtures/apiv3/official-vectors.json'), 'utf8'),
) as Record<
  'publicKey' | 'A' | 'B' | 'C' | 'CAPP' | 'D' | 'D204' | 'Eplain' | 'Ebody' | 'Esig' | 'body41',
  string
>;
const officialKey = createPublicKey(vectors.publicKey);
const TS = '1554208460';
const NONCE = '593BEC0C930BF1AFEB40B4A08C8FB242';
const PREPAY = 'wx201410272009395522657a690389285100';

describe('official vectors verify (§9.1)', () => {
  test('A: a JSAPI order request', () => {
    const message = requestMessage('POST', '/v3/pay/transactions/jsapi', TS, NONCE, vectors.body41);
    expect(rsaVerify(message, vectors.A, officialKey)).toBe(true);
    expect(rsaVerify(message.replace('"total":100', '"total":1'), vectors.A, officialKey)).toBe(false);
  });

  test('B: a GET with no body ends with an empty line', () => {
    expect(requestMessage('get', '/v3/certificates', TS, NONCE, '')).toBe(
      `GET\n/v3/certificates\n${TS}\n${NONCE}\n\n`,
    );
    expect(rsaVerify(requestMessage('GET', '/v3/certificates', TS, NONCE, ''), vectors.B, officialKey)).toBe(
      true,
    );
  });

  test('C: the mini-program paySign, and not the APP variant', () => {
    const message = paySignMessage('wx2421b1c4370ec43b', TS, NONCE, `prepay_id=${PREPAY}`);
    expect(rsaVerify(message, vectors.C, officialKey)).toBe(true);
    expect(rsaVerify(message, vectors.CAPP, officialKey)).toBe(false);
    expect(
      rsaVerify(paySignMessage('wx2421b1c4370ec43b', TS, NONCE, PREPAY), vectors.CAPP, officialKey),
    ).toBe(true);
  });

  test('D: signed answers, including the empty 204 of close', () => {
    expect(rsaVerify(answerMessage(TS, NONCE, `{"prepay_id":"${PREPAY}"}`), vectors.D, officialKey)).toBe(
      true,
    );
    expect(rsaVerify(answerMessage(TS, NONCE, ''), vectors.D204, officialKey)).toBe(true);
    expect(rsaVerify(answerMessage(TS, NONCE, ''), vectors.D, officialKey)).toBe(false);
  });

  test('E: a payment notification verifies on its raw bytes and decrypts with the APIv3 key', () => {
    const body = Buffer.from(vectors.Ebody, 'utf8');
    expect(rsaVerify(answerMessage(TS, NONCE, body), vectors.Esig, officialKey)).toBe(true);
    // One byte changed anywhere in the body: the signature fails.
    const tampered = Buffer.from(body);
    tampered[tampered.indexOf('"summary"') + 12] ^= 1;
    expect(rsaVerify(answerMessage(TS, NONCE, tampered), vectors.Esig, officialKey)).toBe(false);
    const envelope = JSON.parse(vectors.Ebody) as {
      resource: { ciphertext: string; nonce: string; associated_data: string; algorithm: string };
    };
    expect(decryptResource(envelope.resource, '0123456789abcdef0123456789abcdef')).toBe(vectors.Eplain);
  });
});

describe('AES-256-GCM (§9.3)', () => {
  test('the wechatpay-java vector', () => {
    const resource = {
      ciphertext: 'ulwSiIajGClcvcOYvOQ7+l+0PAbzzwI=',
      nonce: 'uluk4a9R25RW',
      associated_data: 'associatedData',
    };
    expect(decryptResource(resource, 'a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb')).toBe('message');
  });

  test('a wrong tag, wrong AAD or wrong key is refused, never decrypted', () => {
    const resource = {
      ciphertext: 'ulwSiIajGClcvcOYvOQ7+l+0PAbzzwI=',
      nonce: 'uluk4a9R25RW',
      associated_data: 'associatedData',
    };
    const bytes = Buffer.from(resource.ciphertext, 'base64');
    bytes[bytes.length - 1] ^= 1;
    const key = 'a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb';
    expect(() => decryptResource({ ...resource, ciphertext: bytes.toString('base64') }, key)).toThrow();
    expect(() => decryptResource({ ...resource, associated_data: 'other' }, key)).toThrow();
    expect(() => decryptResource(resource, key.replace('a', 'b'))).toThrow();
    expect(() => decryptResource(resource, 'short')).toThrow(/32 bytes/);
    expect(() => decryptResource({ ...resource, algorithm: 'AEAD_SM4_GCM' }, key)).toThrow(/algorithm/);
  });
});

test("the kit's own signatures: Authorization header and round trip", () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const header = authorization(
    { mchid: '1900007291', serialNo: '408B07E79B8269FEC3D5D3E6AB8ED163A6A380DB', privateKey },
    {
      method: 'POST',
      canonicalUrl: '/v3/pay/transactions/jsapi',
      body: vectors.body41,
      timestamp: TS,
      nonce: NONCE,
    },
  );
  const params = Object.fromEntries([...header.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  expect(header.startsWith('WECHATPAY2-SHA256-RSA2048 ')).toBe(true);
  expect(params).toEqual(expect.objectContaining({ mchid: '1900007291', nonce_str: NONCE, timestamp: TS }));
  const message = requestMessage('POST', '/v3/pay/transactions/jsapi', TS, NONCE, vectors.body41);
  expect(rsaVerify(message, params.signature, publicKey)).toBe(true);
  expect(rsaSign(message, privateKey)).toBe(params.signature);
});

test('the ±300 s window', () => {
  const now = 1554208460_000;
  expect(withinWindow(TS, now)).toBe(true);
  expect(withinWindow(String(1554208460 + 299), now)).toBe(true);
  expect(withinWindow(String(1554208460 + 300), now)).toBe(false);
  expect(withinWindow(String(1554208460 - 301), now)).toBe(false);
  expect(withinWindow('not-a-time', now)).toBe(false);
});
