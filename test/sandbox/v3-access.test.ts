/** @jest-environment node */
/**
 * The HTTP access service (reference §10.2): a test function behind a route receives CloudBase's
 * integration request event and its integration response (or plain value) becomes the HTTP answer.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { get, post } from '../helpers/control';
import { buildFixtureFunctions } from '../helpers/fixtures';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox';

let sandbox: SandboxProcess;

beforeAll(async () => {
  // Routes from a file in the project, plus one from the command line.
  const routesFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-routes-')), 'http-routes.json');
  fs.writeFileSync(routesFile, JSON.stringify({ routes: { '/from-file/': 'httpEcho' } }));
  sandbox = await startSandboxProcess({
    args: [
      '--functions',
      buildFixtureFunctions(['httpEcho']),
      '--routes',
      routesFile,
      '--route',
      '/echo=httpEcho',
    ],
  });
});
afterAll(() => sandbox.stop());

interface Event {
  path: string;
  httpMethod: string;
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
  queryStringParameters: Record<string, string>;
  requestContext: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

describe('integration request and response', () => {
  it('hands the function the integration event and answers its integration response', async () => {
    const headers = new Headers({ 'Content-Type': 'application/json', 'X-Custom-Header': 'A' });
    headers.append('X-Multi', 'one');
    headers.append('X-Multi', 'two');
    const body = '{"id":"EV-1","summary":"支付成功"}';
    const res = await fetch(`${sandbox.url}/echo/sub/path?x=1&y=%E4%B8%AD`, {
      method: 'POST',
      headers,
      body,
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-echo')).toBe('yes');
    const event = (await res.json()) as Event;
    expect(event).toMatchObject({
      path: '/echo/sub/path',
      httpMethod: 'POST',
      queryStringParameters: { x: '1', y: '中' },
      requestContext: { envId: sandbox.envId, requestId: expect.any(String), appId: expect.any(String) },
      body,
      isBase64Encoded: false,
    });
    expect(event.headers['x-custom-header']).toBe('A');
    expect(event.headers['content-type']).toBe('application/json');
    expect(Object.keys(event.headers).every((k) => k === k.toLowerCase())).toBe(true);
    expect(event.multiValueHeaders['x-custom-header']).toEqual(['A']);
    // The raw bytes survive the trip, so a signature over them still verifies.
    expect(Buffer.from(event.body, 'utf8').equals(Buffer.from(body, 'utf8'))).toBe(true);
  });

  it('passes a binary body as base64', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 251, 252]);
    const res = await fetch(`${sandbox.url}/echo`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: bytes,
    });
    const event = (await res.json()) as Event;
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body, 'base64').equals(bytes)).toBe(true);
  });

  it('passes even a JSON body as base64 when the setting says so (unconfirmed gateway behaviour)', async () => {
    await post(`${sandbox.url}/sandbox/access/config`, { base64Bodies: true });
    try {
      const body = '{"summary":"支付成功"}';
      const res = await fetch(`${sandbox.url}/echo`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body,
      });
      const event = (await res.json()) as Event;
      expect(event.isBase64Encoded).toBe(true);
      expect(Buffer.from(event.body, 'base64').toString('utf8')).toBe(body);
    } finally {
      await post(`${sandbox.url}/sandbox/access/config`, { base64Bodies: false });
    }
  });

  it('answers a plain string as text/plain and a plain object as JSON', async () => {
    const text = await fetch(`${sandbox.url}/echo?as=text`);
    expect([text.status, text.headers.get('content-type'), await text.text()]).toEqual([
      200,
      'text/plain; charset=utf-8',
      'hello from httpEcho',
    ]);
    const object = await fetch(`${sandbox.url}/echo?as=object`);
    expect(object.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await object.json()).toEqual({ echoed: true });
  });

  it('lists routes with the access domain, adds one at runtime, and leaves other paths alone', async () => {
    const listed = await get<{ domain: string; routes: unknown[] }>(`${sandbox.url}/sandbox/access/routes`);
    expect(listed.domain).toBe(`${sandbox.envId}-1300000000.ap-shanghai.app.tcloudbase.com`);
    expect(listed.routes).toEqual([
      { path: '/from-file', functionName: 'httpEcho' },
      { path: '/echo', functionName: 'httpEcho' },
    ]);
    expect(await (await fetch(`${sandbox.url}/from-file?as=object`)).json()).toEqual({ echoed: true });
    expect((await fetch(`${sandbox.url}/echoes`)).status).toBe(404);
    await post(`${sandbox.url}/sandbox/access/routes`, { path: '/hook', function: 'httpEcho' });
    const res = await fetch(`${sandbox.url}/hook?as=object`);
    expect(await res.json()).toEqual({ echoed: true });
    const bad = await fetch(`${sandbox.url}/sandbox/access/routes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: 'no-slash', function: 'httpEcho' }),
    });
    expect(bad.status).toBe(400);
  });

  it('answers 502 when the routed function does not exist, without touching other routes', async () => {
    await post(`${sandbox.url}/sandbox/access/routes`, { path: '/ghost', function: 'noSuchFunction' });
    const res = await fetch(`${sandbox.url}/ghost`, { method: 'POST', body: 'x' });
    expect(res.status).toBe(502);
    expect(((await res.json()) as { message: string }).message).toMatch(/noSuchFunction/);
    expect((await fetch(`${sandbox.url}/echo?as=text`)).status).toBe(200);
  });
});
