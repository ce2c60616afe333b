/** @jest-environment node */
/**
 * The dashboard on a sandbox whose kit pays through APIv3 (`npm start -- --provider apiv3`): buying,
 * paying as the payer and the notification reach the page the same way, and the trades page tells
 * the two APIs apart.
 */
import type { Browser } from 'playwright-core';
import { launchBrowser, openDashboard, type DashboardPage } from '../helpers/browser';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox';

describe('dashboard with the kit on APIv3', () => {
  let sandbox: SandboxProcess;
  let browser: Browser;
  let tab: DashboardPage | undefined;

  beforeAll(async () => {
    [sandbox, browser] = await Promise.all([
      startSandboxProcess({ args: ['--provider', 'apiv3'] }),
      launchBrowser(),
    ]);
  });

  afterAll(async () => {
    await tab?.close();
    await browser?.close();
    await sandbox?.stop();
  });

  test('buy, pay as the payer, see the APIv3 notification and trade', async () => {
    tab = await openDashboard(browser, `${sandbox.url}/#/buy`);
    const { page } = tab;
    await page.getByLabel('商品').selectOption({ label: '乌龙茶 · ¥16.00' });
    await page.getByRole('button', { name: '下单' }).last().click();
    await page.getByRole('button', { name: '以付款人身份支付' }).click();
    await page.locator('.order-page[data-status="SUCCESS"]').waitFor();
    const note = page.locator('.timeline [data-kind="notification"][data-title="ok"]');
    await note.waitFor();
    expect(await note.textContent()).toContain('/paykit/v3/notify');
    const orderNo = await page.locator('.order-page').getAttribute('data-order');
    await page.getByRole('link', { name: '微信支付交易' }).click();
    const row = page.locator(`tr[data-trade^="${orderNo}A"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('APIv3');
    await page.getByRole('link', { name: '概览' }).click();
    // The overview names the provider the kit pays through (the trades page is gone by then).
    await page.locator('dd[data-provider="apiv3"]', { hasText: 'APIv3' }).waitFor();
    expect(tab.problems).toEqual([]);
  });
});
