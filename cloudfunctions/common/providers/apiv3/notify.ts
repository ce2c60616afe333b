/**
 * APIv3 notifications behind CloudBase's HTTP access service (reference §3, §10.2): the event is
 * an integration request, the answer an integration response. The signature is checked on the raw
 * body bytes before anything is parsed, the resource decrypted (GCM tag checked), and then, as for
 * cloudPay, WeChat is asked before anything moves: the notification is a hint, never proof.
 * 2xx once the outcome is durable; 4xx `{"code":"FAIL"}` for a notification that does not verify
 * (only a bounded log line is kept); 5xx to be delivered again.
 */
import { loadKit, type Kit } from '../../context';
import { ServerError } from '../../errors';
import { finalWithoutPayment, handlePaymentNotification } from '../../payments';
import { handleRefundNotification } from '../../refunds';
import { ApiV3Provider } from './provider';
import { verificationFailure } from './client';
import { decryptResource, type EncryptedResource } from './crypto';

export interface IntegrationRequest {
  path?: string;
  httpMethod?: string;
  headers?: Record<string, string | string[] | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
}

export interface IntegrationResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const answer = (statusCode: number, code?: string, message?: string): IntegrationResponse => ({
  statusCode,
  headers: { 'Content-Type': 'application/json; charset=utf-8' },
  body: code ? JSON.stringify({ code, message }) : '',
});

/** Headers with lower-case names, as the access service passes them (looked up case-insensitively). */
function lowerCased(headers: IntegrationRequest['headers']): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = {};
  for (const [name, value] of Object.entries(headers ?? {})) out[name.toLowerCase()] = value;
  return out;
}

export async function handleV3Notification(
  kit: Kit,
  event: IntegrationRequest,
  kind: 'payment' | 'refund',
): Promise<IntegrationResponse> {
  const provider = kit.provider;
  if (!(provider instanceof ApiV3Provider)) {
    console.error('[paykit] an APIv3 notification arrived but PAYKIT_PROVIDER is not apiv3');
    return answer(500, 'FAIL', 'not configured for APIv3');
  }
  if (event?.httpMethod && event.httpMethod.toUpperCase() !== 'POST') return answer(405, 'FAIL', 'POST only');
  const raw = Buffer.from(
    typeof event?.body === 'string' ? event.body : '',
    event?.isBase64Encoded ? 'base64' : 'utf8',
  );
  const failure = await verificationFailure(
    { headers: lowerCased(event?.headers), body: raw },
    provider.client.keys,
  );
  if (failure) {
    console.warn(`[paykit] ${kind} notification refused: ${failure}`);
    return answer(401, 'FAIL', '验签失败');
  }
  let resource: Record<string, unknown>;
  let sealed: EncryptedResource | undefined;
  try {
    sealed = (JSON.parse(raw.toString('utf8')) as { resource?: EncryptedResource }).resource;
    if (!sealed) throw new Error('no resource');
    resource = JSON.parse(decryptResource(sealed, provider.config.apiV3Key)) as Record<string, unknown>;
  } catch (err) {
    // Verified, so WeChat Pay sent it: a resource that does not open is sealed with another key (§3.3).
    const fix = sealed ? ': PAYKIT_APIV3_KEY must be the APIv3密钥 set in 商户平台 → 账户中心 → API安全' : '';
    console.warn(
      `[paykit] ${kind} notification refused: cannot decrypt (${String((err as Error).message).slice(0, 80)})${fix}`,
    );
    return answer(400, 'FAIL', '解密失败');
  }
  const amount = (resource.amount ?? {}) as Record<string, unknown>;
  if (kind === 'payment') {
    const { verdict, hook } = await handlePaymentNotification(kit, {
      outTradeNo: resource.out_trade_no,
      resultCode: resource.trade_state,
      totalFee: amount.total,
      transactionId: resource.transaction_id,
      subMchId: resource.mchid,
    });
    // A trade that is not the kit's is acknowledged: there is nothing to record, now or later; nor
    // is there for one refunded on the merchant platform, or one not matching its order (WeChat's
    // answer kept for an admin), once that is recorded (finalWithoutPayment).
    if (
      verdict === 'UNKNOWN_ATTEMPT' ||
      finalWithoutPayment(verdict) ||
      ((verdict === 'PAID' || verdict === 'ALREADY_PAID') && hook === 'DONE')
    ) {
      return answer(204);
    }
    return answer(500, 'FAIL', `not recorded yet: ${verdict}, hook ${hook}`);
  }
  const { verdict, hook } = await handleRefundNotification(kit, {
    outTradeNo: resource.out_trade_no,
    outRefundNo: resource.out_refund_no,
    refundStatus: resource.refund_status,
    refundFee: amount.refund,
    refundId: resource.refund_id,
  });
  if (
    verdict === 'UNKNOWN_REFUND' ||
    verdict === 'NOT_THE_ORDERS' ||
    ((verdict === 'SETTLED' || verdict === 'ALREADY_SETTLED') && hook === 'DONE')
  ) {
    return answer(204);
  }
  return answer(500, 'FAIL', `not recorded yet: ${verdict}, hook ${hook}`);
}

/** The `main` of payNotify / refundNotify: any failure is answered 500, so WeChat delivers again. */
export function notifyFunction(
  kind: 'payment' | 'refund',
): (event: IntegrationRequest, context: unknown) => Promise<IntegrationResponse> {
  return async (event, context) => {
    try {
      return await handleV3Notification(loadKit(context), event, kind);
    } catch (err) {
      const reason = err instanceof ServerError ? `${err.code}: ${err.message}` : String(err);
      console.error(`[paykit] ${kind} notification failed:`, reason);
      return answer(500, 'FAIL', '处理失败');
    }
  };
}
