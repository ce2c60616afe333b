/**
 * WeChat Pay delivering a payment notification to the kit once more, as the kit's functions receive
 * it: the cloudPay event to payCallback, or the APIv3 envelope (signed afresh, as WeChat signs each
 * delivery) to payNotify as the HTTP access service passes it. And a delivered notification made to
 * name another attempt, as only WeChat could make it (APIv3: the resource encrypted with the APIv3 key).
 */
import { randomBytes } from 'crypto';
import { encryptResource, gcmNonce } from '../../sandbox/pay/v3/cipher';
import { post } from './control';
import { PROVIDER } from './kit';
import type { SandboxProcess } from './sandbox';
import { decryptResource, readMerchant, sign, type MerchantFile } from './v3client';

/** The sandbox's merchant, with the WeChat Pay public key's private half (WeChat's signing key). */
const wechatKeys = (sandbox: SandboxProcess) =>
  readMerchant(sandbox.dataDir) as MerchantFile & { publicKeyPrivatePem: string };

/** Delivers `event` (a delivery's `event` from `/sandbox/pay/deliveries`) at sandbox time `now`. */
export async function deliverPayment(
  sandbox: SandboxProcess,
  event: unknown,
  now: number,
): Promise<{ acknowledged: boolean; answer: unknown }> {
  if (PROVIDER === 'cloudpay') {
    const { result } = await post<{ result: { errcode: number } }>(
      `${sandbox.url}/sandbox/functions/payCallback/invoke`,
      { data: event, source: 'wx_pay' },
    );
    return { acknowledged: result.errcode === 0, answer: result };
  }
  const keys = wechatKeys(sandbox);
  const body = JSON.stringify(event);
  const timestamp = String(Math.floor(now / 1000));
  const nonce = randomBytes(16).toString('hex');
  const { result } = await post<{ result: { statusCode: number } }>(
    `${sandbox.url}/sandbox/functions/payNotify/invoke`,
    {
      data: {
        path: '/paykit/v3/notify',
        httpMethod: 'POST',
        headers: {
          'content-type': 'application/json',
          'wechatpay-timestamp': timestamp,
          'wechatpay-nonce': nonce,
          'wechatpay-serial': keys.publicKeyId,
          'wechatpay-signature': sign(`${timestamp}\n${nonce}\n${body}\n`, keys.publicKeyPrivatePem),
        },
        body,
        isBase64Encoded: false,
      },
      source: 'wx_pay',
    },
  );
  return { acknowledged: result.statusCode === 204, answer: result };
}

/** A delivered payment notification's `event`, made to name the attempt `outTradeNo` instead. */
export function namingAttempt(
  sandbox: SandboxProcess,
  event: Record<string, unknown>,
  outTradeNo: string,
): Record<string, unknown> {
  if (PROVIDER === 'cloudpay') return { ...event, outTradeNo };
  const { apiV3Key } = wechatKeys(sandbox);
  const resource = event.resource as Record<string, string>;
  const plain = JSON.parse(decryptResource(apiV3Key, resource)) as Record<string, unknown>;
  const nonce = gcmNonce();
  const aad = resource.associated_data ?? '';
  const text = JSON.stringify({ ...plain, out_trade_no: outTradeNo });
  return {
    ...event,
    resource: { ...resource, nonce, ciphertext: encryptResource(apiV3Key, nonce, aad, text) },
  };
}
