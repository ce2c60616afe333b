/**
 * `wx.requestPayment` with three plain outcomes. Cancelling is something the user chose, not an
 * error, so it resolves like success does; only the caller decides what each outcome means.
 * Success here is what the client saw, not proof of payment: the order's state is the server's.
 */
import type { PaymentParams } from '../../typings/paykit/functions';
import { getPaykitConfig } from './config';
import { PaykitError } from './errors';
import { requestLocalPayment } from './local-pay';

export type PaymentOutcome =
  { status: 'paid' } | { status: 'cancelled' } | { status: 'failed'; error: PaykitError };

/** `requestPayment:fail cancel`, and `requestPayment:cancel` from clients before WeChat 6.5.2. */
export function isCancelMessage(errMsg: string): boolean {
  return /^requestPayment:(fail )?cancel$/.test(errMsg.trim());
}

/** Maps a requestPayment completion message to an outcome. */
export function paymentOutcome(errMsg: string): PaymentOutcome {
  if (errMsg === 'requestPayment:ok') return { status: 'paid' };
  if (isCancelMessage(errMsg)) return { status: 'cancelled' };
  return { status: 'failed', error: new PaykitError('PAYMENT_FAILED', errMsg) };
}

/** Resolves with the completion message, whether it came through `success` or `fail`. */
function requestWechatPayment(payment: PaymentParams): Promise<string> {
  return new Promise((resolve) => {
    wx.requestPayment({
      timeStamp: payment.timeStamp,
      nonceStr: payment.nonceStr,
      package: payment.package,
      signType: payment.signType,
      paySign: payment.paySign,
      success: (res) => resolve(res.errMsg),
      fail: (err) => resolve(err.errMsg ?? 'requestPayment:fail'),
    });
  });
}

/**
 * Opens the payment sheet for the parameters `unifiedOrder` returned. Never rejects. In local mode
 * (DevTools against the sandbox) a sandbox pay sheet stands in for WeChat's.
 */
export async function requestPayment(payment: PaymentParams): Promise<PaymentOutcome> {
  const config = getPaykitConfig();
  const errMsg =
    config.mode === 'local'
      ? await requestLocalPayment(payment, config)
      : await requestWechatPayment(payment);
  return paymentOutcome(errMsg);
}
