/** WeChat Pay's time formats and bill days, in Beijing time. */
import { BEIJING_OFFSET_MS } from '../beijing';

interface Parts {
  y: string;
  M: string;
  d: string;
  h: string;
  m: string;
  s: string;
}

function parts(ms: number): Parts {
  const iso = new Date(ms + BEIJING_OFFSET_MS).toISOString();
  return {
    y: iso.slice(0, 4),
    M: iso.slice(5, 7),
    d: iso.slice(8, 10),
    h: iso.slice(11, 13),
    m: iso.slice(14, 16),
    s: iso.slice(17, 19),
  };
}

/** `yyyyMMddHHmmss` (time_start, time_expire, time_end). */
export function compactTime(ms: number): string {
  const p = parts(ms);
  return `${p.y}${p.M}${p.d}${p.h}${p.m}${p.s}`;
}

/** `yyyy-MM-dd HH:mm:ss` (bills, refund_success_time). */
export function displayTime(ms: number): string {
  const p = parts(ms);
  return `${p.y}-${p.M}-${p.d} ${p.h}:${p.m}:${p.s}`;
}

/** `yyyyMMdd`: the Beijing day of an instant (bill_date). */
export function billDay(ms: number): string {
  return compactTime(ms).slice(0, 8);
}

/** `ddHHmmss`, used inside prepay ids. */
export function prepayStamp(ms: number): string {
  return compactTime(ms).slice(6, 14);
}

/** Parses `yyyyMMddHHmmss` as Beijing time; null when malformed or not a real calendar time. */
export function parseCompactTime(text: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  const utc = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(utc);
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null;
  return utc - BEIJING_OFFSET_MS;
}

/** Start (inclusive) of a `yyyyMMdd` Beijing day in epoch ms; null when malformed. */
export function parseBillDay(text: string): number | null {
  return /^\d{8}$/.test(text) ? parseCompactTime(`${text}000000`) : null;
}

/** Adds calendar months to a Beijing day start (for the 3-month bill history). */
export function addMonths(dayStartMs: number, months: number): number {
  const d = new Date(dayStartMs + BEIJING_OFFSET_MS);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.getTime() - BEIJING_OFFSET_MS;
}

export const DAY_MS = 24 * 3600_000;
