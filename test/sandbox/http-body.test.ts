/** @jest-environment node */
/**
 * readBody (sandbox/cloud/protocol.ts), under every route that takes a body: the whole body however
 * it is cut into chunks, an empty one for a GET, and over the limit a 413 with the connection dropped
 * (the attacker's upload is not drained).
 */
import * as http from 'http';
import type { AddressInfo } from 'net';
import { readBody } from '../../sandbox/cloud/protocol';
import { SandboxError } from '../../sandbox/errors';

const LIMIT = 64;
let server: http.Server;
let port: number;
const outcomes: Array<{ body?: string; error?: SandboxError }> = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    readBody(req, LIMIT).then(
      (body) => {
        outcomes.push({ body: body.toString('utf8') });
        res.end(`read ${body.length}`);
      },
      (error: SandboxError) => {
        outcomes.push({ error });
        res.end('refused');
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Sends `parts` as separate writes (chunked), resolving with the answer or the transport error. */
function send(method: string, parts: string[]): Promise<string> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: '/', agent: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve(text));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(`error ${err.code}`));
    for (const part of parts) req.write(part);
    req.end();
  });
}

test('a body sent in pieces is read whole; a GET without one reads empty', async () => {
  expect(await send('POST', ['{"a":', '"水"', ',"b":1}'])).toBe(
    `read ${Buffer.byteLength('{"a":"水","b":1}')}`,
  );
  expect(outcomes.pop()).toEqual({ body: '{"a":"水","b":1}' });
  expect(await send('GET', [])).toBe('read 0');
  expect(outcomes.pop()).toEqual({ body: '' });
});

test('a body over the limit is refused with 413 and its connection dropped', async () => {
  const answer = await send('POST', ['x'.repeat(40), 'y'.repeat(40)]);
  expect(answer).toMatch(/^error (ECONNRESET|EPIPE)$/);
  const { error } = outcomes.pop()!;
  expect(error).toBeInstanceOf(SandboxError);
  expect(error).toMatchObject({ code: 'INVALID_PARAM', httpStatus: 413 });
  expect(error!.message).toBe(`request body over ${LIMIT} bytes`);
});
