/** @jest-environment node */
/**
 * The dashboard's shell in headless Chromium against a sandbox started as `npm start` starts it
 * (the demo seed, the kit's functions, nothing added by the test): the overview renders in Chinese
 * by default (with the CJK font), the English switch works and is remembered, the page runs under
 * its CSP without a single console error, and a clock action from the page shows up live.
 */
import type { Browser } from 'playwright-core';
import { get } from '../helpers/control';
import * as http from 'http';
import { appearedAt, launchBrowser, openDashboard, watchFor, type DashboardPage } from '../helpers/browser';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox';

describe('dashboard shell', () => {
  let sandbox: SandboxProcess;
  let browser: Browser;
  let tab: DashboardPage | undefined;

  beforeAll(async () => {
    [sandbox, browser] = await Promise.all([startSandboxProcess(), launchBrowser()]);
  });

  afterEach(async () => {
    await tab?.close();
    tab = undefined;
  });

  afterAll(async () => {
    await browser?.close();
    await sandbox?.stop();
  });

  test('the overview renders in Chinese by default, with the clock, the counts and the local users', async () => {
    tab = await openDashboard(browser, `${sandbox.url}/`);
    const { page } = tab;
    await page.getByRole('heading', { name: '沙箱时钟' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    await page.getByRole('heading', { name: '各状态订单数' }).waitFor();
    expect(await page.locator('[data-status="NOTPAY"] .count-n').textContent()).toBe('0');
    expect(await page.getByRole('link', { name: '订单', exact: true }).count()).toBe(1);
    await page.getByText('oPaykitLocalUser').waitFor();
    // The CJK font is installed: two different characters draw different glyphs (missing ones are
    // the same empty box).
    const distinct = await page.evaluate(() => {
      const font = `32px ${getComputedStyle(document.body).fontFamily}`;
      const draw = (ch: string) => {
        const canvas = document.createElement('canvas');
        canvas.width = canvas.height = 40;
        const ctx = canvas.getContext('2d')!;
        ctx.font = font;
        ctx.fillText(ch, 2, 32);
        return Array.from(ctx.getImageData(0, 0, 40, 40).data).join(',');
      };
      return draw('沙') !== draw('箱');
    });
    expect(distinct).toBe(true);
    await page.locator('[data-live="on"]').waitFor();
    expect(tab.problems).toEqual([]);
  });

  test('the English switch changes every text and is remembered across reloads', async () => {
    tab = await openDashboard(browser, `${sandbox.url}/`);
    const { page } = tab;
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Sandbox clock' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.reload();
    await page.getByRole('heading', { name: 'Orders by state' }).waitFor();
    await page.getByRole('button', { name: '中文' }).click();
    await page.getByRole('heading', { name: '各状态订单数' }).waitFor();
    expect(tab.problems).toEqual([]);
  });

  test('freezing and advancing the clock from the page moves the sandbox clock, and the page follows live', async () => {
    tab = await openDashboard(browser, `${sandbox.url}/`);
    const { page } = tab;
    await page.getByRole('button', { name: '冻结' }).click();
    await page.getByRole('button', { name: '继续' }).waitFor();
    const frozen = await get<{ now: number; frozen: boolean }>(`${sandbox.url}/sandbox/clock`);
    expect(frozen.frozen).toBe(true);
    await page.getByRole('button', { name: '前进 +5m' }).click();
    await page.locator(`time[data-now="${frozen.now + 5 * 60_000}"]`).waitFor();
    // A change made elsewhere (the CLI, a test) reaches the open page through the live stream.
    await fetch(`${sandbox.url}/sandbox/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'advance', ms: 60_000 }),
    });
    await page.locator(`time[data-now="${frozen.now + 6 * 60_000}"]`).waitFor();
    expect(tab.problems).toEqual([]);
  });

  test('a dropped live stream reconnects by itself, and changes reach the page again', async () => {
    tab = await openDashboard(browser, `${sandbox.url}/`);
    const { page } = tab;
    await page.locator('[data-live="on"]').waitFor();
    await watchFor(page, '[data-live="off"]');
    // The sandbox keeps at most 32 streams open and closes the oldest: the page's, here.
    const others = Array.from({ length: 32 }, () => http.get(`${sandbox.url}/sandbox/events`));
    try {
      await page.waitForFunction(() => (window as unknown as { __appearedAt?: number }).__appearedAt);
      expect(await appearedAt(page)).toBeGreaterThan(0);
      await page.locator('[data-live="on"]').waitFor();
      const { now } = await get<{ now: number }>(`${sandbox.url}/sandbox/clock`);
      await fetch(`${sandbox.url}/sandbox/clock`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'freeze', at: now + 3_600_000 }),
      });
      await page.locator(`time[data-now="${now + 3_600_000}"]`).waitFor();
    } finally {
      for (const req of others) req.destroy();
    }
    expect(tab.problems).toEqual([]);
  });

  test('usable from the keyboard: real links with a visible focus, forms that submit on Enter', async () => {
    tab = await openDashboard(browser, `${sandbox.url}/`);
    const { page } = tab;
    await page.getByRole('heading', { name: '沙箱时钟' }).waitFor();
    await page.keyboard.press('Tab'); // the title
    await page.keyboard.press('Tab'); // 概览
    await page.keyboard.press('Tab'); // 订单
    const focused = page.locator(':focus');
    expect(await focused.textContent()).toBe('订单');
    expect(await focused.evaluate((el) => getComputedStyle(el).outlineStyle)).toBe('solid');
    await page.keyboard.press('Enter');
    // Exactly 订单, the orders page's title: the overview's 各状态订单数 and 最新订单 contain it, and
    // matched while Enter's navigation is still on its way.
    await page.getByRole('heading', { name: '订单', exact: true }).waitFor();
    expect(new URL(page.url()).hash).toBe('#/orders');
    // The filter form submits on Enter from its text field.
    await page.getByLabel('用户').fill('oPaykitLocalBuyer');
    await page.getByLabel('用户').press('Enter');
    await page.waitForURL(/openid=oPaykitLocalBuyer/);
    expect(tab.problems).toEqual([]);
  });
});
