/** @jest-environment node */
import { loadWxs } from '../../helpers/wxs';

type WxsTime = {
  dateTime(ms: unknown): string;
  clock(ms: unknown): string;
  left(until: number, now: number): string;
};

const time = loadWxs<WxsTime>('time');
const NOW = Date.parse('2024-05-01T07:30:00+08:00');

describe('time.wxs', () => {
  test('dateTime and clock are Beijing time', () => {
    expect(time.dateTime(NOW)).toBe('2024-05-01 07:30');
    expect(time.clock(NOW + 5000)).toBe('2024-05-01 07:30:05');
    expect(time.dateTime(0)).toBe('');
    expect(time.clock('12')).toBe('');
  });

  test.each([
    [17 * 60_000, '17:00'],
    [61_000, '1:01'],
    [3_600_000 + 5_000, '1:00:05'],
    // A second begun counts whole, as a countdown shows it: the last one reads 0:01, never blank.
    [1_500, '0:02'],
    [1, '0:01'],
    [0, ''],
    [-1_000, ''],
  ])('left with %i ms to go is %p', (ms, shown) => {
    expect(time.left(NOW + ms, NOW)).toBe(shown);
  });
});
