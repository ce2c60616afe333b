/** @jest-environment node */
import { paySign, sign, signString, signingString, verify } from '../../sandbox/pay/sign';

describe('v2 signing (reference §12 official vectors)', () => {
  const key = '192006250b4c09247ec02edce69f6a2d';
  const fields = {
    appid: 'wxd930ea5d5a258f4f',
    mch_id: '10000100',
    device_info: '1000',
    body: 'test',
    nonce_str: 'ibuaiVcKdpRxkhJA',
  };

  it('builds stringA from sorted non-empty fields, without sign', () => {
    expect(signingString({ ...fields, sign: 'X', empty: '', missing: undefined })).toBe(
      'appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA',
    );
  });

  it('MD5 vector', () => {
    expect(sign(fields, key, 'MD5')).toBe('9A0A8659F005D6984697E2CA0A9CF3B7');
  });

  it('HMAC-SHA256 vector', () => {
    expect(sign(fields, key, 'HMAC-SHA256')).toBe(
      '6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6',
    );
  });

  it('paySign vector', () => {
    expect(
      paySign(
        {
          appId: 'wxd678efh567hg6787',
          nonceStr: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS',
          package: 'prepay_id=wx2017033010242291fcfe0db70013231072',
          signType: 'MD5',
          timeStamp: '1490840662',
        },
        'qazwsxedcrfvtgbyhnujmikolp111111',
      ),
    ).toBe('22D9B4E54AB1950F51E0649E8810ACD6');
  });

  it('signString appends the key itself', () => {
    expect(signString(signingString(fields), key)).toBe('9A0A8659F005D6984697E2CA0A9CF3B7');
  });

  it('verify accepts its own sign and rejects a tampered field', () => {
    const signed = { ...fields, sign: sign(fields, key) };
    expect(verify(signed, key)).toBe(true);
    expect(verify({ ...signed, body: 'tampered' }, key)).toBe(false);
  });
});
