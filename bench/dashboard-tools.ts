/**
 * The dashboard's tool pages (bench section `dashboard-tools`): the Database page showing a query's
 * 200 documents out of 10,000 orders (click → documents on screen), and how fast the live pages
 * follow the sandbox: an invocation → its row on the Functions page, a notification attempt → its
 * row on the Callbacks page (p50/p99 over 20, from the event's emission to the DOM change).
 *
 * Targets: the query < 1 s (a developer pokes at the data while debugging; it must stay
 * interactive on a big data folder); both delays < 250 ms, like the order page's.
 */
import type { Page } from 'playwright-core';
import type { LiveEvent } from '../typings/sandbox/dashboard';
import { seedOrders } from '../test/helpers/control';
import { appearedAt, launchBrowser, watchFor } from '../test/helpers/browser';
import { KitClient } from '../test/helpers/kit';
import { startSandboxProcess } from '../test/helpers/sandbox';
import { dataset, follow } from './dashboard';
import { row, summarize, withTarget } from './stats';

const QUERY_RUNS = 5;
const DELAY_RUNS = 20;
const BUYER = 'oPaykitLocalBuyer';

/** Runs `act` DELAY_RUNS times; each time the delay from the event `emitted` records to `selector(i)` on screen. */
async function liveDelays(
  page: Page,
  selector: (i: number) => string,
  act: (i: number) => Promise<void>,
  emitted: Map<number, number>,
): Promise<number[]> {
  const delays: number[] = [];
  for (let i = 0; i < DELAY_RUNS; i++) {
    await watchFor(page, selector(i));
    await act(i);
    await page.locator(selector(i)).first().waitFor();
    const shownAt = await appearedAt(page);
    const at = emitted.get(i);
    if (shownAt !== undefined && at !== undefined) delays.push(shownAt - at);
  }
  return delays;
}

export async function benchDashboardTools(): Promise<void> {
  const [sandbox, browser] = await Promise.all([startSandboxProcess(), launchBrowser()]);
  try {
    const base = sandbox.url;
    const kit = new KitClient(base);
    const { now } = await kit.clock('freeze');
    const orders = dataset(now);
    await seedOrders(base, orders);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();

    const query: number[] = [];
    for (let i = 0; i < QUERY_RUNS; i++) {
      await page.goto(`${base}/#/database?c=paykit_orders&run=${i}`);
      await page.getByLabel(/SDK/).fill('{"status": "SUCCESS"}');
      await page.getByLabel(/条数|Limit/).fill('200');
      const t = performance.now();
      await page.locator('button[data-action="query"]').click();
      await page.locator('article[data-doc]').nth(199).waitFor();
      query.push(performance.now() - t);
    }
    const q = summarize(query);
    console.log(
      withTarget(row(`db query, 200 of ${orders.length} orders shown`, q), '< 1 s (p99)', q.p99 < 1000),
    );

    // Live events by run: the i-th invocation of listProducts, the i-th notification.
    const invocations = new Map<number, number>();
    const notifications = new Map<number, number>();
    const seen = new Set<string>();
    const stop = follow(base, (e: LiveEvent) => {
      if (e.kind === 'invocation' && e.key === 'listProducts') invocations.set(invocations.size, e.wallAt);
      if (e.kind === 'notification' && e.key && !seen.has(e.key)) {
        seen.add(e.key);
        notifications.set(notifications.size, e.wallAt);
      }
    });

    await page.goto(`${base}/#/functions?name=listProducts`);
    await page.locator('.functions-page p.muted').waitFor();
    const fn = summarize(
      await liveDelays(
        page,
        (i) => `tr[data-function="listProducts"]:nth-child(${i + 1})`,
        async () => void (await kit.ok(BUYER, 'listProducts', {})),
        invocations,
      ),
    );
    console.log(withTarget(row('invocation → Functions page', fn), '< 250 ms (p99)', fn.p99 < 250));

    await page.goto(`${base}/#/callbacks`);
    await page.locator('.callbacks-page').waitFor();
    const cb = summarize(
      await liveDelays(
        page,
        (i) => `tr[data-notification="${i + 1}"]`,
        async () => {
          const placed = await kit.ok(BUYER, 'unifiedOrder', {
            items: [{ sku: 'coffee-latte', quantity: 1 }],
          });
          await kit.pay(BUYER, placed.payment);
        },
        notifications,
      ),
    );
    console.log(withTarget(row('notification attempt → Callbacks page', cb), '< 250 ms (p99)', cb.p99 < 250));
    stop();
    await context.close();
  } finally {
    await browser.close();
    await sandbox.stop();
  }
}
