/** @jest-environment node */
/**
 * The Callbacks and Functions pages in headless Chromium, against a sandbox started as `npm start`
 * starts it: drop the next callbacks from the page, see the lost attempts and the planned retries
 * on the time axis, recover with a resend; hold one and release it; a function invocation appears
 * live with its cold or warm start, filtered by function and user; a bad callback fault is refused
 * with the server's code and message.
 */
import type { Page } from 'playwright-core';
import { dashboardSuite } from '../helpers/dashboard-suite';

const BUYER = 'oPaykitLocalBuyer';

describe('dashboard: callbacks and functions', () => {
  const suite = dashboardSuite(async (s) => {
    // Retries come when the test moves the clock, not while it reads the page.
    await s.kit.clock('freeze');
  });

  const open = async (route: string) => (await suite.open(route)).page;

  /** Places an order for a latte as the buyer and pays it; resolves with its number. */
  async function buyAndPay(): Promise<string> {
    const placed = await suite.kit.ok(BUYER, 'unifiedOrder', {
      items: [{ sku: 'coffee-latte', quantity: 1 }],
    });
    const { errMsg } = await suite.kit.pay(BUYER, placed.payment);
    expect(errMsg).toBe('requestPayment:ok');
    return placed.orderNo;
  }

  /** Picks a callback fault on the page's form and applies it. */
  async function disturb(page: Page, mode: string, count: string, kind = 'payment') {
    await page.getByLabel('方式').selectOption({ label: mode });
    await page.getByLabel('通知类型').selectOption({ label: kind === 'payment' ? '支付通知' : '全部' });
    await page.getByLabel('次数').fill(count);
    await page.getByRole('button', { name: '生效' }).click();
  }

  const row = (page: Page, orderNo: string) =>
    page.locator(`tr[data-notification]:has(a[href$="${orderNo}"])`);

  test('dropped callbacks: the lost attempts and the next retry on the time axis, then a resend recovers', async () => {
    const page = await open('#/callbacks');
    await disturb(page, '丢弃', '2');
    await page.locator('li[data-callback-fault="drop"]').waitFor();
    const orderNo = await buyAndPay();
    // The first attempt is lost: the axis shows it, and the retry WeChat plans 15 s later.
    await row(page, orderNo).locator('a').first().click();
    const axis = page.locator('svg.retry-axis');
    await axis.locator('[data-attempt="1"][data-outcome="dropped"]').waitFor();
    await axis.locator('.planned.next').waitFor();
    expect(await axis.getAttribute('aria-label')).toMatch(/^通知 #\d+ 的重试时间轴$/);
    expect(await row(page, orderNo).getAttribute('data-status')).toBe('pending');
    // The clock reaches the retry: lost again (the fault's second use), the next one planned 15 s on.
    await suite.kit.clock('advance', { ms: 15_000 });
    await axis.locator('[data-attempt="2"][data-outcome="dropped"]').waitFor();
    await axis.locator('.planned.next').waitFor();
    expect(await page.locator('li[data-callback-fault]').count()).toBe(0);
    // Resend now: delivered and acknowledged, the order is paid.
    await row(page, orderNo).getByRole('button', { name: '重发通知' }).click();
    await axis.locator('[data-outcome="ok"]').waitFor();
    await page.locator(`tr[data-notification][data-status="delivered"]:has(a[href$="${orderNo}"])`).waitFor();
    expect(await axis.locator('.planned').count()).toBe(0);
    // The attempts are headed by when each was sent, not by a creation time.
    const heads = await page.locator('table.deliveries thead th').allTextContents();
    expect(heads).toEqual(['#', '投递时间', '状态', '应答']);
    await suite.kit.orderReaches(orderNo, 'SUCCESS');
  });

  test('a held callback waits until released from the page', async () => {
    const page = await open('#/callbacks');
    await disturb(page, '暂扣', '1');
    await page.locator('li[data-callback-fault="hold"]').waitFor();
    const orderNo = await buyAndPay();
    await page.locator(`tr[data-notification][data-status="held"]:has(a[href$="${orderNo}"])`).waitFor();
    expect((await suite.kit.order<{ status: string }>(orderNo))!.status).toBe('NOTPAY');
    await page.getByRole('button', { name: '放行暂扣的回调' }).click();
    await page.getByRole('status').filter({ hasText: '已放行 1 条' }).waitFor();
    await page.locator(`tr[data-notification][data-status="delivered"]:has(a[href$="${orderNo}"])`).waitFor();
    await suite.kit.orderReaches(orderNo, 'SUCCESS');
  });

  test('a bad callback fault shows the server’s code and message, and arms nothing', async () => {
    const page = await open('#/callbacks');
    await page.getByLabel('方式').selectOption({ label: '延迟' });
    await page.getByLabel('延迟（秒）').fill('0');
    await page.getByRole('button', { name: '生效' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('INVALID_PARAM');
    expect(await alert.textContent()).toContain('delayMs');
    expect(await page.locator('li[data-callback-fault]').count()).toBe(0);
    // The one thing the browser logged: the refused request.
    expect(suite.tabs[0].problems).toEqual([expect.stringContaining('status of 400')]);
    suite.tabs[0].problems.length = 0;
  });

  test('an invocation appears live with its start; filters by function and by user', async () => {
    const page = await open('#/functions');
    await page.locator('.functions-page table, .functions-page p.muted').first().waitFor();
    const before = await page.locator('tr[data-function="listProducts"]').count();
    expect(before).toBe(0);
    await suite.kit.ok(BUYER, 'listProducts', {});
    const first = page.locator('tr[data-function="listProducts"]');
    await first.waitFor();
    expect(await first.getAttribute('data-start')).toBe('cold');
    expect(await first.textContent()).toContain('冷启动');
    expect(await first.textContent()).toContain(BUYER);
    expect(await first.textContent()).toMatch(/数据库 \d+ · 支付 0 · 函数 0/);
    expect(await page.locator('table.invocations thead th').first().textContent()).toBe('调用时间');
    await suite.kit.ok(BUYER, 'listProducts', {});
    await page.locator('tr[data-function="listProducts"][data-start="warm"]').waitFor();
    // Filter by function: only listProducts rows.
    await page.getByLabel('函数').selectOption('listProducts');
    await page.getByRole('button', { name: '筛选' }).click();
    await page.waitForURL(/name=listProducts/);
    // The unfiltered list has both listProducts rows too: the filter has applied once the other
    // functions' rows are gone (the URL changes before the filtered list arrives).
    // Between the two lists the page shows neither (loading): wait for the filtered rows as well.
    const others = page.locator('tr[data-invocation]:not([data-function="listProducts"])');
    await others.first().waitFor({ state: 'detached' });
    await page.locator('tr[data-function="listProducts"]').nth(1).waitFor();
    expect(await others.count()).toBe(0);
    expect(await page.locator('tr[data-function="listProducts"]').count()).toBe(2);
    // Filter by a user who called nothing: empty.
    await page.goto(`${suite.sandbox.url}/#/functions?openid=oNobodyCalled`);
    await page.getByText('暂无数据').waitFor();
    expect(await page.locator('tr[data-invocation]').count()).toBe(0);
  });
});
