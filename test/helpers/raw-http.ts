/**
 * Requests with exactly the headers an attacker (or a browser) would send, Host and Origin included
 * (fetch would not let a test set them). For the security suites of the sandbox.
 */
import type { SandboxErrorAnswer } from './control';
import { httpRequest } from './http';

export interface Answer {
  status: number;
  /** The parsed JSON, or undefined when the answer is not JSON. */
  body: unknown;
  text: string;
}

/** One request with exactly the headers given; an empty host stands for none at all. */
export async function raw(
  base: string,
  method: string,
  route: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
): Promise<Answer> {
  const sent = Object.fromEntries(Object.entries(headers).filter(([k, v]) => k !== 'host' || v));
  const { status, text } = await httpRequest(method, `${base}${route}`, {
    headers: sent,
    body,
    setHost: headers.host !== '',
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status, body: parsed, text };
}

export const JSON_TYPE = { 'content-type': 'application/json' };
export const EVIL = 'http://evil.example';
/** What a page's `fetch(url, { method: 'POST', mode: 'no-cors', body })` sends: a simple request. */
export const PRICE_ATTACK = JSON.stringify({
  paykit_products: [{ _id: 'coffee-latte', name: '拿铁咖啡', price: 1, active: true }],
});

export function errorOf(answer: Answer): SandboxErrorAnswer['error'] {
  const error = (answer.body as SandboxErrorAnswer | undefined)?.error;
  if (!error) throw new Error(`not the sandbox's error shape: ${answer.status} ${answer.text}`);
  return error;
}
