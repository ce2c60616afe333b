/** @jest-environment node */
/**
 * Driving payments from the dashboard in headless Chromium, against a sandbox started as `npm start`
 * starts it (the demo catalogue, the local users, the kit's functions; nothing seeded by the test):
 * buy as a user and see the order appear live in an open list; pay as the payer and watch the
 * notification attempts and the order become paid; lose the callbacks and recover by a query;
 * move the clock and see the timer close an unpaid order; refund as the admin; and a bad action
 * shows its code and, in the UI's language, what went wrong, until the next action or view.
 */
import type { Page } from 'playwright-core';
import { get, post } from '../helpers/control';
import { dashboardSuite } from '../helpers/dashboard-suite';

const BUYER = 'oPaykitLocalBuyer';

describe('dashboard payment flows', () => {
  const suite = dashboardSuite();

  /** Buys one of `product` as `user` on the Buy page; resolves on the new order's page with its number. */
  async function buy(page: Page, product = '拿铁咖啡', user = BUYER): Promise<string> {
    await page.getByRole('link', { name: '下单', exact: true }).click();
    await page.getByLabel('下单用户').selectOption(user);
    await page
      .getByLabel('商品')
      .selectOption({ label: `${product} · ¥${product === '拿铁咖啡' ? '28.00' : '16.00'}` });
    await page.getByRole('button', { name: '下单' }).last().click();
    const orderPage = page.locator('.order-page');
    await orderPage.waitFor();
    return (await orderPage.getAttribute('data-order'))!;
  }

  const entry = (page: Page, kind: string, title?: string) =>
    page.locator(`.timeline [data-kind="${kind}"]${title ? `[data-title="${title}"]` : ''}`);

  test('an order bought in one tab appears live in the orders list open in another', async () => {
    const list = await suite.open('#/orders');
    await list.page.getByText('共 0 笔').waitFor();
    const shop = await suite.open();
    const orderNo = await buy(shop.page);
    expect(orderNo).toMatch(/^PK\d{22}$/);
    const row = list.page.locator(`tr[data-order="${orderNo}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-status')).toBe('NOTPAY');
    expect(await row.textContent()).toContain('¥28.00');
    expect(await row.textContent()).toContain(BUYER);
    // The order page shows the attempt and its prepay, and offers the payer's actions.
    await entry(shop.page, 'prepay').waitFor();
    await shop.page.getByRole('button', { name: '以付款人身份支付' }).waitFor();
  });

  test('paying as the payer: the notification attempt is answered and the order becomes paid, live', async () => {
    const { page } = await suite.open();
    const orderNo = await buy(page, '乌龙茶');
    await page.getByRole('button', { name: '以付款人身份支付' }).click();
    await page.locator(`.order-page[data-status="SUCCESS"]`).waitFor();
    await entry(page, 'notification', 'ok').waitFor();
    await entry(page, 'paid').waitFor();
    await entry(page, 'payer', 'pay').waitFor();
    expect(await entry(page, 'notification', 'ok').textContent()).toContain('payCallback');
    // The payer's actions are gone once paid; the admin's refund is offered.
    expect(await page.getByRole('button', { name: '以付款人身份支付' }).count()).toBe(0);
    await page.getByRole('button', { name: '退款', exact: true }).waitFor();
    const trades = await suite.open(`#/trades?state=SUCCESS`);
    await trades.page.locator(`tr[data-trade^="${orderNo}A"][data-state="SUCCESS"]`).waitFor();
  });

  test('callbacks dropped: the attempts show as lost with the next retry, and a query recovers the payment', async () => {
    await post(`${suite.sandbox.url}/sandbox/pay/callbacks`, { mode: 'drop', count: 3 });
    const { page } = await suite.open();
    await buy(page);
    await page.getByRole('button', { name: '以付款人身份支付' }).click();
    const dropped = entry(page, 'notification', 'dropped');
    await dropped.first().waitFor();
    expect(await dropped.first().locator('[data-fact="nextRetryAt"]').count()).toBe(1);
    expect(await page.locator('.order-page').getAttribute('data-status')).toBe('NOTPAY');
    await page.getByRole('button', { name: '以用户身份查询' }).click();
    await page.locator(`.order-page[data-status="SUCCESS"]`).waitFor();
    await entry(page, 'query', 'queryOrder').first().waitFor();
    await entry(page, 'paid').waitFor();
    await fetch(`${suite.sandbox.url}/sandbox/pay/faults`, { method: 'DELETE' });
  });

  test('moving the clock past the expiry: the timer closes the unpaid order, and the page shows it', async () => {
    const { page } = await suite.open();
    const orderNo = await buy(page);
    await page.getByRole('link', { name: '概览' }).click();
    await page.getByRole('button', { name: '冻结' }).click();
    await page.getByRole('button', { name: '继续' }).waitFor();
    await page.getByRole('button', { name: '前进 +31m' }).click();
    await page.goto(`${suite.sandbox.url}/#/orders/${orderNo}`);
    await page.locator(`.order-page[data-status="CLOSED"]`).waitFor({ timeout: 15_000 });
    await entry(page, 'closed').waitFor();
    expect(await page.getByRole('button', { name: '以付款人身份支付' }).count()).toBe(0);
    await page.getByRole('link', { name: '概览' }).click();
    await page.getByRole('button', { name: '继续' }).click();
    await page.getByRole('button', { name: '冻结' }).waitFor();
  });

  test('refunding as the admin records the refund on the timeline', async () => {
    const { page } = await suite.open();
    await buy(page);
    await page.getByRole('button', { name: '以付款人身份支付' }).click();
    await page.locator(`.order-page[data-status="SUCCESS"]`).waitFor();
    await page.getByLabel('退款金额（分）').fill('1000');
    await page.getByRole('button', { name: '退款', exact: true }).click();
    await entry(page, 'refund', 'SUCCESS').waitFor();
    await entry(page, 'refunded').waitFor();
    expect(await page.locator('.order-page').textContent()).toContain('已退款 ¥10.00');
    // Each notification says whose it is, the payment's or the refund's, as the callbacks page does.
    const notes = page.locator('.timeline [data-kind="notification"] strong');
    await notes.filter({ hasText: '退款通知' }).waitFor();
    expect(new Set(await notes.allTextContents())).toEqual(new Set(['支付通知', '退款通知']));
  });

  test("a bad action shows its code and, in the UI's language, what went wrong", async () => {
    const { page } = await suite.open();
    await buy(page);
    const { now } = await get<{ now: number }>(`${suite.sandbox.url}/sandbox/clock`);
    // WeChat refuses to close an order within 5 minutes of its creation: when to try again, in
    // Beijing time as the rest of the dashboard shows instants.
    await page.getByRole('button', { name: '关闭订单' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const text = (await alert.textContent()) ?? '';
    expect(text).toContain('CLOSE_TOO_EARLY');
    const shown = /请在 (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)（北京时间）之后再试/.exec(text);
    expect(shown).not.toBeNull();
    const retryAt = Date.parse(`${shown![1].replace(' ', 'T')}+08:00`);
    expect(Math.abs(retryAt - (now + 5 * 60_000))).toBeLessThan(60_000);
    expect(text).not.toMatch(/\dT\d\d:\d\d|try again/);
    await page.getByRole('button', { name: 'English' }).click();
    expect(await alert.textContent()).toContain('try again after');
    await page.getByRole('button', { name: '中文' }).click();
    // The next action's outcome takes the banner's place: paying succeeds, and the banner goes.
    await page.getByRole('button', { name: '以付款人身份支付' }).click();
    await page.locator(`.order-page[data-status="SUCCESS"]`).waitFor();
    expect(await alert.count()).toBe(0);
    // More than was paid: one banner, not one per try.
    await page.getByLabel('退款金额（分）').fill('999999');
    for (let i = 0; i < 2; i++) {
      await page.getByRole('button', { name: '退款', exact: true }).click();
      await alert.waitFor();
    }
    expect(await alert.count()).toBe(1);
    expect(await alert.textContent()).toMatch(/INVALID_PARAM|ORDER_STATE_CONFLICT/);
    // Going to another view leaves the banner behind.
    await page.getByRole('link', { name: '概览' }).click();
    await page.getByRole('heading', { name: '沙箱时钟' }).waitFor();
    expect(await alert.count()).toBe(0);
  });

  test("a view that cannot load says why in the UI's language", async () => {
    const tab = await suite.open('#/orders/not-an-order');
    const text = tab.page.locator('p.error-text');
    await text.waitFor();
    expect(await text.textContent()).toMatch(/^INVALID_PARAM: 参数有误：.*not an order number/);
    // The one thing the browser logged: the refused request.
    expect(tab.problems).toEqual([expect.stringContaining('status of 400')]);
    tab.problems.length = 0;
  });

  test("a time the clock cannot be set to is refused in the UI's words, without asking the sandbox", async () => {
    const { page } = await suite.open();
    const before = await get<{ now: number; frozen: boolean }>(`${suite.sandbox.url}/sandbox/clock`);
    for (const bad of ['tomorrow', '2026-02-30 09:00']) {
      await page.getByLabel('设为').fill(bad);
      await page.getByRole('button', { name: '设置', exact: true }).click();
      const alert = page.getByRole('alert');
      await alert.waitFor();
      expect(await alert.textContent()).toContain(
        `无法识别时间“${bad}”：请填写北京时间，如 2024-03-15 12:00`,
      );
      expect(await alert.count()).toBe(1);
    }
    const after = await get<{ now: number; frozen: boolean }>(`${suite.sandbox.url}/sandbox/clock`);
    expect(after.frozen).toBe(before.frozen);
    expect(Math.abs(after.now - before.now)).toBeLessThan(30_000);
  });
});
