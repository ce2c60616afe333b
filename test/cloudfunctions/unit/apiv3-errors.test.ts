/** @jest-environment node */
/** WeChat's v3 errors keep their meaning as the kit's error codes (reference §8, §15). */
import { WechatPayError } from '../../../cloudfunctions/common/providers/apiv3/client';
import { providerFailure, rfc3339 } from '../../../cloudfunctions/common/providers/apiv3/provider';

test.each<[Error, string, RegExp]>([
  [new WechatPayError(401, 'SIGN_ERROR', '签名错误'), 'NOT_CONFIGURED', /SIGN_ERROR 签名错误/],
  [
    new WechatPayError(400, 'APPID_MCHID_NOT_MATCH', 'appid和mch_id不匹配'),
    'NOT_CONFIGURED',
    /APPID_MCHID_NOT_MATCH/,
  ],
  [
    new WechatPayError(500, 'SYSTEM_ERROR', '系统错误'),
    'PAY_PROVIDER_ERROR',
    /SYSTEM_ERROR 系统错误; try again$/,
  ],
  [new WechatPayError(429, 'FREQUENCY_LIMITED', '频率超限'), 'PAY_PROVIDER_ERROR', /try again$/],
  [
    new WechatPayError(400, 'PARAM_ERROR', '参数错误', { location: 'body', value: 0.01 }),
    'PAY_PROVIDER_ERROR',
    /PARAM_ERROR 参数错误 \{"location":"body","value":0.01\}$/,
  ],
  // No detail at all: nothing is assumed (wechatpay-go#216).
  [
    new WechatPayError(400, 'PARAM_ERROR', '输入源“/body/appid”映射到字段“公众号ID”必填性规则校验失败'),
    'PAY_PROVIDER_ERROR',
    /必填性规则校验失败$/,
  ],
  [new Error('socket hang up'), 'PAY_PROVIDER_ERROR', /did not answer; try again/],
  // What to put right, by the variables the merchant set (§1.3, §15: an unknown merchant serial).
  [
    new WechatPayError(401, 'SIGN_ERROR', '商户证书序列号有误。'),
    'NOT_CONFIGURED',
    /SIGN_ERROR 商户证书序列号有误。; PAYKIT_MCH_SERIAL_NO must be the 证书序列号 of the API certificate whose private key the functions have/,
  ],
  [
    new WechatPayError(400, 'APPID_MCHID_NOT_MATCH', 'appid和mch_id不匹配'),
    'NOT_CONFIGURED',
    /; bind PAYKIT_APPID to PAYKIT_MCHID in 商户平台 → 产品中心 → AppID账号管理$/,
  ],
  // §2.3 / §15: a Wechatpay-Serial WeChat does not know, as the docs and an older report answer it.
  ...['INVALID_REQUEST', 'PARAM_ERROR'].map((code): [Error, string, RegExp] => [
    new WechatPayError(400, code, '平台证书序列号Wechatpay-Serial错误'),
    'NOT_CONFIGURED',
    /; PAYKIT_WECHATPAY_PUBLIC_KEY_ID must be the id shown with the WeChat Pay public key/,
  ]),
])('%s → %s', (err, code, message) => {
  const failure = providerFailure('jsapi', err);
  expect(failure.code).toBe(code);
  expect(failure.message).toMatch(message);
});

test('times are RFC 3339 in Beijing time', () => {
  expect(rfc3339(Date.UTC(2024, 2, 15, 2, 30, 5))).toBe('2024-03-15T10:30:05+08:00');
});
