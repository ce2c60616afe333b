/** Small HTTP helpers shared by the sandbox's routes. */
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

export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readBody(req);
  if (!body.length) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new SandboxError('INVALID_PARAM', 'request body is not valid JSON', 400);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new SandboxError('INVALID_PARAM', 'request body must be a JSON object', 400);
  }
  return parsed as Record<string, unknown>;
}

export function requireString(body: Record<string, unknown>, key: string): string {
  const value = body[key];
  if (typeof value !== 'string' || !value)
    throw new SandboxError('INVALID_PARAM', `${key} must be a non-empty string`, 400);
  return value;
}

export function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new SandboxError('INVALID_PARAM', `${key} must be a string`, 400);
  return value;
}
