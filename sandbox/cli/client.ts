/** The control commands' HTTP client for a running sandbox's /sandbox API. */
import { CliError } from './args';

export const DEFAULT_URL = 'http://127.0.0.1:7788';

export class ControlClient {
  readonly url: string;

  constructor(url: string) {
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
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        headers: body === undefined ? undefined : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new CliError(`no sandbox at ${this.url}: run npm start (or pass --url)`);
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      throw new CliError(
        `${this.url} answered ${method} ${path} with something that is not JSON: is it the sandbox?`,
      );
    }
    if (!res.ok) {
      const err = parsed as { code?: string; message?: string };
      throw new CliError(
        `${method} ${path} failed (${res.status} ${err.code ?? ''}): ${err.message ?? text}`,
      );
    }
    return parsed as T;
  }
}
