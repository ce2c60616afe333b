/**
 * Small HTTP helpers shared by the sandbox's routes, and the one error shape of the gateway and the
 * control API: an HTTP status plus `{ "error": { "code", "message", ...details } }`.
 * (`/admin` keeps the tcb envelope wx-server-sdk expects; see cloud/protocol.ts.)
 */
import type { IncomingMessage, ServerResponse } from 'http';
import { readBody } from './cloud/protocol';
import { SandboxError } from './errors';

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** The HTTP status of a SandboxError outside `/admin`, where its own status is the tcb envelope's 200. */
const STATUS_OF_CODE: Record<string, number> = {
  INVALID_PARAM: 400,
  NOT_FOUND: 404,
  DATABASE_COLLECTION_NOT_EXIST: 404,
  FUNCTIONS_EXECUTE_FAIL: 502,
  FUNCTIONS_REQUEST_FAIL: 502,
};

export function httpStatusOf(err: SandboxError): number {
  if (err.httpStatus !== 200) return err.httpStatus;
  return STATUS_OF_CODE[err.code] ?? 500;
}

/** Answers an error in the one shape; anything that is not a SandboxError is a sandbox bug (500). */
export function sendError(res: ServerResponse, err: unknown, details: Record<string, unknown> = {}): void {
  if (!(err instanceof SandboxError)) console.error('[sandbox]', err);
  const e =
    err instanceof SandboxError ? err : new SandboxError('SYS_ERR', String((err as Error)?.message ?? err));
  if (res.headersSent) return void res.end();
  sendJson(res, err instanceof SandboxError ? httpStatusOf(e) : 500, {
    error: { code: e.code, message: e.message, ...details },
  });
}

export function badRequest(message: string): SandboxError {
  return new SandboxError('INVALID_PARAM', message, 400);
}

/** `text` (a path or one of its segments) percent-decoded; a malformed escape is a 400, not a URIError. */
export function decodePath(text: string, what = 'the path'): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw badRequest(`${what} holds a malformed percent-escape: ${JSON.stringify(text)}`);
  }
}

export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readBody(req);
  if (!body.length) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw badRequest('request body is not valid JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw badRequest('request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

export function requireString(body: Record<string, unknown>, key: string): string {
  const value = body[key];
  if (typeof value !== 'string' || !value) throw badRequest(`${key} must be a non-empty string`);
  return value;
}

export function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw badRequest(`${key} must be a string`);
  return value;
}

/** `value` if it is one of `allowed` (absent → `fallback`); otherwise a 400 naming the valid values. */
export function oneOf<T extends string>(
  key: string,
  value: unknown,
  allowed: readonly T[],
  fallback?: T,
): T | undefined {
  if (value === undefined || value === null || value === '') return fallback;
  const found = allowed.find((a) => a === value);
  if (found === undefined) {
    throw badRequest(`${key} must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}`);
  }
  return found;
}

/** A whole number ≥ `min` (absent → `fallback`); otherwise a 400 saying what is expected. */
export function wholeNumber(key: string, value: unknown, min: number, fallback?: number): number | undefined {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw badRequest(`${key} must be a whole number ≥ ${min}; got ${JSON.stringify(value)}`);
  }
  return value;
}
