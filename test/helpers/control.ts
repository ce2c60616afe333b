/**
 * The sandbox's HTTP control and gateway API, for node-environment suites (global fetch).
 * Component suites (jsdom, no fetch) use test/helpers/wx-sandbox.ts instead.
 */
export async function post<T = Record<string, unknown>>(url: string, body: unknown): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${url} → ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

export async function get<T = Record<string, unknown>>(url: string): Promise<T> {
  const res = await fetch(url);
  const text = await res.text();
  if (!res.ok) throw new Error(`GET ${url} → ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** The answer of a call that ran: `POST /gateway/call` → 200. */
export interface CallAnswer<T> {
  ok: true;
  result: T;
  requestId: string;
}

/** The sandbox's one error shape (gateway and control API), with the HTTP status it came with. */
export interface SandboxErrorAnswer {
  error: { code: string; message: string; errCode?: number; errMsg?: string };
}

/** A request whose answer may be an error: resolves with the HTTP status and the parsed body. */
export async function send<T = unknown>(
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T }> {
  const res = await fetch(url, {
    method,
    headers: { ...(method === 'GET' ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON: keep the text for the assertion message.
  }
  return { status: res.status, body: parsed as T };
}

/** Calls a cloud function through the gateway as the given user, like wx.cloud.callFunction. */
export async function callAs<T = unknown>(
  base: string,
  openid: string,
  name: string,
  data: unknown,
): Promise<T> {
  // A call that fails is not a 200: post() throws with the sandbox's error.
  const answer = await post<CallAnswer<T>>(`${base}/gateway/call`, { name, data, openid });
  return answer.result;
}

export async function seed(base: string, data: Record<string, unknown[]>): Promise<void> {
  await post(`${base}/sandbox/db/import`, data);
}

export async function readDoc<T = Record<string, unknown>>(
  base: string,
  collection: string,
  id: string,
): Promise<T | null> {
  const res = await get<{ data: T | null }>(`${base}/sandbox/db/${collection}/${encodeURIComponent(id)}`);
  return res.data;
}

export async function query<T = Record<string, unknown>>(
  base: string,
  collection: string,
  where: Record<string, unknown> = {},
): Promise<T[]> {
  return (await post<{ data: T[] }>(`${base}/sandbox/db/query`, { collection, where })).data;
}

/** Polls until `check` returns a value other than undefined, or fails after `ms`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  ms = 5000,
  what = 'condition',
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
