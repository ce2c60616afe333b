/** @jest-environment node */
/**
 * A merchant hook that fails, as a developer watches it on an order's page in headless Chromium:
 * the sandbox runs the kit's functions bundled with hooks that fail while the merchant's system is
 * marked down in the database (as test/cloudfunctions/hook-retries.test.ts does). The timeline says
 * the hook is failing, how many times it ran, its last error, from when it may run again and when
 * the sweep will run it (in the sandbox's clock, moved by the test), in both languages; once the
 * system is back, that it succeeded. The payment stays where the kit recorded it, however often its
 * hook is retried later. A hook whose runner was stopped mid-run reads as cut off once its claim
 * lapses, not as running for ever.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Page } from 'playwright-core';
import { bundleWithHooks } from '../../build/integrate-hooks';
import { callAs, eventually, post, query, seed } from '../helpers/control';
import { dashboardSuite } from '../helpers/dashboard-suite';
import { functionsWithTimeouts } from '../helpers/kit';
import { ROOT } from '../helpers/sandbox';

const BUYER = 'oPaykitLocalBuyer';
const OUTAGES = 'merchant_outages';
const SWEEP_EVERY_MS = 5 * 60_000;
const BEIJING_MS = 8 * 3_600_000;

/**
 * The merchant's onPaid (JavaScript, as a host app may write it): fails while its system is down,
 * never answers while it hangs.
 */
const HOOKS = `
export async function onPaid(order, db) {
  const { data } = await db.collection(${JSON.stringify(OUTAGES)}).where({ _id: order._id }).get();
  if (data[0]?.hangs) await new Promise(() => {});
  if (data[0]?.down) throw new Error('the warehouse system is down');
}
export async function onRefunded() {}
`;

/** `yyyy-MM-dd HH:mm:ss` in Beijing, as the dashboard shows an instant. */
const beijing = (ms: number) => new Date(ms + BEIJING_MS).toISOString().slice(0, 19).replace('T', ' ');

let functions = '';

beforeAll(() => {
  // The kit's functions bundled with the merchant's hooks, as `integrate` deploys them.
  functions = functionsWithTimeouts({});
  const hooks = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-dash-hooks-')), 'hooks.js');
  fs.writeFileSync(hooks, HOOKS);
  bundleWithHooks(ROOT, functions, hooks, functions);
  fs.rmSync(path.dirname(hooks), { recursive: true, force: true });
});

afterAll(() => {
  if (functions) fs.rmSync(functions, { recursive: true, force: true });
});

