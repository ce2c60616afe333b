/**
 * `npm run screenshots:dashboard`: the README's pictures of the dashboard, made again from nothing.
 * Starts a fresh sandbox as `npm start` does (demo catalogue, local users) with its clock frozen at
 * a fixed instant, makes a few orders through the gateway as the local users (one paid after a lost
 * callback and partly refunded, one paid, one left open, one closed), and shoots the overview and
 * that first order's timeline at 1280×800 into docs/images/dashboard-*.png.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { UnifiedOrderResult } from '../../typings/paykit/functions';
import { callAs, post } from '../../test/helpers/control';
import { launchBrowser } from '../../test/helpers/browser';
import { useRunFolder } from '../../test/helpers/run-folder';
import { ROOT, startSandboxProcess } from '../../test/helpers/sandbox';
import { LOCAL_USERS } from '../commands/call-commands';

/** 2024-03-15 10:30:00 Beijing. */
const FROZEN_AT = Date.UTC(2024, 2, 15, 2, 30, 0);
const OUT = path.join(ROOT, 'docs/images');

interface Kit<T> {
  ok: boolean;
  data: T;
  code?: string;
  message?: string;
}

async function main(): Promise<void> {
  // The sandbox's data folder (and the browser's profile) go when this ends.
  useRunFolder('paykit-dashboard-shots-');
  const [sandbox, browser] = await Promise.all([startSandboxProcess(), launchBrowser()]);
  try {
    const base = sandbox.url;
    const clock = (body: Record<string, unknown>) => post(`${base}/sandbox/clock`, body);
    const call = async <T>(openid: string, name: string, data: Record<string, unknown>): Promise<T> => {
      const answer = await callAs<Kit<T>>(base, openid, name, data);
      if (!answer.ok) throw new Error(`${name} answered ${answer.code}: ${answer.message}`);
      return answer.data;
    };
    const buy = (openid: string, sku: string, quantity = 1) =>
      call<UnifiedOrderResult>(openid, 'unifiedOrder', { items: [{ sku, quantity }] });
    const pay = (openid: string, placed: UnifiedOrderResult) =>
      post(`${base}/sandbox/pay/act`, { package: placed.payment.package, openid, action: 'pay' });
    const settle = () => post(`${base}/sandbox/pay/settle`, {});
    const { buyer, admin } = LOCAL_USERS;

    await clock({ action: 'freeze', at: FROZEN_AT });
    // The story of the pictured order: WeChat's first notification is lost, the retry lands, a refund.
    const story = await buy(buyer, 'coffee-latte', 2);
    await clock({ action: 'advance', ms: 40_000 });
    await post(`${base}/sandbox/pay/callbacks`, { mode: 'drop', count: 1 });
    await pay(buyer, story);
    await settle();
    await clock({ action: 'advance', ms: 15_000 });
    await settle();
    await clock({ action: 'advance', ms: 5 * 60_000 });
    await call(admin, 'refund', { orderNo: story.orderNo, refundFee: 2800, reason: '少送一杯' });
    await settle();
    // More orders for the overview's counts.
    const tea = await buy(admin, 'tea-oolong');
    await pay(admin, tea);
    await settle();
    await buy(buyer, 'cake-cheese');
    const late = await buy(buyer, 'sticker-pack', 3);
    await clock({ action: 'advance', ms: 6 * 60_000 });
    await call(buyer, 'closeOrder', { orderNo: late.orderNo });
    await buy(admin, 'coffee-latte');
    await settle();

    fs.mkdirSync(OUT, { recursive: true });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await page.locator('[data-live="on"]').waitFor();
    await page.getByText('oPaykitLocalUser').first().waitFor();
    await page.screenshot({ path: path.join(OUT, 'dashboard-overview.png') });
    await page.goto(`${base}/#/orders/${story.orderNo}`);
    await page.locator('.timeline [data-kind="refunded"]').waitFor();
    await page.screenshot({ path: path.join(OUT, 'dashboard-order.png') });
    await context.close();
    console.log(`wrote ${path.relative(ROOT, OUT)}/dashboard-overview.png and dashboard-order.png`);
  } finally {
    await browser.close();
    await sandbox.stop();
  }
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
