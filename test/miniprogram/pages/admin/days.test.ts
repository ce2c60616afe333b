/** @jest-environment node */
import {
  beijingDay,
  firstBillDay,
  fromPickerDate,
  isBillDay,
  lastBillDay,
  shiftDay,
  toPickerDate,
} from '../../../../miniprogram/pages/admin/bills/days';

describe('bill days', () => {
  test('the Beijing day of a moment, and the last day with a bill', () => {
    // 2024-05-01 16:30 UTC is 2024-05-02 00:30 in Beijing.
    const at = Date.UTC(2024, 4, 1, 16, 30);
    expect(beijingDay(at)).toBe('20240502');
    // WeChat publishes 05-01's bill at 10:00 on 05-02 (Beijing): until then the last is 04-30's.
    expect(lastBillDay(at)).toBe('20240430');
    expect(lastBillDay(Date.UTC(2024, 4, 2, 1, 59))).toBe('20240430');
    expect(lastBillDay(Date.UTC(2024, 4, 2, 2, 0))).toBe('20240501');
  });

  test('the first day with a bill is 3 months back; a bill day is a real day', () => {
    // 2024-05-31 12:00 in Beijing: 2024-02-31 runs into March, as the emulation counts it.
    expect(firstBillDay(Date.UTC(2024, 4, 31, 4))).toBe('20240302');
    expect(firstBillDay(Date.UTC(2024, 4, 15, 4))).toBe('20240215');
    expect(isBillDay('20240229')).toBe(true);
    for (const day of ['20230229', '20241399', '2024051', 'abcdefgh', undefined])
      expect(isBillDay(day)).toBe(false);
  });

  test('shifting crosses months and years', () => {
    expect(shiftDay('20240301', -1)).toBe('20240229');
    expect(shiftDay('20231231', 1)).toBe('20240101');
  });

  test('picker form round-trips', () => {
    expect(toPickerDate('20240501')).toBe('2024-05-01');
    expect(fromPickerDate('2024-05-01')).toBe('20240501');
  });
});
