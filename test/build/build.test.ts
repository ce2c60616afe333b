/** @jest-environment node */
import * as fs from 'fs';
import { parallel, series } from 'gulp';
import * as os from 'os';
import * as path from 'path';
import { createContext, findRequires, isInside } from '../../build/context';
import { DEFAULT_FUNCTION_CONFIG, listFunctions } from '../../build/bundles';
import { listScripts } from '../../build/miniprogram';
import { NPM_STAMP, syncMiniprogramNpm } from '../../build/npm';
import { createTasks } from '../../build/tasks';
import { createFixture, filesUnder, type Fixture, PNG_BYTES, REPO, runTask } from './fixture';

describe('gulp build on a fixture project', () => {
  let fx: Fixture;
  const mpOut = () => path.join(fx.out, 'miniprogram');

  beforeAll(async () => {
    fx = createFixture();
    // The merchant's APIv3 private key, in the git-ignored secrets/ folder.
    fs.mkdirSync(path.join(fx.root, 'secrets'));
    fs.writeFileSync(path.join(fx.root, 'secrets/apiclient_key.pem'), 'test key\n');
    await runTask(createTasks(fx.ctx).build);
  });
  afterAll(() => fx.remove());

  it('copies images byte for byte', () => {
    expect(fs.readFileSync(path.join(mpOut(), 'images/logo.png')).equals(PNG_BYTES)).toBe(true);
  });

  it('emits one .js per kit .ts and no .ts at all', () => {
    const out = filesUnder(mpOut()).filter((f) => !f.startsWith('miniprogram_npm'));
    expect(out.filter((f) => f.endsWith('.ts'))).toEqual([]);
    expect(out.filter((f) => f.endsWith('.js'))).toEqual([
      'app.js',
      'components/pay-button/index.js',
      'pages/shop/index.js',
      'utils/money.js',
    ]);
    expect(out).toEqual(
      expect.arrayContaining([
        'app.json',
        'pages/shop/index.wxml',
        'pages/shop/index.wxss',
        'utils/money.wxs',
      ]),
    );
  });

  it('keeps vant and relative requires, drops type-only imports, and stays inside dist/miniprogram', () => {
    const page = path.join(mpOut(), 'pages/shop/index.js');
    const requires = findRequires(fs.readFileSync(page, 'utf8'));
    expect(requires.sort()).toEqual(['../../utils/money', '@vant/weapp/toast/toast']);
    for (const spec of requires.filter((s) => s.startsWith('.'))) {
      expect(isInside(mpOut(), path.resolve(path.dirname(page), spec))).toBe(true);
    }
  });

  it('makes dist/miniprogram/miniprogram_npm a real copy of the @vant/weapp/lib files it reaches, and leaves the source tree alone', () => {
    const lib = path.join(REPO, 'node_modules/@vant/weapp/lib');
    const copy = path.join(mpOut(), 'miniprogram_npm/@vant/weapp');
    expect(fs.lstatSync(copy).isSymbolicLink()).toBe(false);
    const copied = filesUnder(copy);
    expect(copied.length).toBeGreaterThan(10);
    expect(copied.length).toBeLessThan(filesUnder(lib).length);
    for (const f of copied) {
      expect(fs.readFileSync(path.join(copy, f)).equals(fs.readFileSync(path.join(lib, f)))).toBe(true);
    }
    for (const f of ['button/index.js', 'button/index.wxml', 'toast/toast.js', 'wxs/utils.wxs']) {
      expect(copied).toContain(f);
    }
    expect(fs.existsSync(path.join(fx.root, 'miniprogram/miniprogram_npm'))).toBe(false);
  });

  it('skips the vant copy when it is up to date, and redoes it when files went missing', () => {
    const stamp = path.join(fx.out, NPM_STAMP);
    expect(syncMiniprogramNpm(fx.ctx, mpOut(), stamp)).toEqual([]);
    fs.rmSync(path.join(mpOut(), 'miniprogram_npm/@vant/weapp/button'), { recursive: true });
    expect(syncMiniprogramNpm(fx.ctx, mpOut(), stamp)).toEqual(['@vant/weapp']);
    expect(fs.existsSync(path.join(mpOut(), 'miniprogram_npm/@vant/weapp/button/index.js'))).toBe(true);
  });

  it('bundles each cloud function with common inlined and wx-server-sdk left as a require', () => {
    for (const name of ['payOrder', 'queryOrder']) {
      const dir = path.join(fx.out, 'cloudfunctions', name);
      const code = fs.readFileSync(path.join(dir, 'index.js'), 'utf8');
      const requires = findRequires(code);
      expect(requires).toContain('wx-server-sdk');
      for (const spec of requires.filter((s) => s.startsWith('.'))) {
        expect(isInside(dir, path.resolve(dir, spec))).toBe(true);
      }
      expect(code).toContain('"tea"'); // common/price.ts, inlined
      expect(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).toBe(
        fs.readFileSync(path.join(fx.root, 'cloudfunctions', name, 'package.json'), 'utf8'),
      );
    }
    expect(fs.existsSync(path.join(fx.out, 'cloudfunctions/common'))).toBe(false);
  });

  it('packages secrets/ with each function (what deploy uploads), never into the mini-program', () => {
    for (const name of ['payOrder', 'queryOrder']) {
      const key = path.join(fx.out, 'cloudfunctions', name, 'secrets/apiclient_key.pem');
      expect(fs.readFileSync(key, 'utf8')).toBe('test key\n');
    }
    expect(filesUnder(mpOut()).filter((f) => f.includes('secrets'))).toEqual([]);
    expect(fs.readFileSync(path.join(REPO, '.gitignore'), 'utf8')).toMatch(/^secrets\/$/m);
  });

  it('copies config.json, or writes the DevTools default when a function has none', () => {
    const config = (name: string) =>
      JSON.parse(fs.readFileSync(path.join(fx.out, 'cloudfunctions', name, 'config.json'), 'utf8'));
    expect(config('queryOrder')).toEqual({ timeout: 20, permissions: { openapi: [] } });
    expect(config('payOrder')).toEqual(DEFAULT_FUNCTION_CONFIG);
  });

  it('runs a function bundle as the cloud would: require it and call main', async () => {
    const fn = require(path.join(fx.out, 'cloudfunctions/payOrder/index.js')) as {
      main(event: { sku: string }): Promise<{ totalFee: number }>;
    };
    await expect(fn.main({ sku: 'tea' })).resolves.toMatchObject({ totalFee: 800 });
  });

  it('bundles the sandbox entries that exist and warns about the missing worker', async () => {
    const cli = require(path.join(fx.out, 'sandbox/cli.js')) as { main(argv: string[]): Promise<string> };
    await expect(cli.main(['paykit'])).resolves.toBe('hello paykit');
    expect(fs.existsSync(path.join(fx.out, 'sandbox/worker.js'))).toBe(false);
    expect(fx.warnings).toEqual([expect.stringContaining('sandbox/runtime/worker.ts does not exist yet')]);
  });
});

