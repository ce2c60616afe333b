/** @jest-environment node */
import {
  formatFen,
  formatPrice,
  formatServiceFee,
  isFen,
  lineTotal,
  parseYuan,
} from '../../../miniprogram/paykit/money';
import { loadWxs } from '../../helpers/wxs';

type WxsMoney = { formatFen(fen: unknown): string; formatPrice(fen: unknown): string };

describe('formatFen', () => {
  test.each([
    [0, '0.00'],
    [1, '0.01'],
    [5, '0.05'],
    [10, '0.10'],
    [99, '0.99'],
    [100, '1.00'],
    [1234, '12.34'],
    [990, '9.90'],
    [100000, '1000.00'],
    [-250, '-2.50'],
    [-7, '-0.07'],
    [Number.MAX_SAFE_INTEGER, '90071992547409.91'],
  ])('%d fen → %s', (fen, text) => {
    expect(formatFen(fen)).toBe(text);
  });

  test('cases where dividing floats goes wrong come out exact', () => {
    // 0.29 * 100 !== 29 and 1.005 rounds down in float; digit formatting has neither problem.
    expect(formatFen(29)).toBe('0.29');
    expect(formatFen(100_5)).toBe('10.05');
    expect(formatFen(2 ** 53 - 1)).toBe('90071992547409.91');
  });

  test.each([12.5, NaN, Infinity, -Infinity, 2 ** 53])('refuses %p', (bad) => {
    expect(() => formatFen(bad)).toThrow(RangeError);
  });
});

describe('formatPrice, isFen, lineTotal', () => {
  test('prefixes the currency after the sign', () => {
    expect(formatPrice(1234)).toBe('¥12.34');
    expect(formatPrice(-250)).toBe('-¥2.50');
    expect(formatPrice(0)).toBe('¥0.00');
  });

  test('isFen accepts safe integers only', () => {
    expect(isFen(0)).toBe(true);
    expect(isFen(-3)).toBe(true);
    expect(isFen(1.5)).toBe(false);
    expect(isFen('100')).toBe(false);
    expect(isFen(2 ** 53)).toBe(false);
  });

  test('lineTotal multiplies exactly and refuses overflow', () => {
    expect(lineTotal(990, 3)).toBe(2970);
    expect(() => lineTotal(2 ** 52, 4)).toThrow(RangeError);
  });
});

describe('money.wxs, the template twin', () => {
  const wxs = loadWxs<WxsMoney>('money');

  test.each([0, 1, 5, 99, 100, 1234, 990, -250, -7, 123456789])('formats %d like money.ts', (fen) => {
    expect(wxs.formatFen(fen)).toBe(formatFen(fen));
    expect(wxs.formatPrice(fen)).toBe(formatPrice(fen));
  });

  test('renders nothing for a non-integer rather than a wrong amount', () => {
    expect(wxs.formatFen(12.5)).toBe('');
    expect(wxs.formatPrice(undefined)).toBe('');
    expect(wxs.formatPrice('12')).toBe('');
  });
});

describe('formatServiceFee (bill fees in 0.00001 yuan)', () => {
  test('keeps every significant digit, at least two decimals, without floats', () => {
    expect(formatServiceFee(600)).toBe('0.006');
    expect(formatServiceFee(123456)).toBe('1.23456');
    expect(formatServiceFee(100000)).toBe('1.00');
    expect(formatServiceFee(0)).toBe('0.00');
    expect(formatServiceFee(-1200)).toBe('-0.012');
    expect(() => formatServiceFee(1.5)).toThrow(RangeError);
  });
});

describe('parseYuan (an amount typed in yuan)', () => {
  test('reads digits into exact fen', () => {
    expect(parseYuan('12.34')).toBe(1234);
    expect(parseYuan('5')).toBe(500);
    expect(parseYuan('0.5')).toBe(50);
    expect(parseYuan('0.07')).toBe(7);
    expect(parseYuan(' 3. ')).toBe(300);
    // 1.15 * 100 is 114.99999999999999 in floats; digits give 115.
    expect(parseYuan('1.15')).toBe(115);
    expect(parseYuan('999999999.99')).toBe(99999999999);
  });

  test('refuses signs, a third decimal, letters, exponents and empty text', () => {
    for (const text of ['', '.5', '-1', '+1', '1.234', '1e3', 'abc', '1,000', '1 000', '1000000000']) {
      expect(parseYuan(text)).toBeUndefined();
    }
  });
});
