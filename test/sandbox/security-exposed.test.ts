/** @jest-environment node */
/**
 * The sandbox exposed beyond loopback (`--host 0.0.0.0`, to preview on a phone): start warns loudly
 * and prints the access token, every request needs it (the functions' SDK calls get it from the
 * sandbox), the CLI sends it, and it survives a restart. The Origin and Host rules still hold.
 * All traffic of this suite goes to 127.0.0.1.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { EVIL, JSON_TYPE, PRICE_ATTACK, errorOf, raw } from '../helpers/raw-http';
import { ROOT, startSandboxProcess, type SandboxProcess } from '../helpers/sandbox';

describe('a sandbox exposed beyond loopback (--host 0.0.0.0)', () => {
  let sandbox: SandboxProcess;
  let base: string;
  let token: string;

  beforeAll(async () => {
    // Bound to every interface, but every request of this test goes to 127.0.0.1.
    sandbox = await startSandboxProcess({
      args: ['--host', '0.0.0.0', '--allow-origin', 'http://localhost:5173'],
    });
    base = sandbox.url;
    token = fs.readFileSync(path.join(sandbox.dataDir, 'access-token'), 'utf8').trim();
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  test('start prints a loud warning and the token, even with --quiet, and keeps the token', () => {
    expect(new URL(base).hostname).toBe('127.0.0.1');
    expect(token).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    expect(sandbox.output()).toContain('WARNING: the sandbox listens on 0.0.0.0');
    expect(sandbox.output()).toContain(`access token: ${token}`);
    const ready = sandbox
      .output()
      .split('\n')
      .find((l) => l.startsWith('{"ready"'));
    expect(JSON.parse(ready!)).toMatchObject({ token });
  });

  test('without the token (or with a wrong one) every route answers 401', async () => {
    const routes: Array<[string, string]> = [
      ['GET', '/sandbox/status'],
      ['GET', '/sandbox/db/export'],
      ['POST', '/sandbox/db/import'],
      ['POST', '/gateway/call'],
      ['POST', '/admin'],
    ];
    for (const [method, route] of routes) {
      const body = method === 'POST' ? PRICE_ATTACK : undefined;
      const headers = method === 'POST' ? JSON_TYPE : {};
      const none = await raw(base, method, route, headers, body);
      expect({ route, status: none.status }).toEqual({ route, status: 401 });
      expect(errorOf(none).code).toBe('UNAUTHORIZED');
      expect(errorOf(none).message).toContain('X-Paykit-Token');
      const wrong = await raw(base, method, route, { ...headers, 'x-paykit-token': `${token}x` }, body);
      expect({ route, status: wrong.status }).toEqual({ route, status: 401 });
    }
    const doc = await raw(base, 'GET', '/sandbox/db/paykit_products/coffee-latte', {
      'x-paykit-token': token,
    });
    expect((doc.body as { data: { price: number } }).data.price).toBe(2800);
  });

  test('with the token, the control API, the gateway and the SDK inside the functions work', async () => {
    const status = await raw(base, 'GET', '/sandbox/status', { authorization: `Bearer ${token}` });
    expect(status.status).toBe(200);
    const call = await raw(
      base,
      'POST',
      '/gateway/call',
      { ...JSON_TYPE, 'x-paykit-token': token },
      JSON.stringify({
        name: 'unifiedOrder',
        openid: 'oBuyer',
        data: { items: [{ sku: 'coffee-latte', quantity: 1 }] },
      }),
    );
    expect(call.status).toBe(200);
    // unifiedOrder read the price and wrote the order through /admin, which the token reached too.
    expect(call.body).toMatchObject({ ok: true, result: { ok: true, data: { totalFee: 2800 } } });
  });

  test('the CLI sends the token from $PAYKIT_SANDBOX_TOKEN; without it, it says what is missing', async () => {
    const cli = (env: Record<string, string>) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [path.join(ROOT, 'dist/sandbox/cli.js'), 'status', '--url', base],
          { cwd: sandbox.dataDir, env: { ...process.env, PAYKIT_SANDBOX_TOKEN: '', ...env } },
          (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
        );
      });
    const withToken = await cli({ PAYKIT_SANDBOX_TOKEN: token });
    expect(withToken.code).toBe(0);
    expect(withToken.stdout).toContain(`sandbox    ${base}`);
    const without = await cli({});
    expect(without.code).toBe(1);
    expect(without.stderr).toContain('(401 UNAUTHORIZED)');
    expect(without.stderr).toContain('access token');
  });

  test('the token does not lift the Origin and Host rules; --allow-origin adds an origin', async () => {
    const withToken = { 'x-paykit-token': token };
    expect((await raw(base, 'GET', '/sandbox/status', { ...withToken, origin: EVIL })).status).toBe(403);
    const rebound = await raw(base, 'GET', '/sandbox/status', {
      ...withToken,
      host: `evil.example:${new URL(base).port}`,
    });
    expect(rebound.status).toBe(403);
    const allowed = await raw(base, 'GET', '/sandbox/status', {
      ...withToken,
      origin: 'http://localhost:5173',
    });
    expect(allowed.status).toBe(200);
  });

  test('a restart on the same data folder keeps the token (DevTools keeps working)', async () => {
    await sandbox.stop();
    sandbox = await startSandboxProcess({ dataDir: sandbox.dataDir, args: ['--host', '0.0.0.0'] });
    base = sandbox.url;
    expect(sandbox.output()).toContain(`access token: ${token}`);
    expect((await raw(base, 'GET', '/sandbox/status', { 'x-paykit-token': token })).status).toBe(200);
  });
});
