/**
 * Local mode's stand-in for WeChat's payment sheet: the developer picks what the simulated user
 * does, and the sandbox gateway pays, cancels or fails the prepay accordingly (`POST /gateway/pay`).
 * Resolves with the completion message `wx.requestPayment` would have given.
 */
import type { PaymentParams } from '../../typings/paykit/functions';
import type { PaykitConfig } from './config';
import { localPayText } from './strings';
import { gatewayHeaders } from './transport';

export type SimulatedPayAction = 'pay' | 'cancel' | 'fail';

const actions: SimulatedPayAction[] = ['pay', 'cancel', 'fail'];

function chooseAction(): Promise<SimulatedPayAction> {
  return new Promise((resolve) => {
    wx.showActionSheet({
      alertText: localPayText.title,
      itemList: [localPayText.pay, localPayText.cancel, localPayText.fail],
      success: (res) => resolve(actions[res.tapIndex] ?? 'cancel'),
      // Dismissing the sheet is what closing WeChat's payment sheet is: a cancel.
      fail: () => resolve('cancel'),
    });
  });
}

/** The pay sheet's outcome, or the gateway's refusal (`{ error: { code, message } }`) as a failure. */
function errMsgOf(answer: unknown): string | undefined {
  if (typeof answer !== 'object' || answer === null) return undefined;
  const errMsg: unknown = (answer as { errMsg?: unknown }).errMsg;
  if (typeof errMsg === 'string') return errMsg;
  const error: unknown = (answer as { error?: unknown }).error;
  const message: unknown =
    typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
  return typeof message === 'string' ? `requestPayment:fail ${message}` : undefined;
}

export async function requestLocalPayment(
  payment: PaymentParams,
  config: Readonly<PaykitConfig>,
): Promise<string> {
  const action = await chooseAction();
  return new Promise((resolve) => {
    wx.request({
      url: `${config.gatewayUrl}/gateway/pay`,
      method: 'POST',
      header: gatewayHeaders(config),
      // The whole parameter set, as wx.requestPayment gets it: the sandbox checks a v3 (RSA) paySign.
      data: { ...payment, openid: config.localOpenid, action },
      success: (res) =>
        resolve(errMsgOf(res.data) ?? `requestPayment:fail gateway answered HTTP ${res.statusCode}`),
      fail: (err) => resolve(`requestPayment:fail ${err.errMsg}`),
    });
  });
}
