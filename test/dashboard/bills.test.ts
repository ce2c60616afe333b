/** @jest-environment node */
/**
 * The Bills page in headless Chromium, against a sandbox started as `npm start` starts it. The
 * discrepancy is made as a developer would: a payment whose callbacks are all lost (a callback
 * fault), then the clock moved to the next morning, when WeChat has published the bill and the
 * daily repair has not run. The page reconciles the day, shows the discrepancy, repairs it, offers
 * the day's CSV, and runs the daily timer; a day that is not over is refused with a clear error. A
 * payment refunded on the merchant platform before the kit recorded it is its own discrepancy.
 */
import * as fs from 'fs';
import { dashboardSuite } from '../helpers/dashboard-suite';
import { del, get, post, readDoc } from '../helpers/control';

const BUYER = 'oPaykitLocalBuyer';
const DAY_MS = 86_400_000;
const BEIJING_MS = 8 * 3_600_000;
const beijingDay = (ms: number) => new Date(ms + BEIJING_MS).toISOString().slice(0, 10);

describe('dashboard: bills', () => {
  const suite = dashboardSuite();

  const open = async (route: string) => (await suite.open(route)).page;

  async function buyAndPay(sku: string): Promise<string> {
    const placed = await suite.kit.ok(BUYER, 'unifiedOrder', { items: [{ sku, quantity: 1 }] });
    expect((await suite.kit.pay(BUYER, placed.payment)).errMsg).toBe('requestPayment:ok');
    return placed.orderNo;
  }

  test('a payment whose callbacks were lost: reconciled, shown, repaired, in the CSV', async () => {
    const { now } = await suite.kit.clock('freeze');
    const payDay = beijingDay(now);
    const recorded = await buyAndPay('coffee-latte');
    await suite.kit.settle();
    await suite.kit.orderReaches(recorded, 'SUCCESS');
    // Every notification attempt of the next payment is lost on the way.
    await post(`${suite.sandbox.url}/sandbox/pay/callbacks`, { mode: 'drop', count: 20, kind: 'payment' });
    const missed = await buyAndPay('tea-oolong');
    await suite.kit.settle();
    const lost = await readDoc(suite.sandbox.url, 'paykit_orders', missed);
    expect(lost!.status).toBe('NOTPAY');
    // The next Beijing day, 10:01: the bill is out (from 10:00), the daily repair (10:30) has not run.
    const nextDay = Math.floor((now + BEIJING_MS) / DAY_MS) * DAY_MS + DAY_MS - BEIJING_MS;
    await suite.kit.clock('set', { at: nextDay + 10 * 3_600_000 + 60_000 });
    await post(`${suite.sandbox.url}/sandbox/triggers/settle`, {});
    // The expiry sweep may have synced it meanwhile: put it back as the lost callbacks left it.
    await post(`${suite.sandbox.url}/sandbox/db/import`, { paykit_orders: [lost] });

    const page = await open(`#/bills?day=${payDay}`);
    expect(await page.getByLabel('账单日期').inputValue()).toBe(payDay);
    await page.getByRole('button', { name: '对账', exact: true }).click();
    const row = page.locator(`tr[data-kind="PAID_AT_WECHAT_NOT_HERE"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-repaired')).toBe('no');
    expect(await row.textContent()).toContain('微信已收款，本地未记录');
    expect(await row.textContent()).toContain(`${missed}A0`);
    expect(await row.textContent()).toContain('¥16.00');
    expect(await page.locator('#bill-payments').textContent()).toContain('2 笔，¥44.00');
    expect(await page.locator('#bill-refunds').textContent()).toContain('0 笔，¥0.00');
    expect(await page.locator('tr[data-kind]').count()).toBe(1);

    // The CSV is WeChat's bill of that day: both payments.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: '下载账单 CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`bill-${payDay.replace(/-/g, '')}.csv`);
    const csv = fs.readFileSync((await download.path())!, 'utf8');
    expect(csv).toContain(`${recorded}A0`);
    expect(csv).toContain(`${missed}A0`);
    expect(csv).toContain('总交易单数');

    await page.getByRole('button', { name: '对账并修复' }).click();
    await page.locator(`tr[data-kind="PAID_AT_WECHAT_NOT_HERE"][data-repaired="yes"]`).waitFor();
    await suite.kit.orderReaches(missed, 'SUCCESS');
    // Once repaired, the books agree, by the page and by the daily timer's own run.
    await page.getByRole('button', { name: '对账', exact: true }).click();
    await page.getByText('没有差异，账目一致').waitFor();
    await page.getByRole('button', { name: '运行每日对账定时任务（昨天）' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `${payDay.replace(/-/g, '')} 的每日对账已完成：没有差异` })
      .waitFor();
    await del(`${suite.sandbox.url}/sandbox/pay/faults`);
  });

  test('a day that is not over, and a day without trades, get a clear error', async () => {
    const { now } = await get<{ now: number }>(`${suite.sandbox.url}/sandbox/clock`);
    const page = await open(`#/bills?day=${beijingDay(now)}`);
    await page.getByRole('button', { name: '对账', exact: true }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('INVALID_PARAM');
    expect(await alert.textContent()).toContain('bills exist only for days that are over');
    await alert.getByRole('button', { name: '关闭' }).click();
    // No trade that day: the CSV route says so.
    await page.getByLabel('账单日期').fill('2020-01-01');
    await page.waitForURL(/day=2020-01-01/);
    await page.getByRole('button', { name: '下载账单 CSV' }).click();
    await alert.waitFor();
    expect(await alert.textContent()).toContain('NOT_FOUND');
    expect(await alert.textContent()).toContain('no bill for 2020-01-01');
    const tab = suite.tabs[suite.tabs.length - 1];
    expect(tab.problems).toEqual([expect.stringContaining('status of 404')]);
    tab.problems.length = 0;
  });

  test('a payment refunded on the merchant platform before the kit recorded it is shown for an admin to check', async () => {
    const { now } = await suite.kit.clock('freeze');
    const payDay = beijingDay(now);
    await post(`${suite.sandbox.url}/sandbox/pay/callbacks`, { mode: 'drop', count: 20, kind: 'payment' });
    const orderNo = await buyAndPay('coffee-latte');
    await suite.kit.settle();
    const outTradeNo = String((await readDoc(suite.sandbox.url, 'paykit_orders', orderNo))!.outTradeNo);
    await post(`${suite.sandbox.url}/sandbox/pay/refunds`, { outTradeNo });
    // The buyer's query tells the kit: the order is recorded as refunded on the merchant platform.
    await suite.kit.ok(BUYER, 'queryOrder', { orderNo });
    expect(await readDoc(suite.sandbox.url, 'paykit_orders', orderNo)).toEqual(
      expect.objectContaining({ status: 'REFUND', refundedOutside: expect.anything() }),
    );
    // The next Beijing day, 10:01: the bill is out, the daily reconciliation (10:30) has not run.
    const nextDay = Math.floor((now + BEIJING_MS) / DAY_MS) * DAY_MS + DAY_MS - BEIJING_MS;
    await suite.kit.moveClock('set', { at: nextDay + 10 * 3_600_000 + 60_000 });

    const page = await open(`#/bills?day=${payDay}`);
    await page.getByRole('button', { name: '对账', exact: true }).click();
    const row = page.locator(`tr[data-kind="REFUNDED_OUTSIDE_KIT"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('商户平台退款，需人工核对');
    expect(await row.textContent()).toContain(outTradeNo);
    expect(await row.textContent()).toContain('¥28.00');
    expect(await row.getAttribute('data-repaired')).toBe('no');
    expect(await page.locator('tr[data-kind]').count()).toBe(1);
    // The daily timer finds it too, and says so in the singular.
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('button', { name: 'Run the daily reconcile timer (yesterday)' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Daily reconciliation of ${payDay.replace(/-/g, '')} done: 1 discrepancy` })
      .waitFor();
    await del(`${suite.sandbox.url}/sandbox/pay/faults`);
  });
});
