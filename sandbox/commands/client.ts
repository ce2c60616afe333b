/** The control commands' HTTP client for a running sandbox's /sandbox API. */
import { httpRequest, type HttpAnswer } from '../http-client';
import { CliError } from './args';

export const DEFAULT_URL = 'http://127.0.0.1:7788';

export class ControlClient {
  readonly url: string;

  /** `token`: the access token of a sandbox that listens beyond loopback (ignored by one that does not). */
  constructor(
    url: string,
    private readonly token?: string,
  ) {
    this.url = url.replace(/\/+$/, '');
  }

  get<T>(path: string, query: Record<string, string | undefined> = {}): Promise<T> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, v);
    const qs = params.toString();
    return this.request<T>('GET', qs ? `${path}?${qs}` : path);
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: HttpAnswer;
    try {
      const headers: Record<string, string> = {};
      // The sandbox takes changes only as JSON (see sandbox/access.ts).
      if (method !== 'GET') headers['content-type'] = 'application/json';
      if (this.token) headers['x-paykit-token'] = this.token;
      res = await httpRequest(method, `${this.url}${path}`, {
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new CliError(`no sandbox at ${this.url}: run npm start (or pass --url)`);
    }
    const { status, text } = res;
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      throw new CliError(
        `${this.url} answered ${method} ${path} with something that is not JSON: is it the sandbox?`,
      );
    }
    if (status < 200 || status > 299) {
      // The sandbox's one error shape: { error: { code, message } }.
      const err = (parsed as { error?: { code?: string; message?: string } }).error;
      throw new CliError(
        err?.message
          ? `the sandbox refused ${method} ${path} (${status} ${err.code ?? ''}): ${err.message}`
          : `${method} ${path} failed (${status}): ${text}`,
      );
    }
    return parsed as T;
  }
}
