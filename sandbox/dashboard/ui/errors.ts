/**
 * An error as the person reads it: the UI's own sentence for a code it knows (strings.ts
 * `errorText`, instants in Beijing time), else the server's message as it was sent.
 */
import type { ApiError } from './api';
import { beijingTime } from './format';
import { strings } from './strings';

export function errorMessage(e: ApiError): string {
  const template = strings().errorText[e.code];
  if (template === undefined) return e.message;
  const values: Record<string, string> = { detail: e.message };
  for (const [key, value] of Object.entries(e.params)) {
    values[key] = key.endsWith('At') && typeof value === 'number' ? beijingTime(value) : String(value);
  }
  const names = [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '');
  // A sentence that would miss one of its values says less than the server did.
  if (names.some((n) => values[n] === undefined)) return e.message;
  return template.replace(/\{(\w+)\}/g, (_, k: string) => values[k] ?? '');
}
