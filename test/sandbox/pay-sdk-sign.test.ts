/** @jest-environment node */
/**
 * Signatures as a user's function receives them through the real wx-server-sdk: `payment.paySign`
 * over the five wx.requestPayment fields and the answer's own `sign`, in MD5 and HMAC-SHA256,
 * recomputed here independently of the emulator (with the sandbox's provider key, which a real
 * merchant never has). The signer is first checked against WeChat's official test vectors.
 */
import { createHash, createHmac } from 'crypto';
import { PAY_SIGN_VECTOR, SIGN_VECTOR } from '../helpers/constants';
import { startPaySdk, type PaySdk } from '../helpers/paysdk';

let sdk: PaySdk;
let apiKey: string;

beforeAll(async () => {
  sdk = await startPaySdk(['cloudpay']);
  apiKey = String((await sdk.config()).apiKey);
});

afterAll(async () => {
  await sdk?.stop();
});

function v2Sign(fields: Record<string, unknown>, key: string, type: string): string {
  const stringA = Object.keys(fields)
    .filter((k) => k !== 'sign' && fields[k] !== '' && fields[k] !== undefined && fields[k] !== null)
    .filter((k) => typeof fields[k] !== 'object')
    .sort()
    .map((k) => `${k}=${String(fields[k])}`)
    .join('&');
  return signString(stringA, key, type);
}

function signString(stringA: string, key: string, type: string): string {
  const data = `${stringA}&key=${key}`;
  const hex =
    type === 'MD5'
      ? createHash('md5').update(data, 'utf8').digest('hex')
      : createHmac('sha256', key).update(data, 'utf8').digest('hex');
  return hex.toUpperCase();
}

/** The SDK camelCased the answer (`/_[a-z]/`); undo it and drop what the SDK added, to re-check `sign`. */
function backToSnake(res: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(res)) {
    if (k === 'errCode' || k === 'errMsg') continue;
    out[k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = v;
  }
  return out;
}

test('the test signer reproduces the official vectors', () => {
  const { stringA, key, md5, hmacSha256 } = SIGN_VECTOR;
  expect(signString(stringA, key, 'MD5')).toBe(md5);
  expect(signString(stringA, key, 'HMAC-SHA256')).toBe(hmacSha256);
  expect(v2Sign(PAY_SIGN_VECTOR.fields, PAY_SIGN_VECTOR.key, 'MD5')).toBe(PAY_SIGN_VECTOR.paySign);
});

describe.each(['MD5', 'HMAC-SHA256'])('sign type %s', (signType) => {
  beforeAll(async () => {
    await sdk.config({ signType });
  });
  afterAll(async () => {
    await sdk.config({ signType: 'MD5' });
  });

  test('payment.paySign signs exactly appId, nonceStr, package, signType, timeStamp', async () => {
    const res = await sdk.ok('unifiedOrder', sdk.orderParams());
    const payment = res.payment as Record<string, string>;
    expect(Object.keys(payment).sort()).toEqual([
      'appId',
      'nonceStr',
      'package',
      'paySign',
      'signType',
      'timeStamp',
    ]);
    expect(payment.signType).toBe(signType);
    expect(payment.paySign).toMatch(signType === 'MD5' ? /^[0-9A-F]{32}$/ : /^[0-9A-F]{64}$/);
    const { paySign, ...five } = payment;
    expect(paySign).toBe(v2Sign(five, apiKey, signType));
  });

  test("the answers' own sign covers every field they carry", async () => {
    const params = sdk.orderParams({ attach: 'signed' });
    const order = await sdk.ok('unifiedOrder', params);
    expect(order.sign).toBe(v2Sign(backToSnake(order), apiKey, signType));
    const query = await sdk.queryOrder(params.outTradeNo);
    expect(query.sign).toBe(v2Sign(backToSnake(query), apiKey, signType));
    // A FAIL answer was signed with its err_code, which the SDK overwrote (errCode: 0, reference §1).
    const missing = await sdk.queryOrder('NOSUCHORDER0009');
    expect(missing.errCode).toBe(0);
    expect(missing.sign).not.toBe(v2Sign(backToSnake(missing), apiKey, signType));
    expect(missing.sign).toBe(
      v2Sign({ ...backToSnake(missing), err_code: 'ORDERNOTEXIST' }, apiKey, signType),
    );
  });
});
