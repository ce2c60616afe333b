/**
 * Checking a patch of emulation settings from the control API (pay/config.ts, shipping/config.ts):
 * every key must be a known setting, a choice one of its values, anything else of its default's type.
 * Answers the reason a patch is wrong, naming the valid keys or values, or undefined when it is fine.
 */
export interface SettingsRules<T extends object> {
  defaults: T;
  /** The values each choice-valued setting takes. */
  choices: Partial<Record<keyof T, readonly string[]>>;
  /** Numbers (and arrays of numbers) are whole (`whole`) or any finite number (`any`), never negative. */
  numbers: 'whole' | 'any';
  /** A setting's own rule beyond its type, checked once the type is right. */
  also?: (key: keyof T, value: unknown, show: string) => string | undefined;
}

export function settingsPatchProblem<T extends object>(
  rules: SettingsRules<T>,
  patch: Record<string, unknown>,
): string | undefined {
  const keys = Object.keys(rules.defaults) as Array<keyof T & string>;
  const isNumber = (v: unknown): v is number =>
    typeof v === 'number' &&
    (rules.numbers === 'whole' ? Number.isSafeInteger(v) : Number.isFinite(v)) &&
    v >= 0;
  const numberWord = rules.numbers === 'whole' ? 'a whole number ≥ 0' : 'a non-negative number';
  for (const [key, value] of Object.entries(patch)) {
    const known = keys.find((k) => k === key);
    if (!known) return `unknown setting ${key}; the settings are ${keys.join(', ')}`;
    const current: unknown = rules.defaults[known];
    const choices = rules.choices[known];
    const show = JSON.stringify(value);
    if (choices) {
      if (!choices.includes(value as string))
        return `${key} must be one of ${choices.join(', ')}; got ${show}`;
    } else if (Array.isArray(current)) {
      const numbers = typeof current[0] === 'number';
      const ok = Array.isArray(value) && value.every((v) => (numbers ? isNumber(v) : typeof v === 'string'));
      if (!ok)
        return `${key} must be an array of ${numbers ? 'non-negative numbers' : 'strings'}; got ${show}`;
    } else if (typeof current === 'number') {
      if (!isNumber(value)) return `${key} must be ${numberWord}; got ${show}`;
    } else if (typeof value !== typeof current) {
      return `${key} must be a ${typeof current}; got ${show}`;
    }
    const own = rules.also?.(known, value, show);
    if (own) return own;
  }
  return undefined;
}
