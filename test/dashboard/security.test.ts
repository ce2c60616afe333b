/** @jest-environment node */
/**
 * The dashboard attacked as a web page the developer happens to visit would: DNS rebinding (a
 * foreign Host) to read the page, its data or its live stream; a cross-site page driving actions;
 * framing; hostile query strings on its read routes. And the sandbox exposed beyond loopback: the
 * page (code, no data) loads without the token, every data route and the stream need it, and the
 * printed URL's `#token=` makes the page work.
 */
import type { Browser } from 'playwright-core';
import { launchBrowser, openDashboard } from '../helpers/browser';
import { buildFixtureFunctions } from '../helpers/fixtures';
import { EVIL, JSON_TYPE, errorOf, raw } from '../helpers/raw-http';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox';

const READS = [
  '/',
  '/dashboard/app.js',
  '/dashboard/app.css',
  '/sandbox/events',
  '/sandbox/dashboard/overview',
  '/sandbox/dashboard/orders',
  '/sandbox/dashboard/trades',
];

describe('the dashboard on a loopback sandbox (npm start)', () => {
  let sandbox: SandboxProcess;
  let base: string;
  let port: string;

  beforeAll(async () => {
    sandbox = await startSandboxProcess();
    base = sandbox.url;
    port = new URL(base).port;
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  test('the page and its bundle carry a strict CSP, refuse framing and sniffing', async () => {
    for (const route of ['/', '/dashboard/app.js', '/dashboard/app.css']) {
      const res = await fetch(`${base}${route}`);
      expect({ route, status: res.status }).toEqual({ route, status: 200 });
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("default-src 'none'");
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const page = await (await fetch(`${base}/`)).text();
    // Nothing from elsewhere: no CDN, no web font, no inline script.
    expect(page).not.toMatch(/https?:\/\//);
    expect(page).not.toMatch(/<script>(?!<)/);
  });

  test('a foreign Host (DNS rebinding) gets neither the page, its data nor the live stream', async () => {
    for (const route of READS) {
      const answer = await raw(base, 'GET', route, { host: `evil.example:${port}` });
      expect({ route, status: answer.status }).toEqual({ route, status: 403 });
      expect(errorOf(answer).code).toBe('FORBIDDEN_HOST');
    }
  });

  test('a foreign Origin cannot drive the actions the page uses', async () => {
    const actions: Array<[string, unknown]> = [
      ['/sandbox/clock', { action: 'freeze' }],
      ['/sandbox/pay/act', { package: 'prepay_id=wx1', openid: 'o', action: 'pay' }],
      [
        '/gateway/call',
        { name: 'unifiedOrder', openid: 'o', data: { items: [{ sku: 'coffee-latte', quantity: 1 }] } },
      ],
      ['/sandbox/pay/callbacks/resend', { id: 1 }],
      ['/sandbox/pay/refunds', { outTradeNo: 'PK2026112011300000000001A01' }],
    ];
    for (const [route, body] of actions) {
      const answer = await raw(base, 'POST', route, { ...JSON_TYPE, origin: EVIL }, JSON.stringify(body));
      expect({ route, status: answer.status }).toEqual({ route, status: 403 });
      expect(errorOf(answer).code).toBe('FORBIDDEN_ORIGIN');
    }
    // Nor read the stream from its own page (the page's fetch sends its Origin).
    const stream = await raw(base, 'GET', '/sandbox/dashboard/overview', { origin: EVIL });
    expect(stream.status).toBe(403);
    const clock = await (await fetch(`${base}/sandbox/clock`)).json();
    expect(clock.frozen).toBe(false);
  });

  test('hostile query strings get a 400 naming what is expected, never a crash', async () => {
    const bad: Array<[string, string, string]> = [
      ['/sandbox/dashboard/orders?status=PAID', 'INVALID_PARAM', 'status must be one of'],
      ['/sandbox/dashboard/orders?limit=100000', 'INVALID_PARAM', 'limit must be'],
      ['/sandbox/dashboard/orders?limit=-1', 'INVALID_PARAM', 'limit must be'],
      ['/sandbox/dashboard/orders?day=2024-02-30', 'INVALID_PARAM', 'day must be'],
      ['/sandbox/dashboard/orders?cursor=%7B%22%24gt%22%3A1%7D', 'INVALID_PARAM', 'cursor'],
      [`/sandbox/dashboard/orders?openid=${'o'.repeat(200)}`, 'INVALID_PARAM', 'openid'],
      ['/sandbox/dashboard/orders/not-an-order', 'INVALID_PARAM', 'not an order number'],
      ['/sandbox/dashboard/orders/PK0000000000000000000000', 'NOT_FOUND', 'no order'],
      ['/sandbox/dashboard/trades?api=v2', 'INVALID_PARAM', 'api must be one of'],
      ['/sandbox/dashboard/nothing', 'NOT_FOUND', 'no dashboard route'],
    ];
    for (const [route, code, message] of bad) {
      const answer = await raw(base, 'GET', route);
      expect({ route, code: errorOf(answer).code }).toEqual({ route, code });
      expect(errorOf(answer).message).toContain(message);
    }
    const post = await raw(base, 'POST', '/sandbox/dashboard/orders', JSON_TYPE, '{}');
    expect(post.status).toBe(405);
    const put = await raw(base, 'PUT', '/', JSON_TYPE, '{}');
    expect(put.status).toBe(405);
  });
});

describe('the dashboard on a sandbox exposed beyond loopback (--host 0.0.0.0)', () => {
  let sandbox: SandboxProcess;
  let browser: Browser;
  let token: string;

  beforeAll(async () => {
    [sandbox, browser] = await Promise.all([
      startSandboxProcess({ args: ['--host', '0.0.0.0'] }),
      launchBrowser(),
    ]);
    const ready = JSON.parse(
      sandbox
        .output()
        .split('\n')
        .find((l) => l.startsWith('{"ready"'))!,
    ) as {
      token: string;
      dashboard: string;
    };
    token = ready.token;
    expect(ready.dashboard).toBe(`${sandbox.url}/#token=${token}`);
  });

  afterAll(async () => {
    await browser?.close();
    await sandbox?.stop();
  });

  test('the page loads without the token; its data and the live stream need it', async () => {
    expect((await raw(sandbox.url, 'GET', '/')).status).toBe(200);
    expect((await raw(sandbox.url, 'GET', '/dashboard/app.js')).status).toBe(200);
    for (const route of READS.slice(3)) {
      const answer = await raw(sandbox.url, 'GET', route);
      expect({ route, status: answer.status }).toEqual({ route, status: 401 });
    }
    const withToken = await raw(sandbox.url, 'GET', '/sandbox/dashboard/overview', {
      'x-paykit-token': token,
    });
    expect(withToken.status).toBe(200);
  });

  test('the printed URL carries the token once: the page works with it and drops it from the address', async () => {
    const tab = await openDashboard(browser, `${sandbox.url}/#token=${token}`);
    try {
      await tab.page.getByRole('heading', { name: '各状态订单数' }).waitFor();
      await tab.page.locator('[data-live="on"]').waitFor();
      expect(tab.page.url()).not.toContain(token);
      expect(tab.problems).toEqual([]);
    } finally {
      await tab.close();
    }
    // Without it the page says what is wrong, in the server's words.
    const bare = await openDashboard(browser, `${sandbox.url}/`);
    try {
      await bare.page.getByText('UNAUTHORIZED').first().waitFor();
    } finally {
      await bare.close();
    }
  });
});

describe('a web page an HTTP access function serves on the sandbox’s port', () => {
  let sandbox: SandboxProcess;
  let browser: Browser;

  beforeAll(async () => {
    [sandbox, browser] = await Promise.all([
      startSandboxProcess({
        args: ['--functions', buildFixtureFunctions(['httpEcho']), '--route', '/h5=httpEcho'],
      }),
      launchBrowser(),
    ]);
  });

  afterAll(async () => {
    await browser?.close();
    await sandbox?.stop();
  });

  test('runs in an origin of its own: a script it reflects cannot drive the sandbox', async () => {
    // On CloudBase the page lives on the access domain, apart from everything else; here it shares
    // the sandbox's port. A link from any site to a page that reflects its input (the developer's bug)
    // must not become the sandbox's own origin, which the Origin rule lets drive everything.
    const attack =
      "<script>fetch('/sandbox/clock', { method: 'POST', headers: { 'content-type': 'application/json' }," +
      ' body: \'{"action":"freeze"}\' }).then((r) => (document.title = \'answered \' + r.status),' +
      " () => (document.title = 'refused'))</script>";
    const url = `${sandbox.url}/h5?as=page&html=${encodeURIComponent(attack)}`;
    const answer = await fetch(url);
    expect(answer.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(answer.headers.get('content-security-policy')).toMatch(/(^|, )sandbox allow-scripts/);
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(url);
      await page.waitForFunction(() => document.title !== '');
      // The script ran (the page works as the developer wrote it), from an opaque origin.
      expect(await page.title()).toBe('refused');
    } finally {
      await context.close();
    }
    const clock = (await (await fetch(`${sandbox.url}/sandbox/clock`)).json()) as { frozen: boolean };
    expect(clock.frozen).toBe(false);
  });
});
