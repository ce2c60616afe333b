/**
 * Headless Chromium for the dashboard suites (toolchain-notes §9): Debian's /usr/bin/chromium driven
 * by playwright-core (no browser download), one browser per suite, a fresh context per page. Every
 * page records what the browser complained about (console errors, CSP violations, uncaught errors)
 * so a suite can assert the page ran clean.
 */
import * as fs from 'fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.PAYKIT_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Less of the browser for a suite's CPU (a third fewer processes, ~20% less CPU on 2 cores):
  // compositing without a software GPU, two renderers shared by a suite's tabs, no extensions.
  '--disable-gpu-compositing',
  '--disable-software-rasterizer',
  '--renderer-process-limit=2',
  '--disable-extensions',
  '--disable-dev-shm-usage',
  '--disable-features=Translate,MediaRouter,OptimizationHints,PaintHolding,BackForwardCache',
  // A tab in the background (the live-update suites keep one open) runs its timers and renders
  // as the one in front does.
  '--disable-renderer-backgrounding',
  '--disable-background-timer-throttling',
  '--disable-backgrounding-occluded-windows',
];

export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium fonts-wqy-zenhei (what .ci/run does)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

export interface DashboardPage {
  page: Page;
  /** Console errors and uncaught exceptions seen so far. */
  problems: string[];
  close(): Promise<void>;
}

/** Opens `url` (the dashboard, a hash route) in a fresh context: 1280×800, Chinese unless `lang` says otherwise. */
export async function openDashboard(
  browser: Browser,
  url: string,
  opts: { lang?: 'zh' | 'en' } = {},
): Promise<DashboardPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
  if (opts.lang) {
    // A script text, not a function: this file is also compiled without the DOM library (bench/).
    await context.addInitScript({
      content: `localStorage.setItem('paykit.dashboard.lang', ${JSON.stringify(opts.lang)})`,
    });
  }
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (err) => problems.push(err.message));
  await page.goto(url);
  return { page, problems, close: () => context.close() };
}

/**
 * Starts watching the page for `selector`: `appearedAt(page)` then gives the page's Date.now() when
 * it first matched (undefined until then). For timing what the live stream brings on screen.
 */
export async function watchFor(page: Page, selector: string): Promise<void> {
  await page.evaluate(`(() => {
    window.__appearedAt = undefined;
    const seen = () => document.querySelector(${JSON.stringify(selector)});
    new MutationObserver((_, observer) => {
      if (seen()) { window.__appearedAt = Date.now(); observer.disconnect(); }
    }).observe(document.body, { childList: true, subtree: true, attributes: true, characterData: true });
  })()`);
}

export function appearedAt(page: Page): Promise<number | undefined> {
  return page.evaluate('window.__appearedAt') as Promise<number | undefined>;
}
