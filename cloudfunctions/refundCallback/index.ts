/**
 * refundCallback: WeChat Pay calls this when a refund ends. Like payCallback it trusts nothing in
 * the event: it confirms the refund with WeChat before settling it, and answers `{ errcode: 0 }`
 * only once that is recorded and the onRefunded hook ran, or once WeChat said it has no such
 * refund of the order's recorded payment (NOT_THE_ORDERS: delivered again, it would be asked
 * about again for nothing). A failure to ask WeChat throws: answered 1, delivered again.
 */
import { initCloud, loadKit } from '../common/context';
import { handleRefundNotification } from '../common/refunds';

initCloud();

export async function main(event: unknown, context: unknown): Promise<{ errcode: number; errmsg: string }> {
  try {
    const e =
      event && typeof event === 'object' && !Array.isArray(event) ? (event as Record<string, unknown>) : {};
    const { verdict, hook } = await handleRefundNotification(loadKit(context), e);
    if (verdict === 'UNKNOWN_REFUND' || verdict === 'NOT_FINAL')
      return { errcode: 1, errmsg: `not recorded: ${verdict}` };
    if (hook !== 'DONE')
      return { errcode: 1, errmsg: `refund recorded, but the onRefunded hook is ${hook}; retry` };
    return { errcode: 0, errmsg: '' };
  } catch (err) {
    console.error('[paykit] refundCallback failed:', err);
    return { errcode: 1, errmsg: 'temporary failure, retry' };
  }
}
