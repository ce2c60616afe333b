/** @jest-environment node */
import { paySign, sign, signString, signingString, verify } from '../../sandbox/pay/sign';
import { PAY_SIGN_VECTOR, SIGN_VECTOR } from '../helpers/constants';

describe('v2 signing (reference §12 official vectors)', () => {
  const { key, fields } = SIGN_VECTOR;

  it('builds stringA from sorted non-empty fields, without sign', () => {
    expect(signingString({ ...fields, sign: 'X', empty: '', missing: undefined })).toBe(SIGN_VECTOR.stringA);
  });

  it('MD5 vector', () => {
    expect(sign(fields, key, 'MD5')).toBe(SIGN_VECTOR.md5);
  });

  it('HMAC-SHA256 vector', () => {
    expect(sign(fields, key, 'HMAC-SHA256')).toBe(SIGN_VECTOR.hmacSha256);
  });

  it('paySign vector', () => {
    expect(paySign(PAY_SIGN_VECTOR.fields, PAY_SIGN_VECTOR.key)).toBe(PAY_SIGN_VECTOR.paySign);
  });

  it('signString appends the key itself', () => {
    expect(signString(signingString(fields), key)).toBe(SIGN_VECTOR.md5);
  });

  it('verify accepts its own sign and rejects a tampered field', () => {
    const signed = { ...fields, sign: sign(fields, key) };
    expect(verify(signed, key)).toBe(true);
    expect(verify({ ...signed, body: 'tampered' }, key)).toBe(false);
  });
});
