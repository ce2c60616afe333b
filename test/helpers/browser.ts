/**
 * Headless Chromium for the dashboard suites (toolchain-notes §9): Debian's Chromium driven by
 * playwright-core (no browser download), one browser per suite, a fresh context per page. Every
 * page records what the browser complained about (console errors, CSP violations, uncaught errors)
 * so a suite can assert the page ran clean.
 */
import * as fs from 'fs';
import { createRequire } from 'module';
import type { Browser, Page } from 'playwright-core';

/**
 * playwright-core through Node's own require, not jest's: one copy per jest worker instead of one
 * per suite. Its 3.5 MB bundle costs ~0.3 CPU-s to load, and each copy enables an AsyncLocalStorage
 * that Node never lets go of, after which every promise the worker makes pays for each copy.
 */
const { chromium } = createRequire(__filename)('playwright-core') as typeof import('playwright-core');

/**
 * The browser binary: $PAYKIT_CHROMIUM, else Debian's headless shell (`chromium-headless-shell`, the
 * same Blink as `chromium` without the browser's own UI; what playwright runs for headless by
 * default), else the full `chromium`. The full browser starts two renderers per tab (the page's and
 * the toolbar's omnibox popup, a WebUI page of its own), about six times the CPU of a tab in the
 * shell: ~1.7 CPU-s against ~0.3 per dashboard tab on this machine kind.
 */
const CHROMIUM_CANDIDATES = ['/usr/bin/chromium-headless-shell', '/usr/bin/chromium'];

export function chromiumPath(): string | undefined {
  const candidates = process.env.PAYKIT_CHROMIUM ? [process.env.PAYKIT_CHROMIUM] : CHROMIUM_CANDIDATES;
  return candidates.find((file) => fs.existsSync(file));
}

/** Where no browser was found and what to install (what .ci/run installs), in one line. */
export function chromiumMissing(): string {
  const looked = process.env.PAYKIT_CHROMIUM ?? CHROMIUM_CANDIDATES.join(' or ');
  return `no Chromium at ${looked}: apt-get install chromium-headless-shell fonts-wqy-zenhei`;
}

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
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error(`${chromiumMissing()} (what .ci/run does)`);
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
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
