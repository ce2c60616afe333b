/**
 * The tcb `/admin` wire protocol that wx-server-sdk 4.x (through @cloudbase/node-sdk) speaks:
 * POST with a JSON body, or multipart/form-data for `wx.wxPayApi`; answers are JSON envelopes
 * `{ requestId, ...body }` or, for errors, `{ code, message, requestId }`.
 */
import type { IncomingMessage } from 'http';
import { SandboxError } from '../errors';

export type AdminParams = Record<string, unknown>;

/** Fields every request carries that say who is calling, not what to do. */
export interface Transport {
  action: string;
  envName: string;
  /** Set by the SDK from WX_API_TOKEN: the sandbox issues one per function invocation. */
  wxCloudApiToken: string;
}

export const MAX_BODY_BYTES = 16 * 1024 * 1024;

/**
 * The whole body. Read with listeners rather than `for await`: an async iterator per request was a
 * visible share of the sandbox's CPU at a few thousand requests a second. Over `limit`, the request
 * is destroyed (its connection dropped, as the iterator's early exit did) and the read fails.
 */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (err?: Error) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', done);
      req.off('close', onClose);
      if (err) reject(err);
      else resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      done(new SandboxError('INVALID_PARAM', `request body over ${limit} bytes`, 413));
      req.destroy();
    };
    const onEnd = () => done();
    const onClose = () => done(new Error('the request was closed before its body ended'));
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', done);
    req.once('close', onClose);
  });
}

/** Parses an `/admin` request body into its parameters (JSON, or multipart fields as Buffers). */
export function parseAdminBody(contentType: string | undefined, body: Buffer): AdminParams {
  const type = (contentType ?? '').toLowerCase();
  if (type.startsWith('multipart/form-data')) {
    const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? '');
    if (!boundary) throw new SandboxError('INVALID_PARAM', 'multipart body without boundary');
    return parseMultipart(body, boundary[1] ?? boundary[2]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8') || '{}');
  } catch {
    throw new SandboxError('INVALID_PARAM', 'request body is not valid JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new SandboxError('INVALID_PARAM', 'request body must be a JSON object');
  }
  return parsed as AdminParams;
}

export function transportOf(params: AdminParams): Transport {
  const action = fieldText(params.action);
  if (!action) throw new SandboxError('INVALID_PARAM', 'missing action');
  return {
    action,
    envName: fieldText(params.envName),
    wxCloudApiToken: fieldText(params.wxCloudApiToken),
  };
}

/** A multipart field as text (form fields arrive as Buffers). */
export function fieldText(value: unknown): string {
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return typeof value === 'string' ? value : '';
}

function parseMultipart(body: Buffer, boundary: string): AdminParams {
  const out: AdminParams = {};
  const delimiter = Buffer.from(`--${boundary}`);
  let start = body.indexOf(delimiter);
  if (start === -1) throw new SandboxError('INVALID_PARAM', 'multipart body without parts');
  for (;;) {
    start += delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break; // closing delimiter
    const headerEnd = body.indexOf('\r\n\r\n', start);
    if (headerEnd === -1) throw new SandboxError('INVALID_PARAM', 'malformed multipart part');
    const headers = body.subarray(start, headerEnd).toString('utf8');
    const next = body.indexOf(delimiter, headerEnd + 4);
    if (next === -1) throw new SandboxError('INVALID_PARAM', 'unterminated multipart body');
    const name = /name="([^"]*)"/i.exec(headers)?.[1];
    // Each part's content ends with CRLF before the next delimiter.
    if (name) out[name] = body.subarray(headerEnd + 4, next - 2);
    start = next;
  }
  return out;
}
