/**
 * A dashboard suite's fixtures: one sandbox started as `npm start` starts it and one headless
 * Chromium for the suite, and tabs that must run clean: after each test every tab it opened is
 * checked for console errors and uncaught exceptions, then closed.
 */
import type { Browser } from 'playwright-core';
import { launchBrowser, openDashboard, type DashboardPage } from './browser';
import { KitClient } from './kit';
import { startSandboxProcess, type SandboxProcess, type StartOptions } from './sandbox';

export interface DashboardSuite {
  readonly sandbox: SandboxProcess;
  readonly browser: Browser;
  readonly kit: KitClient;
  /** The tabs this test opened (a test that expects refusals in the console empties `problems`). */
  readonly tabs: DashboardPage[];
  /** Opens the dashboard at `route` (a hash route such as `#/orders`) in a fresh context. */
  open(route?: string): Promise<DashboardPage>;
}

/**
 * Registers the suite's beforeAll / afterEach / afterAll; `ready` runs once both are up. `start`
 * gives the sandbox's options (another folder of functions), asked for in beforeAll: a suite's own
 * beforeAll registered first has made what they name by then.
 */
export function dashboardSuite(
  ready?: (suite: DashboardSuite) => Promise<void>,
  start: () => StartOptions = () => ({}),
): DashboardSuite {
  let sandbox: SandboxProcess | undefined;
  let browser: Browser | undefined;
  let kit: KitClient | undefined;
  const tabs: DashboardPage[] = [];
  const started = <T>(what: string, value: T | undefined): T => {
    if (value === undefined)
      throw new Error(`the dashboard suite's ${what} is not started (beforeAll failed?)`);
    return value;
  };
  const suite: DashboardSuite = {
    get sandbox() {
      return started('sandbox', sandbox);
    },
    get browser() {
      return started('browser', browser);
    },
    get kit() {
      return started('kit client', kit);
    },
    tabs,
    async open(route = '') {
      const tab = await openDashboard(suite.browser, `${suite.sandbox.url}/${route}`);
      tabs.push(tab);
      return tab;
    },
  };

  beforeAll(async () => {
    [sandbox, browser] = await Promise.all([startSandboxProcess(start()), launchBrowser()]);
    kit = new KitClient(sandbox.url);
    await ready?.(suite);
  });

  afterEach(async () => {
    for (const tab of tabs.splice(0)) {
      expect(tab.problems).toEqual([]);
      await tab.close();
    }
  });

  afterAll(async () => {
    await browser?.close();
    await sandbox?.stop();
  });

  return suite;
}
