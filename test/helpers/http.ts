/**
 * The one HTTP client of the test helpers, on node's http module: it runs in node and jsdom suites
 * alike (jsdom has no fetch), and lets a test send exactly the headers it wants, Host included.
 */
import * as http from 'http';

export interface HttpAnswer {
  status: number;
  text: string;
}

export interface HttpOptions {
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** false: send no Host header at all (an HTTP/1.0-style request). */
  setHost?: boolean;
}

/** One request; resolves for any HTTP status, rejects only on transport errors. */
export function httpRequest(method: string, url: string, opts: HttpOptions = {}): Promise<HttpAnswer> {
  const { headers = {}, body, setHost = true } = opts;
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, setHost }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The parsed JSON of an answer; the text itself when it is not JSON, undefined when empty. */
export function parseBody(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return text;
  }
}
