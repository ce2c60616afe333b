/**
 * Money is an integer number of fen end to end; it becomes yuan text only here, for display.
 * Formatting works on the digits, never on `fen / 100`, so no float ever touches an amount.
 * money.wxs is the template twin of `formatFen` and must stay in step with it.
 */
import type { Fen } from '../../typings/paykit/order';
import { moneyText } from './strings';

export function isFen(value: unknown): value is Fen {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

/** 1234 → '12.34', 5 → '0.05', -250 → '-2.50'. Throws on anything that is not a safe integer. */
export function formatFen(fen: Fen): string {
  if (!isFen(fen)) throw new RangeError(`not an integer amount of fen: ${String(fen)}`);
  const digits = String(Math.abs(fen)).padStart(3, '0');
  const yuan = digits.slice(0, -2);
  const cents = digits.slice(-2);
  return `${fen < 0 ? '-' : ''}${yuan}.${cents}`;
}

/** 1234 → '¥12.34', -250 → '-¥2.50'. */
export function formatPrice(fen: Fen): string {
  return withCurrency(formatFen(fen));
}

/** A yuan amount's text with the currency sign, after its minus: '12.34' → '¥12.34', '-0.06' → '-¥0.06'. */
export function withCurrency(yuan: string): string {
  return yuan.startsWith('-') ? `-${moneyText.currency}${yuan.slice(1)}` : `${moneyText.currency}${yuan}`;
}

/**
 * An amount typed in yuan → fen: '12.34' → 1234, '5' → 500, '0.5' → 50, ' 3. ' → 300. Undefined for
 * anything else (a sign, a third decimal, letters, more than 9 digits of yuan). Digits only, no floats.
 */
export function parseYuan(text: string): Fen | undefined {
  const match = /^(\d{1,9})(?:\.(\d{0,2}))?$/.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

/** Unit price × quantity, checked to stay an exact integer. */
export function lineTotal(unitPrice: Fen, quantity: number): Fen {
  const total = unitPrice * quantity;
  if (!isFen(total)) throw new RangeError(`amount out of range: ${unitPrice} × ${quantity}`);
  return total;
}

/**
 * WeChat's bill prints service fees in units of 0.00001 yuan: 600 → '0.006', 123456 → '1.23456',
 * 100000 → '1.00' (at least two decimals, trailing zeros beyond them dropped). Digits only, no floats.
 */
export function formatServiceFee(units: number): string {
  if (!isFen(units)) throw new RangeError(`not an integer fee: ${String(units)}`);
  const digits = String(Math.abs(units)).padStart(6, '0');
  const fraction = digits.slice(-5).replace(/0{1,3}$/, '');
  return `${units < 0 ? '-' : ''}${digits.slice(0, -5)}.${fraction}`;
}
