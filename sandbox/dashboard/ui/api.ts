/**
 * The dashboard's one HTTP client: same-origin requests to the sandbox's own routes, JSON both
 * ways, the access token (when the sandbox listens beyond loopback) in the X-Paykit-Token header,
 * and every failure turned into an ApiError carrying the server's `{ error: { code, message } }`.
 */
import { TOKEN_HEADER } from '../shared';

const TOKEN_KEY = 'paykit.dashboard.token';

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 0,
    /** What the UI's own text for the code needs (`retryAt` of CLOSE_TOO_EARLY, a refused `input`). */
    readonly params: Readonly<Record<string, string | number>> = {},
  ) {
    super(message);
  }
}

/**
 * The token the printed dashboard URL carries once (`/#token=…`): kept in sessionStorage (this tab
 * only) and taken out of the address bar, so it is not bookmarked, shared or left in history.
 */
export function adoptToken(): void {
  const m = /^#token=([A-Za-z0-9_-]+)/.exec(location.hash);
  if (!m) return;
  sessionStorage.setItem(TOKEN_KEY, m[1]);
  history.replaceState(null, '', `${location.pathname}#/`);
}

export function authHeaders(): Record<string, string> {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { [TOKEN_HEADER]: token } : {};
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: { ...authHeaders(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch (err) {
    throw new ApiError('NETWORK', `the sandbox did not answer (${(err as Error).message}): is it running?`);
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    throw new ApiError(
      'BAD_ANSWER',
      `${method} ${path} answered ${res.status} with something not JSON`,
      res.status,
    );
  }
  if (!res.ok) {
    const error = (parsed as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    throw new ApiError(
      typeof error?.code === 'string' ? error.code : `HTTP_${res.status}`,
      typeof error?.message === 'string' ? error.message : `${method} ${path} answered ${res.status}`,
      res.status,
    );
  }
  return parsed as T;
}

export const get = <T>(path: string): Promise<T> => request<T>('GET', path);
export const post = <T>(path: string, body: unknown): Promise<T> => request<T>('POST', path, body);
// A JSON body, as the sandbox's cross-site rules require of every non-GET request from a page.
export const del = <T>(path: string): Promise<T> => request<T>('DELETE', path, {});

/** A query string of the values that are set. */
export function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const text = q.toString();
  return text ? `?${text}` : '';
}

/** A kit function's answer (`{ ok, data }` or `{ ok: false, code, message }`). */
interface KitAnswer<T> {
  ok: boolean;
  data?: T;
  code?: string;
  message?: string;
  retryAt?: number;
}

/**
 * Calls a cloud function as `openid` through the gateway, the way the mini-program does (and the
 * CLI's `call --as`); a kit function's `{ ok: false, code, message }` becomes an ApiError too.
 */
export async function callAs<T>(openid: string, name: string, data: Record<string, unknown>): Promise<T> {
  const answer = await post<{ result: KitAnswer<T> }>('/gateway/call', { name, openid, data });
  const result = answer.result;
  if (!result || result.ok !== true) {
    throw new ApiError(
      result?.code ?? 'FUNCTION_FAILED',
      result?.message ?? `${name} did not answer ok`,
      0,
      typeof result?.retryAt === 'number' ? { retryAt: result.retryAt } : {},
    );
  }
  return result.data as T;
}
