/** @jest-environment node */
import { nextFire, parseCron } from '../../sandbox/runtime/cron';

/** Beijing wall-clock time → ms since epoch. */
const bj = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0) => Date.UTC(y, mo - 1, d, h - 8, mi, s);

describe('timer-trigger cron (7 fields, Beijing time)', () => {
  test('every day at 02:00 Beijing', () => {
    const s = parseCron('0 0 2 * * * *');
    expect(nextFire(s, bj(2026, 11, 28, 1, 59, 59))).toBe(bj(2026, 11, 28, 2, 0, 0));
    expect(nextFire(s, bj(2026, 11, 28, 2, 0, 0))).toBe(bj(2026, 11, 29, 2, 0, 0));
  });

  test('steps, ranges and lists', () => {
    const every5min = parseCron('0 */5 * * * * *');
    expect(nextFire(every5min, bj(2026, 1, 1, 10, 3, 7))).toBe(bj(2026, 1, 1, 10, 5, 0));
    const workHours = parseCron('30 0 9-18/3 * * MON-FRI *');
    // 2026-11-28 is a Saturday: the next weekday slot is Monday 09:00:30.
    expect(nextFire(workHours, bj(2026, 11, 28, 12))).toBe(bj(2026, 11, 30, 9, 0, 30));
    const list = parseCron('0 0 10,22 1 JAN,JUL * *');
    expect(nextFire(list, bj(2026, 2, 1))).toBe(bj(2026, 7, 1, 10));
  });

  test('day-of-month and weekday both restricted fire on either', () => {
    const s = parseCron('0 0 0 1 * SUN *');
    // After Sat 2026-11-28, the next is Sunday the 29th, before December 1st.
    expect(nextFire(s, bj(2026, 11, 28, 1))).toBe(bj(2026, 11, 29));
    expect(nextFire(s, bj(2026, 11, 29, 1))).toBe(bj(2026, 12, 1));
  });

  test('year field and end of schedule', () => {
    const s = parseCron('0 0 0 1 1 * 2027');
    expect(nextFire(s, bj(2026, 6, 1))).toBe(bj(2027, 1, 1));
    expect(nextFire(s, bj(2027, 1, 1))).toBeUndefined();
  });

  test('malformed expressions are refused with a reason', () => {
    expect(() => parseCron('0 0 2 * * *')).toThrow(/7 fields/);
    expect(() => parseCron('0 61 2 * * * *')).toThrow(/out of range/);
    expect(() => parseCron('0 0 5-2 * * * *')).toThrow(/empty range/);
    expect(() => parseCron('0 */0 * * * * *')).toThrow(/bad step/);
  });
});
