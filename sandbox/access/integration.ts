/**
 * CloudBase's integration request and response (reference §10.2): the event an event-type function
 * behind the HTTP access service receives, and how its return value becomes the HTTP answer.
 */
import { randomUUID } from 'node:crypto';

export interface AccessRequest {
  method: string;
  /** Path plus query, as requested. */
  url: string;
  /** Header names as sent (any case); repeated headers as arrays. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface AccessAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface IntegrationEvent {
  path: string;
  httpMethod: string;
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
  queryStringParameters: Record<string, string>;
  multiValueQueryStringParameters: Record<string, string[]>;
  requestContext: {
    requestId: string;
    envId: string;
    appId: string;
    uin: string;
    httpMethod: string;
    path: string;
  };
  body: string;
  isBase64Encoded: boolean;
}

/** A map without a prototype: a header or query name like `constructor` or `__proto__` is just a key. */
function plainMap<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** Bodies passed as text: JSON, text and forms that are valid UTF-8; anything else is base64. */
function asText(contentType: string, body: Buffer): string | undefined {
  if (!body.length) return '';
  if (!/^(application\/(json|x-www-form-urlencoded|xml)|text\/)/i.test(contentType)) return undefined;
  const text = body.toString('utf8');
  return Buffer.from(text, 'utf8').equals(body) ? text : undefined;
}

export function integrationEvent(
  req: AccessRequest,
  ids: { envId: string; appId: string },
  opts: { base64Bodies?: boolean } = {},
): IntegrationEvent {
  const url = new URL(req.url, 'http://access');
  const headers = plainMap<string>();
  const multiValueHeaders = plainMap<string[]>();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    const key = name.toLowerCase();
    multiValueHeaders[key] = [...(multiValueHeaders[key] ?? []), ...values];
    headers[key] = multiValueHeaders[key].join(',');
  }
  const queryStringParameters = plainMap<string>();
  const multiValueQueryStringParameters = plainMap<string[]>();
  for (const [k, v] of url.searchParams) {
    queryStringParameters[k] = v;
    multiValueQueryStringParameters[k] = [...(multiValueQueryStringParameters[k] ?? []), v];
  }
  const text = opts.base64Bodies ? undefined : asText(headers['content-type'] ?? '', req.body);
  const path = decodeURIComponent(url.pathname);
  return {
    path,
    httpMethod: req.method,
    headers,
    multiValueHeaders,
    queryStringParameters,
    multiValueQueryStringParameters,
    requestContext: {
      requestId: randomUUID(),
      envId: ids.envId,
      appId: ids.appId,
      uin: '100000000001',
      httpMethod: req.method,
      path,
    },
    body: text ?? req.body.toString('base64'),
    isBase64Encoded: text === undefined,
  };
}

function isIntegrationResponse(value: unknown): value is {
  statusCode: number;
  headers?: Record<string, unknown>;
  body?: unknown;
  isBase64Encoded?: boolean;
} {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { statusCode?: unknown }).statusCode === 'number'
  );
}

/** A string or number → 200 text/plain; a plain object → JSON; an integration response as given. */
export function integrationAnswer(result: unknown): AccessAnswer {
  if (isIntegrationResponse(result)) {
    const headers = plainMap<string>();
    for (const [k, v] of Object.entries(result.headers ?? {})) headers[k.toLowerCase()] = String(v);
    const raw = result.body;
    const text = raw === undefined || raw === null ? '' : typeof raw === 'string' ? raw : JSON.stringify(raw);
    const body = Buffer.from(text, result.isBase64Encoded ? 'base64' : 'utf8');
    return { status: result.statusCode, headers, body };
  }
  if (result === undefined || result === null) return { status: 200, headers: {}, body: Buffer.alloc(0) };
  if (typeof result === 'string' || typeof result === 'number' || typeof result === 'boolean') {
    return {
      status: 200,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: Buffer.from(String(result)),
    };
  }
  return {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: Buffer.from(JSON.stringify(result), 'utf8'),
  };
}
