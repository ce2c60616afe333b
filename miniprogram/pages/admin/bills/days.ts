/** Bill days as WeChat names them (yyyyMMdd, Beijing time), by integer date arithmetic only. */
const DAY_MS = 86_400_000;
const BEIJING_MS = 8 * 3_600_000;

/** The Beijing day containing `ms`, as yyyyMMdd. */
export function beijingDay(ms: number): string {
  return new Date(ms + BEIJING_MS).toISOString().slice(0, 10).replace(/-/g, '');
}

/** WeChat Pay makes day D's bill from 09:00 Beijing on D+1, to be fetched from 10:00 (reference §8.1). */
const BILL_OUT_MS = 10 * 3_600_000;

/**
 * The last day that has a bill: yesterday in Beijing from 10:00, the day before until then (asked
 * earlier, WeChat answers Bill Creating, which the page could only show as the service failing).
 */
export function lastBillDay(now = Date.now()): string {
  return beijingDay(now - DAY_MS - BILL_OUT_MS);
}

/** WeChat keeps a bill 3 months (reference §8.1): an older day is refused as invalid bill_date. */
const HISTORY_MONTHS = 3;

/**
 * The first day that still has a bill: today in Beijing, 3 months back (a day the month lacks runs
 * into the next, as WeChat Pay's emulation counts it). Before it, WeChat's refusal could only be
 * shown as the service failing.
 */
export function firstBillDay(now = Date.now()): string {
  return dayAt(beijingDay(now), HISTORY_MONTHS, 0);
}

/** A real calendar day as yyyyMMdd (not 20240231). */
export function isBillDay(value: unknown): value is string {
  return typeof value === 'string' && /^\d{8}$/.test(value) && shiftDay(value, 0) === value;
}

/** yyyyMMdd shifted by whole days. */
export function shiftDay(day: string, days: number): string {
  return dayAt(day, 0, days);
}

/** `day` less `monthsBack` months, plus `days` days. */
function dayAt(day: string, monthsBack: number, days: number): string {
  const at = Date.UTC(
    Number(day.slice(0, 4)),
    Number(day.slice(4, 6)) - 1 - monthsBack,
    Number(day.slice(6, 8)),
  );
  return new Date(at + days * DAY_MS).toISOString().slice(0, 10).replace(/-/g, '');
}

/** '20240501' ⇄ '2024-05-01' (the date picker's form). */
export function toPickerDate(day: string): string {
  return `${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6, 8)}`;
}
export function fromPickerDate(value: string): string {
  return value.replace(/-/g, '');
}