describe("the project's own sources", () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-build-repo-'));
  // Into a temp folder, so suites reading dist/ are not disturbed.
  const ctx = createContext({
    root: REPO,
    out,
    log: () => undefined,
    warn: () => undefined,
  });
  const tasks = createTasks(ctx);
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  it('build (scripts, assets, functions, wxml check) without any .ts in dist/miniprogram', async () => {
    await runTask(series(parallel(tasks.scripts, tasks.assets, tasks.functions), tasks.wxml));
    const mpFiles = fs.existsSync(path.join(out, 'miniprogram'))
      ? filesUnder(path.join(out, 'miniprogram'))
      : [];
    expect(mpFiles.filter((f) => f.endsWith('.ts'))).toEqual([]);
    expect(mpFiles.filter((f) => f.endsWith('.js')).length).toBe(listScripts(ctx).length);
  });

  it('gives every cloud function a bundle that requires wx-server-sdk and nothing outside its folder', () => {
    const names = listFunctions(ctx);
    const built = fs.existsSync(path.join(out, 'cloudfunctions'))
      ? fs.readdirSync(path.join(out, 'cloudfunctions'))
      : [];
    expect(built.sort()).toEqual(names);
    for (const name of names) {
      const dir = path.join(out, 'cloudfunctions', name);
      const requires = findRequires(fs.readFileSync(path.join(dir, 'index.js'), 'utf8'));
      expect(requires).toContain('wx-server-sdk');
      expect(requires.filter((s) => s.startsWith('.') && !isInside(dir, path.resolve(dir, s)))).toEqual([]);
    }
  });
});
