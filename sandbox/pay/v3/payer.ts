/**
 * The v3 payment parameters of `wx.requestPayment` (reference §4.3, §15): `paySign` is SHA256withRSA
 * by the merchant's API key over `appId\ntimeStamp\nnonceStr\npackage\n` (appId from the order, not
 * passed to requestPayment), `signType` exactly `RSA`, `timeStamp` a string. A wrong or misspelt one
 * fails as WeChat's sheet does: 支付验证签名失败.
 */
import { createVerify } from 'node:crypto';
import { keyOf } from './auth';
import type { MerchantProfile } from '../../merchant';
import { APIV3_ENV, type PayContext } from '../context';
import type { Json } from './validate';

export const SIGN_FAILED = '支付验证签名失败';

/**
 * For a prepay of an APIv3 order: undefined when the parameters are genuine, else the failure text
 * after `requestPayment:fail `. Other prepays (cloudPay) are not this check's business.
 */
export function verifyPaySign(ctx: PayContext, merchant: MerchantProfile, params: Json): string | undefined {
  const { timeStamp, nonceStr, package: pkg, signType, paySign } = params;
  const match = typeof pkg === 'string' ? /^prepay_id=(\S+)$/.exec(pkg) : null;
  const prepay = match ? ctx.records.prepay(match[1]) : undefined;
  const trade = prepay && ctx.records.trade(prepay.sub_mch_id, prepay.out_trade_no);
  if (!match || !trade || trade.env_id !== APIV3_ENV) return undefined;
  if (typeof timeStamp !== 'string' || !/^\d{1,32}$/.test(timeStamp)) return SIGN_FAILED;
  if (typeof nonceStr !== 'string' || !nonceStr || nonceStr.length > 32) return SIGN_FAILED;
  if (signType !== 'RSA' || typeof paySign !== 'string') return SIGN_FAILED;
  const message = `${trade.sub_appid}\n${timeStamp}\n${nonceStr}\n${match[0]}\n`;
  const genuine = merchant.merchantKeys.some((key) =>
    createVerify('RSA-SHA256').update(message).verify(keyOf(key.publicKeyPem, 'public'), paySign, 'base64'),
  );
  return genuine ? undefined : SIGN_FAILED;
}
