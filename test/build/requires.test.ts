/** @jest-environment node */
import * as fs from 'fs';
import * as path from 'path';
import { createContext } from '../../build/context';
import { bundleFunction, checkFunctionRequires } from '../../build/bundles';
import { checkMiniprogramRequires, compileScripts } from '../../build/miniprogram';
import { createFixture, type Fixture, REPO } from './fixture';

describe('what built code may require', () => {
  const ctx = createContext({ root: REPO, out: '/tmp/paykit-requires-out', log: () => undefined });
  const pageOut = path.join(ctx.out, 'miniprogram/pages/shop/index.js');
  const mpProblems = (spec: string) => checkMiniprogramRequires(ctx, pageOut, `var x = require("${spec}");`);

  it('lets mini-program code require inside dist/miniprogram and existing vant modules', () => {
    for (const spec of [
      '../../utils/money',
      './part',
      '/paykit/index',
      '@vant/weapp/toast/toast',
      '@vant/weapp/button/index',
    ]) {
      expect(mpProblems(spec)).toEqual([]);
    }
  });

  it('rejects mini-program requires that leave dist/miniprogram, name the file and the require', () => {
    expect(mpProblems('../../../typings/paykit/index')).toEqual([
      '  miniprogram/pages/shop/index.ts: require("../../../typings/paykit/index") leaves dist/miniprogram',
    ]);
  });

  it('rejects node modules and vant paths that do not exist', () => {
    expect(mpProblems('fs')[0]).toMatch(/require\("fs"\) is not a miniprogram_npm package/);
    expect(mpProblems('bson')[0]).toMatch(/require\("bson"\) is not a miniprogram_npm package/);
    expect(mpProblems('@vant/weapp/no-such')[0]).toMatch(/does not exist in miniprogram_npm\/@vant\/weapp/);
  });

  it('lets a function bundle require built-ins and its dependencies only, and never leave its folder', () => {
    const out = '/dist/cloudfunctions/payOrder/index.js';
    const manifest = { dependencies: { 'wx-server-sdk': '~4.0.2' } };
    const check = (spec: string) => checkFunctionRequires('payOrder', out, `require("${spec}")`, manifest);
    for (const spec of ['wx-server-sdk', 'crypto', 'node:fs', './local.json'])
      expect(check(spec)).toEqual([]);
    expect(check('../common/price')).toEqual([
      '  cloudfunctions/payOrder: require("../common/price") leaves the function\'s folder',
    ]);
    expect(check('bson')[0]).toMatch(/require\("bson"\) is not in its package.json "dependencies"/);
  });
});

describe('failing builds', () => {
  let fx: Fixture;
  beforeEach(() => (fx = createFixture()));
  afterEach(() => fx.remove());

  it('fails scripts naming the file and the require when a value comes from outside the mini-program', async () => {
    fx.write('typings/paykit/codes.ts', 'export const PAID = "SUCCESS";\n');
    fx.write(
      'miniprogram/paykit/status.ts',
      "import { PAID } from '../../typings/paykit/codes';\nexport const paid = PAID;\n",
    );
    await expect(compileScripts(fx.ctx)).rejects.toThrow(
      'miniprogram/paykit/status.ts: require("../../typings/paykit/codes") leaves dist/miniprogram',
    );
    expect(fs.existsSync(path.join(fx.out, 'miniprogram'))).toBe(false); // nothing half-written
  });

  it('fails scripts with the TypeScript syntax error location', async () => {
    fx.write('miniprogram/utils/money.ts', 'export const yuan = (fen: number =>;\n');
    await expect(compileScripts(fx.ctx)).rejects.toThrow(/miniprogram\/utils\/money\.ts:1:\d+: /);
  });

  it('fails a function whose package.json is missing or lacks a package it requires', async () => {
    fs.rmSync(path.join(fx.root, 'cloudfunctions/payOrder/package.json'));
    await expect(bundleFunction(fx.ctx, 'payOrder')).rejects.toThrow(
      'cloudfunctions/payOrder/package.json is missing',
    );
    fx.write('cloudfunctions/payOrder/package.json', JSON.stringify({ dependencies: {} }));
    await expect(bundleFunction(fx.ctx, 'payOrder')).rejects.toThrow(
      'cloudfunctions/payOrder: require("wx-server-sdk") is not in its package.json "dependencies"',
    );
  });
});