describe('dashboard: a failing merchant hook', () => {
  const suite = dashboardSuite(undefined, () => ({ args: ['--functions', functions] }));

  const hookEntry = (page: Page) => page.locator('.timeline [data-kind="hook"]');
  const fact = (page: Page, key: string) => hookEntry(page).locator(`[data-fact="${key}"] dd`);

  test('shows failing, its runs, last error, when it may retry and when the sweep retries it; then that it succeeded', async () => {
    const { now: frozenAt } = await suite.kit.clock('freeze');
    const placed = await suite.kit.ok(BUYER, 'unifiedOrder', {
      items: [{ sku: 'coffee-latte', quantity: 1 }],
    });
    const { orderNo } = placed;
    await seed(suite.sandbox.url, { [OUTAGES]: [{ _id: orderNo, down: true }] });
    expect((await suite.kit.pay(BUYER, placed.payment)).errMsg).toBe('requestPayment:ok');
    await suite.kit.settle();

    // The payment's notification ran onPaid once, at the frozen instant: it failed.
    const { page } = await suite.open(`#/orders/${orderNo}`);
    await page.locator('.timeline [data-kind="hook"][data-title="FAILED"]').waitFor();
    expect(await hookEntry(page).locator('.entry-title').textContent()).toBe('失败，等待重试');
    expect(await fact(page, 'runs').textContent()).toBe('1');
    expect(await fact(page, 'lastError').textContent()).toBe('the warehouse system is down');
    // 30 s after its claim it may run again; the sweep runs every 5 minutes on the clock.
    expect(await fact(page, 'retryFrom').textContent()).toBe(beijing(frozenAt + 30_000));
    const sweepAt = Math.floor((frozenAt + 30_000) / SWEEP_EVERY_MS) * SWEEP_EVERY_MS + SWEEP_EVERY_MS;
    expect(await fact(page, 'sweepRetryAt').textContent()).toBe(beijing(sweepAt));
    const paidAt = await page.locator('.timeline [data-kind="paid"] time').textContent();
    expect(paidAt).toBe(beijing(frozenAt));

    await page.getByRole('button', { name: 'English' }).click();
    expect(await hookEntry(page).locator('.entry-title').textContent()).toBe('failed, will be retried');
    expect(await hookEntry(page).locator('[data-fact="retryFrom"] dt').textContent()).toBe('May retry from');
    await page.getByRole('button', { name: '中文' }).click();

    // At the sweep's time the hook runs again (the sweep, or WeChat's next delivery, which come
    // then too: one claims it) and fails again: its second run, twice as long a wait from then.
    await suite.kit.moveClock('set', { at: sweepAt });
    await page.locator('.timeline [data-kind="hook"] [data-fact="runs"] dd', { hasText: /^2$/ }).waitFor();
    expect(await hookEntry(page).getAttribute('data-title')).toBe('FAILED');
    expect(await hookEntry(page).locator('time').textContent()).toBe(beijing(sweepAt));
    expect(await fact(page, 'retryFrom').textContent()).toBe(beijing(sweepAt + 60_000));
    expect(await fact(page, 'sweepRetryAt').textContent()).toBe(beijing(sweepAt + SWEEP_EVERY_MS));
    // The payment is still shown when the kit recorded it, not moved to the hook's latest run.
    expect(await page.locator('.timeline [data-kind="paid"] time').textContent()).toBe(paidAt);

    // The warehouse is back: the next sweep runs the hook, and the page says it succeeded.
    await seed(suite.sandbox.url, { [OUTAGES]: [{ _id: orderNo, down: false }] });
    await suite.kit.moveClock('set', { at: sweepAt + SWEEP_EVERY_MS });
    await page.locator('.timeline [data-kind="hook"][data-title="DONE"]').waitFor();
    expect(await hookEntry(page).locator('.entry-title').textContent()).toBe('已完成');
    expect(await fact(page, 'runs').textContent()).toBe('3');
    expect(await fact(page, 'retryFrom').count()).toBe(0);
    expect(await fact(page, 'sweepRetryAt').count()).toBe(0);
    expect(await fact(page, 'lastError').count()).toBe(0);
    // What failed before it succeeded is kept, said as such.
    expect(await hookEntry(page).locator('[data-fact="errorBeforeSuccess"] dt').textContent()).toBe(
      '成功前的错误',
    );
    expect(await page.locator('.timeline [data-kind="paid"] time').textContent()).toBe(paidAt);
  });

  test('a hook whose runner was stopped mid-run reads as cut off once its claim lapses, then done by the sweep', async () => {
    // A second after a sweep: the claim lapses (a minute on) well before the next one.
    const { now } = await suite.kit.clock('freeze');
    const start = Math.floor(now / SWEEP_EVERY_MS) * SWEEP_EVERY_MS + SWEEP_EVERY_MS + 1_000;
    const nextSweep = start - 1_000 + SWEEP_EVERY_MS;
    await suite.kit.moveClock('set', { at: start });
    const placed = await suite.kit.ok(BUYER, 'unifiedOrder', {
      items: [{ sku: 'coffee-latte', quantity: 1 }],
    });
    const { orderNo } = placed;
    await seed(suite.sandbox.url, { [OUTAGES]: [{ _id: orderNo, hangs: true }] });
    // WeChat's notification held for good: the buyer's query records the payment and runs the hook.
    await post(`${suite.sandbox.url}/sandbox/pay/callbacks`, { mode: 'hold', kind: 'payment', count: 1 });
    expect((await suite.kit.pay(BUYER, placed.payment)).errMsg).toBe('requestPayment:ok');
    await suite.kit.settle();
    const asking = callAs(suite.sandbox.url, BUYER, 'queryOrder', { orderNo }).catch((err: Error) => err);
    await eventually(
      async () => (await query(suite.sandbox.url, 'paykit_hook_runs', { orderNo })).length === 1 || undefined,
      10_000,
      'the hook to start',
    );

    const { page } = await suite.open(`#/orders/${orderNo}`);
    await page.locator('.timeline [data-kind="hook"][data-title="RUNNING"]').waitFor();
    expect(await fact(page, 'claimedUntil').textContent()).toBe(beijing(start + 60_000));
    expect(await fact(page, 'sweepRetryAt').count()).toBe(0);

    // The platform stops the query's instance mid-hook; the warehouse answers again.
    await post(`${suite.sandbox.url}/sandbox/functions/kill`, { name: 'queryOrder', mode: 'busy' });
    await asking;
    await seed(suite.sandbox.url, { [OUTAGES]: [{ _id: orderNo, hangs: false }] });
    await suite.kit.moveClock('set', { at: start + 61_000 });
    await page.locator('.timeline [data-kind="hook"][data-title="LAPSED"]').waitFor();
    expect(await hookEntry(page).locator('.entry-title').textContent()).toBe('运行被中止，等待重试');
    expect(await fact(page, 'sweepRetryAt').textContent()).toBe(beijing(nextSweep));

    // The sweep takes the lapsed claim over and finishes the hook.
    await suite.kit.moveClock('set', { at: nextSweep });
    await page.locator('.timeline [data-kind="hook"][data-title="DONE"]').waitFor();
    expect(await fact(page, 'runs').textContent()).toBe('2');
    expect(await fact(page, 'claimedUntil').count()).toBe(0);
  });
});
