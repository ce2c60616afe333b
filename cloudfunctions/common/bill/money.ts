/**
 * Bill amounts are decimal yuan strings ('0.03', '-0.01', '45.0', '0.00000'). They are turned into
 * integer units (fen = 2 decimals, fee units = 5 decimals) by string arithmetic: going through a
 * JavaScript number would turn 0.29 yuan into 28.999999999999996 fen.
 */

/** Decimals of each unit: fen (0.01 yuan), fee unit (0.00001 yuan), a plain count. */
export const FEN = 2;
export const FEE_UNIT = 5;
export const COUNT = 0;

const LIMIT = 1e15;

/**
 * `text` in units of 10^-scale yuan, or undefined when it is not a plain decimal ('-'? digits, then
 * '.' and digits), has non-zero digits below the unit, or is 10^15 units or more. With `round`,
 * digits below the unit are rounded half away from zero instead (for summaries printed from floats,
 * e.g. 0.47000000000000003).
 */
export function toUnits(text: string, scale: number, round = false): number | undefined {
  // UTF-8: any character but ASCII becomes bytes >= 0x80, never a digit.
  const bytes = Buffer.from(text, 'utf8');
  const units = unitsIn(bytes, 0, bytes.length, scale, round);
  return Number.isNaN(units) ? undefined : units;
}

/**
 * toUnits of the UTF-8 bytes[start, end), read in place (no substring): this runs ten times per bill
 * line. NaN where toUnits says undefined.
 */
export function unitsIn(bytes: Uint8Array, start: number, end: number, scale: number, round = false): number {
  let i = start;
  const negative = i < end && bytes[i] === 45; /* - */
  if (negative) i++;
  let units = 0;
  let wholeDigits = 0;
  let fracDigits = 0;
  let firstDropped = -1;
  for (; i < end; i++) {
    const c = bytes[i] - 48;
    if (c < 0 || c > 9) break;
    units = units * 10 + c;
    wholeDigits++;
  }
  // Appending digits never makes `units` smaller: one check after the loop is enough.
  if (wholeDigits === 0 || units >= LIMIT) return NaN;
  if (i < end) {
    if (bytes[i] !== 46 /* . */ || i === end - 1) return NaN;
    for (i++; i < end; i++) {
      const c = bytes[i] - 48;
      if (c < 0 || c > 9) return NaN;
      if (fracDigits < scale) {
        units = units * 10 + c;
        fracDigits++;
      } else if (c !== 0) {
        if (!round) return NaN;
        if (firstDropped < 0) firstDropped = c;
      } else if (firstDropped < 0) {
        firstDropped = 0;
      }
    }
  }
  for (; fracDigits < scale; fracDigits++) units *= 10;
  if (firstDropped >= 5) units++;
  if (units >= LIMIT) return NaN;
  return negative && units !== 0 ? -units : units;
}

/** Integer units back to a decimal string with `scale` decimals (for messages and bench output). */
export function fromUnits(units: number, scale: number): string {
  const sign = units < 0 ? '-' : '';
  const digits = String(Math.abs(units)).padStart(scale + 1, '0');
  if (scale === 0) return sign + digits;
  return `${sign}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}
