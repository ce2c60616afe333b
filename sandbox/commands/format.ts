/** Human-readable output of the control commands: aligned tables, Beijing times, yuan. */
import { BEIJING_OFFSET_MS } from '../beijing';

/** `2024-03-15 12:00:00` in Beijing time (the zone of every WeChat Pay time). */
export function beijing(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  return new Date(ms + BEIJING_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

export function yuan(fen: number): string {
  return `¥${(fen / 100).toFixed(2)}`;
}

export function duration(ms: number): string {
  if (ms % 86_400_000 === 0 && ms) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0 && ms) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms) return `${ms / 60_000}m`;
  if (ms % 1000 === 0 && ms) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/**
 * A span as people read it, to the second: `184d 5h 32m 28s`, `6m`, `1m 30s` (units as `clock
 * advance` takes them); under half a second, in ms.
 */
export function readableDuration(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  let seconds = Math.round(Math.abs(ms) / 1000);
  if (!seconds) return `${sign}${Math.abs(Math.round(ms))}ms`;
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (seconds >= size) parts.push(`${Math.floor(seconds / size)}${unit}`);
    seconds %= size;
  }
  return sign + parts.join(' ');
}

/** A plain text table; `empty` is printed instead when there are no rows. */
export function table(header: string[], rows: string[][], empty = '(none)'): string {
  if (!rows.length) return empty;
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i] - width(c))))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** Display width: CJK characters take two columns. */
function width(text: string): number {
  let w = 0;
  for (const ch of text)
    w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(
      ch,
    )
      ? 2
      : 1;
  return w;
}

/** One-line JSON, shortened for a table cell. */
export function brief(value: unknown, max = 48): string {
  if (value === undefined) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
