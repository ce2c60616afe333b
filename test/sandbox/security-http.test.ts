/** @jest-environment node */
/**
 * The sandbox attacked over HTTP as a web page the developer happens to visit would (issue 10 #4),
 * black-box against a sandbox started as `npm start` starts it: a cross-site `text/plain` POST
 * (no CORS preflight) to the control API, the gateway and `/admin`; DNS rebinding (a foreign `Host`)
 * to read the database; and a sandbox exposed with `--host 0.0.0.0`, which needs its access token.
 * Every refusal leaves the data as it was, and the real wx-server-sdk inside the functions still works.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { readDoc, type SandboxErrorAnswer } from '../helpers/control';
import { ROOT, startSandboxProcess, type SandboxProcess } from '../helpers/sandbox';

interface Answer {
  status: number;
  body: unknown;
  text: string;
}

/** One request with exactly the headers given (node's http lets a test set Host, as a browser would). */
function raw(
  base: string,
  method: string,
  route: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // An empty host stands for none at all (an HTTP/1.0-style request).
    const setHost = headers.host !== '';
    const sent = Object.fromEntries(Object.entries(headers).filter(([k, v]) => k !== 'host' || v));
    const req = http.request(`${base}${route}`, { method, headers: sent, setHost }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        resolve({ status: res.statusCode ?? 0, body: parsed, text });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const JSON_TYPE = { 'content-type': 'application/json' };
const EVIL = 'http://evil.example';
/** What a page's `fetch(url, { method: 'POST', mode: 'no-cors', body })` sends: a simple request. */
const PRICE_ATTACK = JSON.stringify({
  paykit_products: [{ _id: 'coffee-latte', name: '拿铁咖啡', price: 1, active: true }],
});

function errorOf(answer: Answer): SandboxErrorAnswer['error'] {
  const error = (answer.body as SandboxErrorAnswer | undefined)?.error;
  if (!error) throw new Error(`not the sandbox's error shape: ${answer.status} ${answer.text}`);
  return error;
}

/** A multipart body like the one wx-server-sdk sends for cloudPay calls. */
function multipart(fields: Record<string, string>): { body: Buffer; type: string } {
  const boundary = '----paykitattack';
  const parts = Object.entries(fields).map(
    ([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`,
  );
  return {
    body: Buffer.from(`${parts.join('')}--${boundary}--\r\n`),
    type: `multipart/form-data; boundary=${boundary}`,
  };
}

describe('a sandbox on loopback (npm start)', () => {
  let sandbox: SandboxProcess;
  let base: string;
  let port: string;

  const price = async () =>
    (await readDoc<{ price: number }>(base, 'paykit_products', 'coffee-latte'))?.price;
  const orderCount = async () =>
    (
      (await (await fetch(`${base}/sandbox/db/export?collections=paykit_orders`)).json()) as {
        paykit_orders: unknown[];
      }
    ).paykit_orders.length;

  beforeAll(async () => {
    // As npm start: the default seed, the kit's built functions, nothing else.
    sandbox = await startSandboxProcess();
    base = sandbox.url;
    port = new URL(base).port;
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  test('a cross-site text/plain POST to /sandbox/db/import is refused; the price stays', async () => {
    expect(await price()).toBe(2800);
    const attack = await raw(
      base,
      'POST',
      '/sandbox/db/import',
      { origin: EVIL, 'content-type': 'text/plain' },
      PRICE_ATTACK,
    );
    expect(attack.status).toBe(403);
    expect(errorOf(attack)).toEqual({ code: 'FORBIDDEN_ORIGIN', message: expect.stringContaining(EVIL) });
    // Even with a JSON type (which a page could only send after a preflight the sandbox never grants).
    const json = await raw(base, 'POST', '/sandbox/db/import', { origin: EVIL, ...JSON_TYPE }, PRICE_ATTACK);
    expect(json.status).toBe(403);
    expect(await price()).toBe(2800);
  });

  test('without an Origin, a body that is not JSON is refused too; the price stays', async () => {
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      '',
    ]) {
      const headers: Record<string, string> = type ? { 'content-type': type } : {};
      const attack = await raw(base, 'POST', '/sandbox/db/import', headers, PRICE_ATTACK);
      expect({ type, status: attack.status }).toEqual({ type, status: 415 });
      expect(errorOf(attack).code).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect(errorOf(attack).message).toContain('application/json');
    }
    expect(await price()).toBe(2800);
  });

  test('DNS rebinding: a foreign Host cannot read the database or the pay settings', async () => {
    for (const route of ['/sandbox/db/export', '/sandbox/pay/config', '/sandbox/status']) {
      const stolen = await raw(base, 'GET', route, { host: `evil.example:${port}` });
      expect({ route, status: stolen.status }).toEqual({ route, status: 403 });
      expect(errorOf(stolen).code).toBe('FORBIDDEN_HOST');
      expect(stolen.text).not.toContain('coffee-latte');
      expect(stolen.text).not.toContain('apiKey');
    }
    // The right name on another port is not this sandbox either.
    expect((await raw(base, 'GET', '/sandbox/db/export', { host: '127.0.0.1:1' })).status).toBe(403);
    // No Host at all: node's server already answers 400 before the sandbox sees it.
    const hostless = await raw(base, 'GET', '/sandbox/db/export', { host: '' });
    expect([400, 403]).toContain(hostless.status);
    expect(hostless.text).not.toContain('coffee-latte');
    // The loopback names it serves are fine.
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`]) {
      const ok = await raw(base, 'GET', '/sandbox/db/export', { host });
      expect({ host, status: ok.status }).toEqual({ host, status: 200 });
      expect(ok.text).toContain('coffee-latte');
    }
  });

  test('a foreign Origin cannot call a function through the gateway or pay', async () => {
    const before = await orderCount();
    const call = JSON.stringify({
      name: 'unifiedOrder',
      openid: 'oVictim',
      data: { items: [{ sku: 'coffee-latte', quantity: 1 }] },
    });
    for (const type of ['text/plain', 'application/json']) {
      const attack = await raw(base, 'POST', '/gateway/call', { origin: EVIL, 'content-type': type }, call);
      expect(attack.status).toBe(403);
      expect(errorOf(attack).code).toBe('FORBIDDEN_ORIGIN');
    }
    const pay = await raw(
      base,
      'POST',
      '/gateway/pay',
      { origin: EVIL, 'content-type': 'text/plain' },
      JSON.stringify({ package: 'prepay_id=wx1', openid: 'oVictim', action: 'pay' }),
    );
    expect(pay.status).toBe(403);
    expect((await raw(base, 'POST', '/gateway/call', { 'content-type': 'text/plain' }, call)).status).toBe(
      415,
    );
    expect(await orderCount()).toBe(before);
  });

  test('a foreign Origin cannot speak the SDK protocol at /admin (JSON or multipart)', async () => {
    const update = JSON.stringify({
      action: 'database.modifyDocument',
      envName: sandbox.envId,
      collectionName: 'paykit_products',
      queryType: 'DOC',
      query: JSON.stringify({ _id: 'coffee-latte' }),
      data: JSON.stringify({ $set: { price: { $numberInt: '1' } } }),
      multi: false,
      merge: true,
      upsert: false,
    });
    const json = await raw(
      base,
      'POST',
      `/admin?env=${sandbox.envId}`,
      { origin: EVIL, ...JSON_TYPE },
      update,
    );
    expect(json.status).toBe(403);
    expect(errorOf(json).code).toBe('FORBIDDEN_ORIGIN');
    const form = multipart({ action: 'wx.wxPayApi', apiName: 'refund', requestData: '{}' });
    const pay = await raw(base, 'POST', '/admin', { origin: EVIL, 'content-type': form.type }, form.body);
    expect(pay.status).toBe(403);
    const plain = await raw(base, 'POST', '/admin', { 'content-type': 'text/plain' }, update);
    expect(plain.status).toBe(415);
    const nullOrigin = await raw(base, 'POST', '/admin', { origin: 'null', ...JSON_TYPE }, update);
    expect(nullOrigin.status).toBe(403);
    expect(await price()).toBe(2800);
  });

  test('its own origin, and clients without one, still work', async () => {
    const own = await raw(base, 'GET', '/sandbox/status', { origin: `http://127.0.0.1:${port}` });
    expect(own.status).toBe(200);
    const ownPost = await raw(
      base,
      'POST',
      '/sandbox/db/query',
      { origin: `http://localhost:${port}`, host: `localhost:${port}`, ...JSON_TYPE },
      JSON.stringify({ collection: 'paykit_products', where: { _id: 'tea-oolong' } }),
    );
    expect(ownPost.status).toBe(200);
    // A cross-name origin (page on localhost, request to 127.0.0.1) is another site to a browser.
    expect((await raw(base, 'GET', '/sandbox/status', { origin: `http://localhost:${port}` })).status).toBe(
      403,
    );
  });

  test('the real wx-server-sdk inside the functions still works (database and cloudPay)', async () => {
    const res = await fetch(`${base}/gateway/call`, {
      method: 'POST',
      headers: JSON_TYPE,
      body: JSON.stringify({
        name: 'unifiedOrder',
        openid: 'oBuyer',
        data: { items: [{ sku: 'tea-oolong', quantity: 2 }] },
      }),
    });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as {
      ok: true;
      result: { ok: boolean; data: { orderNo: string; totalFee: number; payment: { package: string } } };
    };
    expect(answer.result.ok).toBe(true);
    expect(answer.result.data.totalFee).toBe(3200);
    expect(answer.result.data.payment.package).toMatch(/^prepay_id=wx/);
    expect(sandbox.output()).not.toMatch(/\n\s+at /);
  });
});

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
