/**
 * WeChat Cloud timer-trigger cron: seven fields, `second minute hour day-of-month month
 * day-of-week year`, evaluated in Beijing time (UTC+8). Each field takes `*`, numbers, ranges
 * `a-b`, lists `a,b` and steps `*\/n` or `a-b/n`; months and weekdays also take names (JAN, MON).
 * When both day-of-month and day-of-week are restricted, a day matching either fires (WeChat's
 * documented "or" rule).
 */
import { BEIJING_OFFSET_MS } from '../beijing';
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldSpec {
  min: number;
  max: number;
  names?: string[];
  /** Index a name maps to (months are 1-based, weekdays 0-based). */
  nameBase?: number;
}

const FIELDS: FieldSpec[] = [
  { min: 0, max: 59 }, // second
  { min: 0, max: 59 }, // minute
  { min: 0, max: 23 }, // hour
  { min: 1, max: 31 }, // day of month
  { min: 1, max: 12, names: MONTHS, nameBase: 1 }, // month
  { min: 0, max: 6, names: WEEKDAYS, nameBase: 0 }, // day of week
  { min: 1970, max: 2199 }, // year
];

export interface CronSchedule {
  source: string;
  fields: Array<Set<number>>;
  /** Whether day-of-month / day-of-week were given as `*`. */
  anyDay: boolean;
  anyWeekday: boolean;
}

export function parseCron(source: string): CronSchedule {
  const parts = source.trim().split(/\s+/);
  if (parts.length !== 7) {
    throw new Error(`cron "${source}" must have 7 fields: second minute hour day month weekday year`);
  }
  const fields = parts.map((part, i) => parseField(part, FIELDS[i], source));
  return {
    source,
    fields,
    anyDay: parts[3] === '*' || parts[3] === '?',
    anyWeekday: parts[5] === '*' || parts[5] === '?',
  };
}

function parseField(part: string, spec: FieldSpec, source: string): Set<number> {
  const out = new Set<number>();
  const value = (token: string): number => {
    const upper = token.toUpperCase();
    const named = spec.names?.indexOf(upper) ?? -1;
    const n = named >= 0 ? named + (spec.nameBase ?? 0) : /^\d+$/.test(token) ? Number(token) : NaN;
    // Weekday 7 is Sunday too.
    const normalized = spec.names === WEEKDAYS && n === 7 ? 0 : n;
    if (!Number.isInteger(normalized) || normalized < spec.min || normalized > spec.max) {
      throw new Error(`cron "${source}": "${token}" is out of range ${spec.min}-${spec.max}`);
    }
    return normalized;
  };
  for (const item of part.split(',')) {
    const [range, stepText] = item.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`cron "${source}": bad step in "${item}"`);
    let lo: number;
    let hi: number;
    if (range === '*' || range === '?') [lo, hi] = [spec.min, spec.max];
    else if (range.includes('-')) {
      const [a, b] = range.split('-');
      [lo, hi] = [value(a), value(b)];
    } else {
      lo = value(range);
      hi = stepText === undefined ? lo : spec.max;
    }
    if (lo > hi) throw new Error(`cron "${source}": empty range "${item}"`);
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

/** The first firing time strictly after `afterMs` (ms since epoch), or undefined if none before 2200. */
export function nextFire(schedule: CronSchedule, afterMs: number): number | undefined {
  const [sec, min, hour, day, month, weekday, year] = schedule.fields;
  // Work on a Date whose UTC fields read as Beijing wall-clock time.
  const t = new Date(Math.floor((afterMs + BEIJING_OFFSET_MS) / 1000) * 1000 + 1000);
  const dayMatches = (d: Date) => {
    const dom = day.has(d.getUTCDate());
    const dow = weekday.has(d.getUTCDay());
    if (schedule.anyDay) return dow;
    if (schedule.anyWeekday) return dom;
    return dom || dow;
  };
  for (let guard = 0; guard < 200_000; guard++) {
    if (t.getUTCFullYear() > 2199) return undefined;
    if (!year.has(t.getUTCFullYear())) {
      t.setUTCFullYear(t.getUTCFullYear() + 1, 0, 1);
      t.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!month.has(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!dayMatches(t)) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!hour.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
      continue;
    }
    if (!min.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
      continue;
    }
    if (!sec.has(t.getUTCSeconds())) {
      t.setUTCSeconds(t.getUTCSeconds() + 1, 0);
      continue;
    }
    return t.getTime() - BEIJING_OFFSET_MS;
  }
  return undefined;
}
