/** @jest-environment node */
import type { PaykitErrorCode } from '../../../typings/paykit/errors';
import { PaykitError, errorMessage, isPaykitErrorCode } from '../../../miniprogram/paykit/errors';
import { clientErrorText, paykitErrorText } from '../../../miniprogram/paykit/strings';

// Listing the codes as a Record makes this test fail to compile when the contract gains a code.
const contractCodes: Record<PaykitErrorCode, true> = {
  INVALID_PARAM: true,
  PRODUCT_NOT_FOUND: true,
  ORDER_NOT_FOUND: true,
  ORDER_PAID: true,
  ORDER_CLOSED: true,
  ORDER_EXPIRING: true,
  ORDER_STATE_CONFLICT: true,
  CLOSE_TOO_EARLY: true,
  FORBIDDEN: true,
  PAY_PROVIDER_ERROR: true,
  REFUND_REFUSED: true,
  NOT_CONFIGURED: true,
  UNAUTHENTICATED: true,
  SHIPPING_PENDING: true,
  SHIPPING_REFUSED: true,
  RESHIP_USED: true,
  CONTACT_REQUIRED: true,
  RECEIPT_NOT_CONFIRMED: true,
  BILL_NOT_READY: true,
  INTERNAL: true,
};

const chinese = /[\u4e00-\u9fff]/;

describe('error message table', () => {
  test('has exactly the contract codes, each with a Chinese message', () => {
    expect(Object.keys(paykitErrorText).sort()).toEqual(Object.keys(contractCodes).sort());
    for (const text of Object.values(paykitErrorText)) expect(text).toMatch(chinese);
  });

  test('client codes have Chinese messages and do not shadow contract codes', () => {
    for (const [code, text] of Object.entries(clientErrorText)) {
      expect(text).toMatch(chinese);
      expect(isPaykitErrorCode(code)).toBe(false);
    }
  });

  test('messages are distinct, so the user can tell failures apart', () => {
    const texts = [...Object.values(paykitErrorText), ...Object.values(clientErrorText)];
    expect(new Set(texts).size).toBe(texts.length);
  });
});

describe('PaykitError', () => {
  test('shows the table message and keeps the server detail apart', () => {
    const error = new PaykitError('PRODUCT_NOT_FOUND', 'sku nope not in paykit_products');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('PaykitError');
    expect(error.code).toBe('PRODUCT_NOT_FOUND');
    expect(error.message).toBe('商品不存在或已下架');
    expect(error.detail).toBe('sku nope not in paykit_products');
    expect(errorMessage('NETWORK_ERROR')).toBe(clientErrorText.NETWORK_ERROR);
  });

  test('isPaykitErrorCode recognises contract codes only', () => {
    expect(isPaykitErrorCode('ORDER_PAID')).toBe(true);
    expect(isPaykitErrorCode('PAYMENT_FAILED')).toBe(false);
    expect(isPaykitErrorCode('toString')).toBe(false);
    expect(isPaykitErrorCode(42)).toBe(false);
  });
});
