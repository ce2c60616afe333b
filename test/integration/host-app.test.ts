/**
 * docs/integrate.md, done to someone else's mini-program (test/fixtures/host-app: its own tab pages,
 * app.ts and a home page that wants to sell with <pay-button>): the kit is added by the documented
 * steps (build/integrate.ts for the copies and app.json, the rest by hand as the doc shows), the app
 * builds with the kit's build, and its own home page pays through the copied kit against a sandbox
 * running the copied functions. The same for a plain JavaScript mini-program without a package.json
 * (test/fixtures/host-app-js): it gets the compiled kit, a package.json, and 构建 npm. Broken steps
 * are reported by the documented check, naming the host's own files.
 *
 * jsdom (miniprogram-simulate). The build and the host's tsc run in child processes, because esbuild
 * refuses jsdom's Uint8Array.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkIntegration } from '../../build/integrate-check';
import { createContext } from '../../build/context';
import { integrateKit, type IntegrateResult } from '../../build/integrate';
import { syncMiniprogramNpm } from '../../build/npm';
import { eventually, readDoc, seedProducts } from '../helpers/control';
import { ROOT, startSandboxProcess, type SandboxProcess } from '../helpers/sandbox';
import { simulate, type SimComponent } from '../helpers/simulate';
import { installWxSandbox, type WxSandbox } from '../helpers/wx-sandbox';
import { installSimulatePolyfills } from '../setup';
import { ordersText, pageTitleText } from '../../miniprogram/paykit/strings';

const FIXTURE = path.join(ROOT, 'test/fixtures/host-app');
const FIXTURE_JS = path.join(ROOT, 'test/fixtures/host-app-js');
const HOST_PAGES = ['pages/index/index', 'pages/profile/profile'];
const KIT_PAGES = [
  'pages/orders/list/index',
  'pages/orders/detail/index',
  'pages/admin/bills/index',
  'pages/admin/to-ship/index',
];
const NOTEBOOK = { sku: 'host-notebook', name: '点线笔记本', price: 1590 };

let tmp: string;
let app: string;
let out: string;
let sandbox: SandboxProcess;
let build: RunResult;
let typecheck: RunResult;

/** A fresh copy of the host app, with node_modules resolving to the repo's (what `npm install` gives). */
function copyHost(name: string, fixture = FIXTURE): string {
  const dir = path.join(tmp, name);
  fs.cpSync(fixture, dir, { recursive: true });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));

