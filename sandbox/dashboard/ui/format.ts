/** Money (integer fen, shown as yuan without floating point) and times (Beijing, as WeChat Pay shows them). */
import { BEIJING_OFFSET_MS } from '../../beijing';

export function yuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}¥${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `2024-03-15 12:00:00` in Beijing time. */
export function beijingTime(ms: number): string {
  const d = new Date(ms + BEIJING_OFFSET_MS);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** `yyyy-MM-dd` of an instant in Beijing. */
export function beijingDay(ms: number): string {
  return beijingTime(ms).slice(0, 10);
}
