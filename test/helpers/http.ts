/**
 * The one HTTP client of the test helpers: the sandbox CLI's own (sandbox/http-client.ts, node's
 * http module), which runs in node and jsdom suites alike (jsdom has no fetch) and lets a test send
 * exactly the headers it wants, Host included.
 */
export { httpRequest, type HttpAnswer, type HttpOptions } from '../../sandbox/http-client';

/** The parsed JSON of an answer; the text itself when it is not JSON, undefined when empty. */
export function parseBody(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return text;
  }
}