/** docs/integrate.md step 4: two imports (requires in a JavaScript app) and the configurePaykit call in app.ts/js. */
function wireApp(appRoot: string, lang: 'ts' | 'js' = 'ts'): void {
  const file = path.join(appRoot, `miniprogram/app.${lang}`);
  const code = fs.readFileSync(file, 'utf8');
  const imports = (
    lang === 'ts'
      ? [
          "import { paykitOptions } from './paykit-options';",
          "import { configurePaykit } from './paykit/config';",
        ]
      : [
          "const { paykitOptions } = require('./paykit-options');",
          "const { configurePaykit } = require('./paykit/config');",
        ]
  )
    .concat('')
    .join('\n');
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
  // The shop's own business when money moves, in its own folder: the kit never writes it, and the
  // integration bundles it into the functions (DESIGN §4, merchant code outside the kit).
  fs.mkdirSync(path.join(app, 'merchant'));
  fs.writeFileSync(path.join(app, 'merchant/hooks.ts'), MERCHANT_HOOKS);
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
  wireApp(app);
  // Step 6, 构建 npm into the host's miniprogram/ (packNpmRelationList): the kit's npm step copies the
  // same files, only those the host's mini-program reaches, without miniprogram-ci.
  syncMiniprogramNpm(
    createContext({ root: app }),
    path.join(app, 'miniprogram'),
    path.join(tmp, 'npm-stamp.json'),
  );
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

  test("the kit's pages keep their titles from strings.ts in the sources a TypeScript host copies", () => {
    const title = (page: string) =>
      readJson(path.join(app, 'miniprogram', `${page}.json`)).navigationBarTitleText;
    expect(KIT_PAGES.map(title)).toEqual(KIT_PAGES.map((page) => pageTitleText[page]));
    expect(title('pages/orders/list/index')).toBe(ordersText.title);
    // The host's own pages are its own.
    expect(readJson(path.join(app, 'miniprogram/pages/index/index.json'))).toEqual(
      readJson(path.join(FIXTURE, 'miniprogram/pages/index/index.json')),
    );
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

  test("the host's own page pays with pay-button against the sandbox, and the host's own onPaid runs", async () => {
    expect(build.status).toBe(0);
    const orderNo = await payFromHomePage(path.join(out, 'miniprogram'), sandbox.url, NOTEBOOK);
    // merchant/hooks.ts, not the kit's example: its record, and no example delivery.
    const fulfilment = await eventually(() =>
      readDoc(sandbox.url, 'shop_fulfilment', orderNo).then((d) => d ?? undefined),
    );
    expect(fulfilment).toMatchObject({ state: 'TO_SHIP', skus: [NOTEBOOK.sku] });
    expect(await readDoc(sandbox.url, 'paykit_deliveries', orderNo)).toBeNull();
    expect(fs.readFileSync(path.join(app, 'merchant/hooks.ts'), 'utf8')).toBe(MERCHANT_HOOKS);
    expect(fs.existsSync(path.join(app, 'merchant/paykit-hooks-api.ts'))).toBe(true);
  }, 40000);
});

/**
 * Launches the host's app script (its onLaunch configures the kit), renders its home page and taps
 * the pay-button in local mode; the sandbox pay sheet pays. Checks the host's own handler ran and
 * the order is paid at the catalogue price.
 */
async function payFromHomePage(
  mp: string,
  url: string,
  product: { sku: string; name: string; price: number },
): Promise<string> {
  const globals = globalThis as unknown as Record<string, unknown>;
  const saved = { App: globals.App, Page: globals.Page };
  const wxs: WxSandbox = installWxSandbox(url, 'o_unused_in_local_mode');
  const target = wx as unknown as Record<string, unknown>;
  const savedSheet = target.showActionSheet;
  const sheets: string[][] = [];
  try {
    // The host's app.js, launched: its onLaunch is what configures the kit.
    let appOptions: { onLaunch?: () => void } = {};
    globals.App = (options: typeof appOptions) => (appOptions = options);
    // miniprogram-simulate renders components; a Page's data and handlers map onto one.
    installSimulatePolyfills();
    globals.Page = ({ data, ...handlers }: Record<string, unknown>) =>
      Component({ data: data as Record<string, unknown>, methods: handlers as never });
    require(path.join(mp, 'app.js'));
    appOptions.onLaunch?.();
    const { getPaykitConfig } = require(path.join(mp, 'paykit/config.js'));
    expect(getPaykitConfig()).toMatchObject({ mode: 'local', gatewayUrl: url });

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
    expect(page.dom!.textContent).toContain(product.name);
    expect(page.dom!.textContent).toContain(`¥${(product.price / 100).toFixed(2)}`);

    const button = page.querySelector('#buy')!;
    const successes: Array<{ orderNo: string; order: { status: string; totalFee: number } }> = [];
    (
      button as unknown as { addEventListener(n: string, cb: (e: { detail: never }) => void): void }
    ).addEventListener('success', (e) => successes.push(e.detail));
    button.querySelector('#pay-button')!.querySelector('.van-button')!.dispatchEvent('tap');

    const paid = await eventually(() => successes[0], 20000);
    expect(paid.order).toMatchObject({ orderNo: paid.orderNo, status: 'SUCCESS', totalFee: product.price });
    expect(sheets).toHaveLength(1);
    // The host page's own handler ran.
    await eventually(() => (page.data.paidOrderNo ? true : undefined));
    expect(page.data.paidOrderNo).toBe(paid.orderNo);
    expect(page.dom!.textContent).toContain(`已支付：${paid.orderNo}`);

    const order = await readDoc(url, 'paykit_orders', paid.orderNo);
    expect(order).toMatchObject({ status: 'SUCCESS', totalFee: product.price, openid: 'oPaykitLocalUser' });
    expect((order!.items as Array<{ sku: string }>).map((i) => i.sku)).toEqual([product.sku]);
    return paid.orderNo;
  } finally {
    target.showActionSheet = savedSheet;
    wxs.uninstall();
    Object.assign(globals, saved);
  }
}

const MERCHANT_HOOKS = `import { mergeDoc, type OnPaid, type OnRefunded } from './paykit-hooks-api';

export const onPaid: OnPaid = async (order, db) => {
  await mergeDoc(db, 'shop_fulfilment', order._id, { state: 'TO_SHIP', skus: order.items.map((i) => i.sku) });
};

export const onRefunded: OnRefunded = async (order, refund, db) => {
  await mergeDoc(db, 'shop_fulfilment', order._id, { refunds: { [refund.outRefundNo]: refund.refundFee } });
};
`;

/** Every file under `dir`, relative to it (posix). */
function filesUnder(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => fs.statSync(path.join(dir, f)).isFile())
    .map((f) => f.split(path.sep).join('/'));
}

