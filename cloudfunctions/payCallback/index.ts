/**
 * payCallback: WeChat Pay calls this after a payment. Any client can call it too, so it trusts
 * nothing in the event: it looks the attempt up and confirms with WeChat Pay before recording.
 * `{ errcode: 0 }` tells WeChat to stop retrying; it is answered only once the outcome is durable.
 */
import { initCloud, loadKit } from '../common/context';
import { finalWithoutPayment, handlePaymentNotification } from '../common/payments';

initCloud();

export async function main(event: unknown, context: unknown): Promise<{ errcode: number; errmsg: string }> {
  try {
    const e =
      event && typeof event === 'object' && !Array.isArray(event) ? (event as Record<string, unknown>) : {};
    const { verdict, hook } = await handlePaymentNotification(loadKit(context), e);
    // Nothing is left to do for it: a delivery again would tell the kit nothing.
    if (finalWithoutPayment(verdict)) return { errcode: 0, errmsg: '' };
    if (verdict !== 'PAID' && verdict !== 'ALREADY_PAID')
      return { errcode: 1, errmsg: `not recorded: ${verdict}` };
    // The payment is recorded; an onPaid hook that failed, or is still running elsewhere, is not
    // done: WeChat's next delivery (and the sweep timer) comes back for it.
    if (hook !== 'DONE') return { errcode: 1, errmsg: `paid, but the onPaid hook is ${hook}; retry` };
    return { errcode: 0, errmsg: '' };
  } catch (err) {
    console.error('[paykit] payCallback failed:', err);
    return { errcode: 1, errmsg: 'temporary failure, retry' };
  }
}
