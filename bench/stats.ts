/** Percentiles and formatting for bench figures. */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function summarize(samplesMs: number[]): { n: number; p50: number; p99: number; mean: number } {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const mean = sorted.reduce((s, v) => s + v, 0) / (sorted.length || 1);
  return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), mean };
}

export function ms(v: number): string {
  return v < 10 ? `${v.toFixed(2)} ms` : `${v.toFixed(1)} ms`;
}

export function row(label: string, s: { n: number; p50: number; p99: number }): string {
  return `${label.padEnd(44)} n=${String(s.n).padStart(6)}  p50 ${ms(s.p50).padStart(10)}  p99 ${ms(s.p99).padStart(10)}`;
}

export function bytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(2)} MiB` : `${(n / 1024).toFixed(1)} KiB`;
}

/**
 * A figure line with the target it is measured against (issue 17: every bench line prints its
 * target beside it), and whether the figure meets it. `met` is left out where no target applies.
 */
export function withTarget(line: string, target: string, met?: boolean): string {
  const verdict = met === undefined ? '' : met ? ' ok' : ' MISSED';
  return `${line}   [target ${target}${verdict}]`;
}
