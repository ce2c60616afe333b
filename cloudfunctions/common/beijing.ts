/** WeChat Pay's times and days are Beijing time (UTC+8, no daylight saving). */
export const BEIJING_OFFSET_MS = 8 * 3_600_000;
export const DAY_MS = 86_400_000;

/** yyyyMMddHHmmss in Beijing time, the form WeChat Pay uses for all its times. */
export function beijingStamp(ms: number): string {
  return new Date(ms + BEIJING_OFFSET_MS).toISOString().replace(/\D/g, '').slice(0, 14);
}

/** yyyyMMddHHmmss (any separators between the fields are ignored), Beijing time → ms since epoch. */
export function parseBeijing(stamp: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(stamp.replace(/\D/g, ''));
  if (!m) return NaN;
  const [, y, mo, d, h, mi, s] = m.map(Number);
  return Date.UTC(y, mo - 1, d, h, mi, s) - BEIJING_OFFSET_MS;
}

/** The Beijing day of an instant, as yyyyMMdd. */
export function beijingDay(ms: number): string {
  return beijingStamp(ms).slice(0, 8);
}

/** yyyyMMdd → the Beijing day [from, to) in ms since epoch, or undefined if it is not a calendar day. */
export function beijingDayRange(day: string): { from: number; to: number } | undefined {
  const from = parseBeijing(`${day}000000`);
  return Number.isFinite(from) && beijingDay(from) === day ? { from, to: from + DAY_MS } : undefined;
}
