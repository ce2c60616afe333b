/** @jest-environment node */
/**
 * The sandbox attacked over HTTP as a web page the developer happens to visit would (issue 10 #4),
 * black-box against a sandbox started as `npm start` starts it: a cross-site `text/plain` POST
 * (no CORS preflight) to the control API, the gateway and `/admin`, and DNS rebinding (a foreign
 * `Host`) to read the database. Every refusal leaves the data as it was, and the real wx-server-sdk
 * inside the functions still works. The sandbox exposed with --host: security-exposed.test.ts.
 */
import * as net from 'net';
import { readDoc } from '../helpers/control';
import { EVIL, JSON_TYPE, PRICE_ATTACK, errorOf, raw } from '../helpers/raw-http';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox';

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

  test('a foreign Origin cannot arm a fault (a SLOW one holding every WeChat Pay answer a minute)', async () => {
    const slowEverything = JSON.stringify({ api: '*', error: 'SLOW', delayMs: 60_000, count: 1000 });
    for (const type of ['text/plain', 'application/json']) {
      const attack = await raw(
        base,
        'POST',
        '/sandbox/pay/faults',
        { origin: EVIL, 'content-type': type },
        slowEverything,
      );
      expect(attack.status).toBe(403);
      expect(errorOf(attack).code).toBe('FORBIDDEN_ORIGIN');
    }
    const armed = (await (await fetch(`${base}/sandbox/pay/faults`)).json()) as { api: unknown[] };
    expect(armed.api).toEqual([]);
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

  test('a preflight to the gateway is a 204 with nothing after its head, not even a length', async () => {
    // The response as bytes: the client library would hide a length a 204 must not have.
    const head = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), '127.0.0.1', () =>
        socket.end(
          `OPTIONS /gateway/call HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
            `Origin: http://127.0.0.1:${port}\r\nConnection: close\r\n\r\n`,
        ),
      );
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(head).toMatch(/^HTTP\/1\.1 204 No Content\r\n/);
    expect(head).not.toMatch(/^content-(length|type):/im);
    expect(head.endsWith('\r\n\r\n')).toBe(true);
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
