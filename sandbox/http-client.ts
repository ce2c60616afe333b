/**
 * The one client request, for the CLI's control commands and the test helpers. Node's http, and
 * https only for an https URL: it is loaded on first use, since this module is part of every
 * `paykit-sandbox` process and a sandbox answers plain HTTP (~4 ms of each start otherwise).
 */
import * as http from 'http';
import type * as Https from 'https';

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

/**
 * One request: resolves for any HTTP status with the whole body as text, rejects only when nothing
 * answered (or `url` is not a URL). Not fetch, which loads undici and its WebAssembly parser on
 * first use (~40 ms of a CLI command's start), follows redirects with every header (an access
 * token included), and is missing in jsdom suites.
 */
export function httpRequest(method: string, url: string, opts: HttpOptions = {}): Promise<HttpAnswer> {
  const { headers = {}, body, setHost = true } = opts;
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const client: typeof http | typeof Https =
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use (see above)
      target.protocol === 'https:' ? (require('https') as typeof Https) : http;
    const req = client.request(target, { method, headers, setHost }, (res) => {
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
