/**
 * docs/integrate.md, done to someone else's mini-program (test/fixtures/host-app: its own tab pages,
 * app.ts and a home page that wants to sell with <pay-button>): the kit is added by the documented
 * steps (build/integrate.ts for the copies and app.json, the rest by hand as the doc shows), the app
 * builds with the kit's build, and its own home page pays through the copied kit against a sandbox
 * running the copied functions. Broken steps are reported by the documented check.
 *
 * jsdom (miniprogram-simulate). The build and the host's tsc run in child processes, because esbuild
 * refuses jsdom's Uint8Array.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkIntegration } from '../../build/integrate-check';
import { integrateKit } from '../../build/integrate';
import { ROOT, startSandboxProcess, type SandboxProcess } from '../helpers/sandbox';
import { simulate, waitFor, type SimComponent } from '../helpers/simulate';
import { readDoc, installWxSandbox, seedProducts, type WxSandbox } from '../helpers/wx-sandbox';
import { installSimulatePolyfills } from '../setup';

const FIXTURE = path.join(ROOT, 'test/fixtures/host-app');
const HOST_PAGES = ['pages/index/index', 'pages/profile/profile'];
const KIT_PAGES = ['pages/orders/list/index', 'pages/orders/detail/index', 'pages/admin/bills/index'];
const NOTEBOOK = { sku: 'host-notebook', name: '点线笔记本', price: 1590 };

let tmp: string;
let app: string;
let out: string;
let sandbox: SandboxProcess;
let build: RunResult;
let typecheck: RunResult;

/** A fresh copy of the host app, with node_modules resolving to the repo's (what `npm install` gives). */
function copyHost(name: string): string {
  const dir = path.join(tmp, name);
  fs.cpSync(FIXTURE, dir, { recursive: true });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));

/** docs/integrate.md step 4: the two imports and the configurePaykit call in the host's app.ts. */
function wireAppTs(appRoot: string): void {
  const file = path.join(appRoot, 'miniprogram/app.ts');
  const code = fs.readFileSync(file, 'utf8');
  const imports = [
    "import { paykitOptions } from './paykit-options';",
    "import { configurePaykit } from './paykit/config';",
    '',
  ].join('\n');
  const launch = [
    'onLaunch() {',
    '    const paykit = configurePaykit(paykitOptions);',
    "    if (paykit.mode === 'cloud') wx.cloud.init({ traceUser: true, ...(paykit.env ? { env: paykit.env } : {}) });",
  ].join('\n');
  fs.writeFileSync(file, imports + code.replace('onLaunch() {', launch));
}

interface RunResult {
  status: number | null;
  output: string;
}

/** Runs node with `args` from the repo root; resolves with its exit code and everything it printed. */
function runNode(args: string[]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, output }));
  });
}

/** The kit's build (build/context + build/tasks) over the host project. */
function buildHost(appRoot: string, outDir: string): Promise<RunResult> {
  const script = `
    const { parallel, series } = require('gulp');
    const { createContext } = require('./build/context');
    const { createTasks } = require('./build/tasks');
    const ctx = createContext({ root: ${JSON.stringify(appRoot)}, out: ${JSON.stringify(outDir)} });
    const t = createTasks(ctx);
    series(t.clean, parallel(t.scripts, t.assets, t.npm), t.wxml)((err) => {
      if (err) { console.error(err.message); process.exit(1); }
    });`;
  return runNode(['-r', 'esbuild-register', '-e', script]);
}

/** The host's own type-check (its tsconfig.json), now over its code and the kit's. */
function typecheckHost(appRoot: string): Promise<RunResult> {
  const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
  return runNode([tsc, '-p', path.join(appRoot, 'tsconfig.json')]);
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-integrate-'));
  app = copyHost('app');
  out = path.join(app, 'dist');
  // Steps 1, 2, 3 (package.json), 5 (the copy): the helper the doc describes.
  integrateKit({ kitRoot: ROOT, appRoot: app });
  // Step 7: a sandbox running the functions copied into the host's cloudfunctionRoot.
  sandbox = await startSandboxProcess({ args: ['--functions', path.join(app, 'cloudfunctions')] });
  await seedProducts(sandbox.url, [NOTEBOOK]);
  fs.writeFileSync(
    path.join(app, 'miniprogram/paykit-options.ts'),
    [
      "import type { PaykitConfigInput } from './paykit/config';",
      '',
      `export const paykitOptions: PaykitConfigInput = { mode: 'local', gatewayUrl: '${sandbox.url}' };`,
      '',
    ].join('\n'),
  );
  wireAppTs(app);
  [build, typecheck] = await Promise.all([buildHost(app, out), typecheckHost(app)]);
}, 60000);

