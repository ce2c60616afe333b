/**
 * Requests with exactly the headers an attacker (or a browser) would send: node's http lets a test
 * set Host and Origin, which fetch does not. For the security suites of the sandbox.
 */
import * as http from 'http';
import type { SandboxErrorAnswer } from './control';

export interface Answer {
  status: number;
  body: unknown;
  text: string;
}

/** One request with exactly the headers given (node's http lets a test set Host, as a browser would). */
export function raw(
  base: string,
  method: string,
  route: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // An empty host stands for none at all (an HTTP/1.0-style request).
    const setHost = headers.host !== '';
    const sent = Object.fromEntries(Object.entries(headers).filter(([k, v]) => k !== 'host' || v));
    const req = http.request(`${base}${route}`, { method, headers: sent, setHost }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        resolve({ status: res.statusCode ?? 0, body: parsed, text });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
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
