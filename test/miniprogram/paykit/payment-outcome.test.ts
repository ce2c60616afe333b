/** @jest-environment node */
import { isCancelMessage, paymentOutcome } from '../../../miniprogram/paykit/payment';

describe('paymentOutcome', () => {
  test('ok is paid', () => {
    expect(paymentOutcome('requestPayment:ok')).toEqual({ status: 'paid' });
  });

  test('cancel is a plain outcome, including the pre-6.5.2 message', () => {
    expect(paymentOutcome('requestPayment:fail cancel')).toEqual({ status: 'cancelled' });
    expect(isCancelMessage('requestPayment:cancel')).toBe(true);
  });

  test('any other failure is failed, with the WeChat reason kept as detail', () => {
    const outcome = paymentOutcome('requestPayment:fail 订单已过期');
    expect(outcome.status).toBe('failed');
    if (outcome.status !== 'failed') throw new Error('unreachable');
    expect(outcome.error.code).toBe('PAYMENT_FAILED');
    expect(outcome.error.message).toBe('支付失败，请稍后再试');
    expect(outcome.error.detail).toBe('requestPayment:fail 订单已过期');
  });

  test('a failure that merely mentions cancel is not a cancel', () => {
    expect(isCancelMessage('requestPayment:fail cancelled by risk control')).toBe(false);
  });
});
