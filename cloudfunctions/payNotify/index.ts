/**
 * payNotify (APIv3): WeChat Pay's payment notification, through CloudBase's HTTP access service (an
 * HTTP route with authentication off points here). Verifies the signature on the raw body,
 * decrypts, confirms with WeChat, then answers 2xx, 4xx for a forgery, or 5xx to be delivered again.
 */
import { initCloud, loadKit } from '../common/context';
import { ServerError } from '../common/errors';
import {
  handleV3Notification,
  type IntegrationRequest,
  type IntegrationResponse,
} from '../common/providers/apiv3/notify';

initCloud();

export async function main(event: IntegrationRequest): Promise<IntegrationResponse> {
  try {
    return await handleV3Notification(loadKit(), event, 'payment');
  } catch (err) {
    const reason = err instanceof ServerError ? `${err.code}: ${err.message}` : String(err);
    console.error('[paykit] payNotify failed:', reason);
    return {
      statusCode: 500,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ code: 'FAIL', message: '处理失败' }),
    };
  }
}