/** DevTools 工具 → 构建 npm, as project.config.json's packNpmRelationList tells it (miniprogram-ci, offline). */
function packNpm(appRoot: string): Promise<RunResult> {
  const config = readJson(path.join(appRoot, 'project.config.json'));
  const [relation] = config.setting.packNpmRelationList as Array<{
    packageJsonPath: string;
    miniprogramNpmDistDir: string;
  }>;
  const script = `
    require('miniprogram-ci').packNpmManually({
      packageJsonPath: ${JSON.stringify(path.resolve(appRoot, relation.packageJsonPath))},
      miniprogramNpmDistDir: ${JSON.stringify(path.resolve(appRoot, relation.miniprogramNpmDistDir))},
    }).then((r) => console.log(JSON.stringify(r)), (err) => { console.error(err); process.exit(1); });`;
  return runNode(['-e', script]);
}

describe('adding the kit to a JavaScript mini-program without package.json', () => {
  let jsApp: string;
  let jsSandbox: SandboxProcess;
  let first: IntegrateResult;
  let again: IntegrateResult;
  let npm: RunResult;
  const TEA = { sku: 'tea-oolong', name: '乌龙茶', price: 1600 };

  beforeAll(async () => {
    jsApp = copyHost('js-app', FIXTURE_JS);
    first = integrateKit({ kitRoot: ROOT, appRoot: jsApp });
    again = integrateKit({ kitRoot: ROOT, appRoot: jsApp });
    // The default sandbox: its demo catalogue sells tea-oolong; it runs the functions copied here.
    jsSandbox = await startSandboxProcess({ args: ['--functions', path.join(jsApp, 'cloudfunctions')] });
    fs.writeFileSync(
      path.join(jsApp, 'miniprogram/paykit-options.js'),
      `module.exports = { paykitOptions: { mode: 'local', gatewayUrl: '${jsSandbox.url}' } };\n`,
    );
    wireApp(jsApp, 'js');
    // `npm install` of the created package.json: @vant/weapp alone, in a real node_modules (构建 npm
    // finds nothing through a symlinked one).
    fs.rmSync(path.join(jsApp, 'node_modules'));
    fs.cpSync(path.join(ROOT, 'node_modules/@vant/weapp'), path.join(jsApp, 'node_modules/@vant/weapp'), {
      recursive: true,
    });
    npm = await packNpm(jsApp);
  }, 90000);

  afterAll(async () => {
    await jsSandbox?.stop();
  });

  test('app.js means JavaScript: the compiled kit, no TypeScript, no typings', () => {
    expect(first.language).toBe('js');
    const mp = path.join(jsApp, 'miniprogram');
    for (const part of ['paykit', 'components/pay-button', 'pages/orders', 'pages/admin']) {
      const files = filesUnder(path.join(mp, part));
      expect(files.length).toBeGreaterThan(0);
      expect(files.filter((f) => !/\.(js|json|wxml|wxss|wxs)$/.test(f))).toEqual([]);
    }
    expect(fs.existsSync(path.join(mp, 'paykit/index.js'))).toBe(true);
    expect(fs.existsSync(path.join(mp, 'pages/orders/list/index.js'))).toBe(true);
    expect(fs.existsSync(path.join(jsApp, 'typings'))).toBe(false);
    expect(first.copied).toContain('miniprogram/paykit-options.js');
    expect(fs.existsSync(path.join(mp, 'paykit-options.ts'))).toBe(false);
    expect(readJson(path.join(mp, 'app.json')).pages).toEqual(['pages/index/index', ...KIT_PAGES]);
    // The build's page json, titled from strings.ts.
    expect(readJson(path.join(mp, 'pages/orders/list/index.json')).navigationBarTitleText).toBe(
      ordersText.title,
    );
  });

  test('merchant/paykit-hooks-api.js is the hooks API compiled to CommonJS', () => {
    expect(first.copied).toContain('merchant/paykit-hooks-api.js');
    expect(fs.existsSync(path.join(jsApp, 'merchant/paykit-hooks-api.ts'))).toBe(false);
    const api = require(path.join(jsApp, 'merchant/paykit-hooks-api.js')) as Record<string, unknown>;
    expect(typeof api.mergeDoc).toBe('function');
    expect(api.MERCHANT_HOOKS_MODULE).toBe('paykit-merchant-hooks');
  });

  test('package.json is created with @vant/weapp, and 构建 npm is pointed at it', () => {
    expect(readJson(path.join(jsApp, 'package.json'))).toEqual({
      name: 'js-app',
      version: '1.0.0',
      private: true,
      dependencies: { '@vant/weapp': '1.11.7' },
    });
    const config = readJson(path.join(jsApp, 'project.config.json'));
    expect(config.cloudfunctionRoot).toBe('cloudfunctions/');
    expect(config.setting).toMatchObject({
      packNpmManually: true,
      packNpmRelationList: [{ packageJsonPath: './package.json', miniprogramNpmDistDir: './miniprogram/' }],
    });
    expect(first.edited).toEqual(
      expect.arrayContaining(['package.json', 'project.config.json', 'miniprogram/app.json']),
    );
  });

  test("the to-do list names the host's own files", () => {
    const todo = first.todo.join('\n');
    expect(todo).toContain('package.json was created');
    expect(todo).toContain("app.js: const { configurePaykit } = require('./paykit/config')");
    expect(todo).toContain('miniprogram/paykit-options.js: your env id');
    expect(todo).not.toMatch(/app\.ts|paykit-options\.ts/);
  });

  test('a re-run copies nothing and reports every file unchanged', () => {
    expect(again.copied).toEqual([]);
    expect(again.edited).toEqual([]);
    expect(again.pagesAdded).toEqual([]);
    expect(again.unchanged.sort()).toEqual(
      first.copied.filter((f) => f !== 'miniprogram/paykit-options.js').sort(),
    );
  });

  test('after 构建 npm the check finds nothing missing', () => {
    expect(npm.output).toContain('"miniProgramPackNum":1');
    expect(npm.status).toBe(0);
    expect(fs.existsSync(path.join(jsApp, 'miniprogram/miniprogram_npm/@vant/weapp/button/index.js'))).toBe(
      true,
    );
    expect(checkIntegration(jsApp)).toEqual([]);
  });

  test("the host's own JavaScript page pays with pay-button against the sandbox", async () => {
    expect(npm.status).toBe(0);
    await payFromHomePage(path.join(jsApp, 'miniprogram'), jsSandbox.url, TEA);
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

  test('the untouched JavaScript host: its own app.js, paykit-options.js and the missing package.json', async () => {
    const host = copyHost('untouched-js', FIXTURE_JS);
    const problems = checkIntegration(host);
    expect(problems).toEqual(
      expect.arrayContaining([
        'paykit/ (the client library) is not copied',
        'package.json is missing (npm init -y && npm install @vant/weapp)',
        'paykit-options.js is missing (it says which env or sandbox the kit talks to)',
        'app.js does not call configurePaykit(paykitOptions) from ./paykit-options in onLaunch',
      ]),
    );
    expect(problems.join('\n')).not.toMatch(/app\.ts|paykit-options\.ts/);
    // The command line says the same, and fails.
    const cli = await runNode(['-r', 'esbuild-register', 'build/integrate.ts', host, '--check']);
    expect(cli.status).toBe(1);
    expect(cli.output).toContain('- app.js does not call configurePaykit');
  });

  test('TypeScript copied into a JavaScript host (--ts on an app.js project) is reported', () => {
    const host = copyHost('ts-into-js', FIXTURE_JS);
    integrateKit({ kitRoot: ROOT, appRoot: host, language: 'ts' });
    const problems = checkIntegration(host);
    expect(problems).toContain(
      "paykit/ holds TypeScript, which this JavaScript mini-program cannot run: copy the kit's built dist/miniprogram/paykit instead (integrate.ts --js --overwrite)",
    );
    // The script of every copied page is missing as far as a JavaScript app is concerned.
    expect(problems).toContain('paykit/ (the client library) is not copied');
    // --js --overwrite puts the compiled kit over it.
    integrateKit({ kitRoot: ROOT, appRoot: host, language: 'js', overwrite: true });
    expect(fs.existsSync(path.join(host, 'miniprogram/paykit/index.js'))).toBe(true);
  });

  test('a JavaScript host whose mini-program is the project root (no typings needed)', () => {
    const host = path.join(tmp, 'js-root');
    fs.cpSync(path.join(FIXTURE_JS, 'miniprogram'), host, { recursive: true });
    const config = readJson(path.join(FIXTURE_JS, 'project.config.json'));
    delete config.miniprogramRoot;
    fs.writeFileSync(path.join(host, 'project.config.json'), JSON.stringify(config));
    const result = integrateKit({ kitRoot: ROOT, appRoot: host, functions: false });
    expect(result.language).toBe('js');
    expect(fs.existsSync(path.join(host, 'paykit/index.js'))).toBe(true);
    // package.json inside the mini-program folder: 构建 npm finds it without a relation list.
    expect(readJson(path.join(host, 'package.json')).dependencies).toEqual({ '@vant/weapp': '1.11.7' });
    expect(readJson(path.join(host, 'project.config.json')).setting.packNpmRelationList).toBeUndefined();
  });

  test("the merchant's private key copied with the functions is git-ignored in the host before it is written", () => {
    // A kit whose build carried secrets/ (the APIv3 key) into a function, as npm run build does.
    const kit = path.join(tmp, 'kit-with-secrets');
    fs.mkdirSync(kit, { recursive: true });
    for (const part of ['miniprogram', 'typings', 'cloudfunctions', 'package.json'])
      fs.symlinkSync(path.join(ROOT, part), path.join(kit, part));
    const fn = path.join(kit, 'dist/cloudfunctions/refund');
    fs.cpSync(path.join(ROOT, 'dist/cloudfunctions/refund'), fn, { recursive: true });
    fs.mkdirSync(path.join(fn, 'secrets'));
    fs.writeFileSync(path.join(fn, 'secrets/apiclient_key.pem'), '-----BEGIN PRIVATE KEY-----\n');
    const host = copyHost('with-secrets');
    fs.writeFileSync(path.join(host, '.gitignore'), 'node_modules');

    const result = integrateKit({ kitRoot: kit, appRoot: host });
    expect(result.secrets).toEqual(['cloudfunctions/refund/secrets/apiclient_key.pem']);
    expect(result.edited).toContain('.gitignore');
    const ignored =
      "node_modules\n# The merchant's private key, copied into each function by weapp-paykit\n/cloudfunctions/*/secrets/\n";
    expect(fs.readFileSync(path.join(host, '.gitignore'), 'utf8')).toBe(ignored);
    // Once is enough: a re-run leaves the host's .gitignore alone.
    const again = integrateKit({ kitRoot: kit, appRoot: host });
    expect(again.edited).not.toContain('.gitignore');
    expect(fs.readFileSync(path.join(host, '.gitignore'), 'utf8')).toBe(ignored);
  });

  test("the to-do: wx-server-sdk for a TypeScript host's tsc when it has none, and either provider's settings", () => {
    const host = path.join(tmp, 'no-node-modules');
    fs.cpSync(FIXTURE, host, { recursive: true });
    const todo = integrateKit({ kitRoot: ROOT, appRoot: host, functions: false }).todo.join('\n');
    expect(todo).toContain(
      'npm install --save-dev wx-server-sdk in the project root: merchant/paykit-hooks-api.ts takes its database type from it',
    );
    expect(todo).toMatch(/PAYKIT_PROVIDER=apiv3 and the APIv3 variables .* or PAYKIT_SUB_MCH_ID/);
    // With the package at hand (the other hosts link the repo's node_modules) it is not asked for.
    const linked = copyHost('linked-node-modules');
    expect(integrateKit({ kitRoot: ROOT, appRoot: linked, functions: false }).todo.join('\n')).not.toContain(
      'wx-server-sdk',
    );
  });

  test('pages copied but not registered in app.json', () => {
    const host = copyHost('unregistered');
    const appJsonFile = path.join(host, 'miniprogram/app.json');
    const original = fs.readFileSync(appJsonFile);
    integrateKit({ kitRoot: ROOT, appRoot: host });
    fs.writeFileSync(appJsonFile, original); // the step forgotten
    wireApp(host);
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
