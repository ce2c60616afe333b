/** @jest-environment node */
/** WeChat's v3 errors keep their meaning as the kit's error codes (reference §8, §15). */
import { WechatPayError } from '../../../cloudfunctions/common/providers/apiv3/client';
import { providerFailure, rfc3339 } from '../../../cloudfunctions/common/providers/apiv3/provider';

test.each([
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
])('%s → %s', (err, code, message) => {
  const failure = providerFailure('jsapi', err);
  expect(failure.code).toBe(code);
  expect(failure.message).toMatch(message);
});

test('times are RFC 3339 in Beijing time', () => {
  expect(rfc3339(Date.UTC(2024, 2, 15, 2, 30, 5))).toBe('2024-03-15T10:30:05+08:00');
});
