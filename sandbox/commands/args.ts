/** Command-line arguments of the control commands: positionals plus `--flag value` / `--flag=value`. */

export interface Args {
  positional: string[];
  flags: Record<string, string | true>;
  /** Options that take a value but were given none (checkOptions refuses them, after unknown ones). */
  valueless: string[];
}

/** Flags that take no value. */
const SWITCHES = new Set(['json', 'clear', 'reverse', 'replace', 'help', 'after-processing', 'quiet']);

export class CliError extends Error {}

export function parseArgs(argv: string[]): Args {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  const valueless: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const key = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    if (eq > 0) flags[key] = arg.slice(eq + 1);
    else if (SWITCHES.has(key)) flags[key] = true;
    else {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) {
        flags[key] = true;
        valueless.push(key);
      } else {
        flags[key] = value;
        i++;
      }
    }
  }
  return { positional, flags, valueless };
}

/**
 * Refuses an option `name` does not take: a mistyped one (`--stat`, `--prot`) would otherwise be
 * ignored and the command run without it. `common` are the options every command of its kind takes.
 */
export function checkOptions(
  name: string,
  args: Args,
  known: readonly string[],
  common: readonly string[] = [],
): void {
  for (const key of Object.keys(args.flags)) {
    if (key === 'help' || common.includes(key) || known.includes(key)) continue;
    const list = (keys: readonly string[]) => keys.map((k) => `--${k}`).join(', ');
    const options = known.length ? `its options are ${list(known)}` : 'it takes none';
    throw new CliError(
      `${name} has no option --${key}: ${options}${common.length ? ` (and ${list(common)})` : ''}`,
    );
  }
  if (args.valueless.length) throw new CliError(`--${args.valueless[0]} needs a value`);
}

export function flag(args: Args, key: string): string | undefined {
  const v = args.flags[key];
  return typeof v === 'string' ? v : undefined;
}

export function count(args: Args, key = 'count'): number | undefined {
  const v = flag(args, key);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`--${key} must be a whole number ≥ 1, got "${v}"`);
  return n;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `6m`, `2h`, `1d`, `1h30m`, `250ms`; a bare number is milliseconds. */
export function parseDuration(text: string): number {
  if (/^\d+$/.test(text)) return Number(text);
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;
  let total = 0;
  let consumed = 0;
  for (const m of text.matchAll(part)) {
    if (m.index !== consumed) break;
    total += Number(m[1]) * UNITS[m[2]];
    consumed += m[0].length;
  }
  if (!text || consumed !== text.length) {
    throw new CliError(`"${text}" is not a duration (examples: 90s, 6m, 2h, 1d, 1h30m)`);
  }
  return Math.round(total);
}

/** An instant given as ISO 8601 (`2024-03-15T12:00:00+08:00`) or epoch milliseconds. */
export function parseInstant(text: string): number {
  const at = /^\d{11,}$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(at)) {
    throw new CliError(`"${text}" is not a time (use ISO 8601, e.g. 2024-03-15T12:00:00+08:00, or epoch ms)`);
  }
  return at;
}