afterAll(async () => {
  await sandbox?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('adding the kit to an existing mini-program (docs/integrate.md)', () => {
  test("app.json keeps the host's pages first and gains the kit's", () => {
    const appJson = readJson(path.join(app, 'miniprogram/app.json'));
    expect(appJson.pages).toEqual([...HOST_PAGES, ...KIT_PAGES]);
    const original = readJson(path.join(FIXTURE, 'miniprogram/app.json'));
    expect(appJson.tabBar).toEqual(original.tabBar);
    expect(appJson.window).toEqual(original.window);
  });

  test('package.json, project.config.json and the functions are set up as the doc says', () => {
    expect(readJson(path.join(app, 'package.json')).dependencies).toEqual({ '@vant/weapp': '1.11.7' });
    const config = readJson(path.join(app, 'project.config.json'));
    expect(config.cloudfunctionRoot).toBe('cloudfunctions/');
    expect(config.setting.packNpmRelationList).toEqual([
      { packageJsonPath: './package.json', miniprogramNpmDistDir: './miniprogram/' },
    ]);
    expect(fs.existsSync(path.join(app, 'cloudfunctions/unifiedOrder/index.js'))).toBe(true);
    expect(fs.existsSync(path.join(app, 'typings/paykit/functions.ts'))).toBe(true);
  });

  test('the host builds with the kit in it, and the check finds nothing missing', () => {
    expect(build.output).not.toMatch(/error/i);
    expect(build.status).toBe(0);
    const mp = path.join(out, 'miniprogram');
    for (const page of [...HOST_PAGES, ...KIT_PAGES]) {
      expect(fs.existsSync(path.join(mp, `${page}.js`))).toBe(true);
      expect(fs.existsSync(path.join(mp, `${page}.wxml`))).toBe(true);
    }
    expect(fs.existsSync(path.join(mp, 'utils/format.js'))).toBe(true);
    expect(fs.lstatSync(path.join(mp, 'miniprogram_npm/@vant/weapp')).isSymbolicLink()).toBe(false);
    expect(fs.existsSync(path.join(mp, 'miniprogram_npm/@vant/weapp/button/index.js'))).toBe(true);
    expect(checkIntegration(app)).toEqual([]);
  });

  test("the host's tsc passes over its own code, the kit's and the app.ts snippet", () => {
    expect(typecheck.output).toBe('');
    expect(typecheck.status).toBe(0);
  });

  test("the host's own page pays with pay-button against the sandbox", async () => {
    expect(build.status).toBe(0);
    const mp = path.join(out, 'miniprogram');
    const globals = globalThis as unknown as Record<string, unknown>;
    const saved = { App: globals.App, Page: globals.Page };
    const wxs: WxSandbox = installWxSandbox(sandbox.url, 'o_unused_in_local_mode');
    const target = wx as unknown as Record<string, unknown>;
    const savedSheet = target.showActionSheet;
    const sheets: string[][] = [];
    try {
      // The host's built app.js, launched: its onLaunch is what configures the kit.
      let appOptions: { onLaunch?: () => void } = {};
      globals.App = (options: typeof appOptions) => (appOptions = options);
      // miniprogram-simulate renders components; a Page's data and handlers map onto one.
      installSimulatePolyfills();
      globals.Page = ({ data, ...handlers }: Record<string, unknown>) =>
        Component({ data: data as Record<string, unknown>, methods: handlers as never });
      require(path.join(mp, 'app.js'));
      appOptions.onLaunch?.();
      const { getPaykitConfig } = require(path.join(mp, 'paykit/config.js'));
      expect(getPaykitConfig()).toMatchObject({ mode: 'local', gatewayUrl: sandbox.url });

      // Local mode's sandbox pay sheet: the developer taps 模拟支付成功 (the first item).
      target.showActionSheet = (o: { itemList: string[]; success: (r: { tapIndex: number }) => void }) => {
        sheets.push(o.itemList);
        o.success({ tapIndex: 0 });
      };
      const id = simulate.load(path.join(mp, 'pages/index/index'), {
        rootPath: mp,
        usingComponents: { 'van-button': '/miniprogram_npm/@vant/weapp/button/index' },
      });
      const page = simulate.render(id) as SimComponent;
      page.attach(document.createElement('parent-wrapper'));
      expect(page.dom!.textContent).toContain('点线笔记本');
      expect(page.dom!.textContent).toContain('¥15.90');

      const button = page.querySelector('#buy')!;
      const successes: Array<{ orderNo: string; order: { status: string; totalFee: number } }> = [];
      (
        button as unknown as { addEventListener(n: string, cb: (e: { detail: never }) => void): void }
      ).addEventListener('success', (e) => successes.push(e.detail));
      button.querySelector('#pay-button')!.querySelector('.van-button')!.dispatchEvent('tap');

      const paid = await waitFor(() => successes[0], 20000);
      expect(paid.order).toMatchObject({ orderNo: paid.orderNo, status: 'SUCCESS', totalFee: 1590 });
      expect(sheets).toHaveLength(1);
      // The host page's own handler ran.
      await waitFor(() => (page.data.paidOrderNo ? true : undefined));
      expect(page.data.paidOrderNo).toBe(paid.orderNo);
      expect(page.dom!.textContent).toContain(`已支付：${paid.orderNo}`);

      const order = await readDoc(sandbox.url, 'paykit_orders', paid.orderNo);
      expect(order).toMatchObject({ status: 'SUCCESS', totalFee: 1590, openid: 'oPaykitLocalUser' });
      expect((order!.items as Array<{ sku: string }>).map((i) => i.sku)).toEqual([NOTEBOOK.sku]);
    } finally {
      target.showActionSheet = savedSheet;
      wxs.uninstall();
      Object.assign(globals, saved);
    }
  }, 40000);
});

describe('a missed step is reported by the check (build/integrate-check.ts)', () => {
  test('the untouched host: pay-button, the pages, the library, options, app.ts and functions', () => {
    const problems = checkIntegration(copyHost('untouched'));
    expect(problems).toEqual(
      expect.arrayContaining([
        'paykit/ (the client library) is not copied',
        'pages/orders/list/index is not copied',
        'pages/index/index.json: usingComponents "pay-button" → /components/pay-button/index does not exist',
        'package.json: @vant/weapp is not in "dependencies" (npm install @vant/weapp)',
        'paykit-options.ts is missing (it says which env or sandbox the kit talks to)',
        'app.ts does not call configurePaykit(paykitOptions) from ./paykit-options in onLaunch',
        'project.config.json has no cloudfunctionRoot',
        "cloudfunctions/unifiedOrder is missing (copy the kit's built dist/cloudfunctions/unifiedOrder)",
      ]),
    );
  });

  test('pages copied but not registered in app.json', () => {
    const host = copyHost('unregistered');
    const appJsonFile = path.join(host, 'miniprogram/app.json');
    const original = fs.readFileSync(appJsonFile);
    integrateKit({ kitRoot: ROOT, appRoot: host });
    fs.writeFileSync(appJsonFile, original); // the step forgotten
    wireAppTs(host);
    const problems = checkIntegration(host);
    for (const page of KIT_PAGES) {
      expect(problems).toContain(
        `app.json: ${page} is not registered (add it to "pages" or to a subpackage)`,
      );
    }
    // Before 构建 npm, vant is not in miniprogram_npm yet: also reported, and nothing else is.
    expect(problems.filter((p) => !/is not registered/.test(p))).toEqual([
      'miniprogram_npm: @vant/weapp is missing, used by components/pay-button/index.json (npm install, then 工具 → 构建 npm)',
    ]);
  });

  test('subpackages: the kit pages go into subPackages, which the check accepts', () => {
    const host = copyHost('subpackages');
    const result = integrateKit({ kitRoot: ROOT, appRoot: host, subpackages: true, admin: false });
    expect(result.pagesAdded).toEqual(KIT_PAGES.slice(0, 2));
    const appJson = readJson(path.join(host, 'miniprogram/app.json'));
    expect(appJson.pages).toEqual(HOST_PAGES);
    expect(appJson.subPackages).toEqual([{ root: 'pages/orders', pages: ['list/index', 'detail/index'] }]);
    expect(fs.existsSync(path.join(host, 'miniprogram/pages/admin'))).toBe(false);
    expect(checkIntegration(host).filter((p) => /regist/.test(p))).toEqual([]);
  });

  test("a host file in the kit's way stops the copy before anything is written", () => {
    const host = copyHost('conflict');
    const mine = path.join(host, 'miniprogram/pages/orders/list/index.wxml');
    fs.mkdirSync(path.dirname(mine), { recursive: true });
    fs.writeFileSync(mine, '<view>my own orders</view>\n');
    expect(() => integrateKit({ kitRoot: ROOT, appRoot: host })).toThrow(
      /already exist with other contents[\s\S]*miniprogram\/pages\/orders\/list\/index\.wxml/,
    );
    expect(fs.existsSync(path.join(host, 'miniprogram/paykit'))).toBe(false);
    expect(readJson(path.join(host, 'miniprogram/app.json')).pages).toEqual(HOST_PAGES);
  });
});
