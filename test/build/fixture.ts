// A small throwaway project for the build tests: a page using vant and wxs, a component, an image, a
// type-only import of typings/, two cloud functions sharing common/, and a sandbox CLI without a worker.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { type BuildContext, createContext } from '../../build/context';
import type { TaskFunction } from 'gulp';

export const REPO = path.resolve(__dirname, '../..');

/** Every byte value, behind a PNG signature: utf8 decoding would change it. */
export const PNG_BYTES = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
]);

const FILES: Record<string, string | Buffer> = {
  'miniprogram/app.json': JSON.stringify({ pages: ['pages/shop/index'] }),
  'miniprogram/app.ts': 'App({});\n',
  'miniprogram/app.wxss': 'page { color: #333; }\n',
  'miniprogram/images/logo.png': PNG_BYTES,
  'miniprogram/global.d.ts': 'declare const PAYKIT_ENV: string;\n',
  'miniprogram/utils/money.ts': 'export const yuan = (fen: number): string => (fen / 100).toFixed(2);\n',
  'miniprogram/utils/money.wxs':
    'module.exports = { yuan: function (fen) { return (fen / 100).toFixed(2); } };\n',
  'miniprogram/pages/shop/index.json': JSON.stringify({
    usingComponents: {
      'van-button': '@vant/weapp/button/index',
      'pay-button': '/components/pay-button/index',
    },
  }),
  'miniprogram/pages/shop/index.wxml': [
    '<wxs module="money" src="../../utils/money.wxs" />',
    '<view class="shop">',
    '  <text>{{ money.yuan(order.totalFee) }}</text>',
    '  <van-button type="primary" bind:click="onBuy">buy</van-button>',
    '  <pay-button order-no="{{ order.orderNo }}" />',
    '</view>',
    '',
  ].join('\n'),
  'miniprogram/pages/shop/index.wxss': '.shop { padding: 16rpx; }\n',
  'miniprogram/pages/shop/index.ts': [
    "import Toast from '@vant/weapp/toast/toast';",
    "import type { Order } from '../../../typings/paykit/index';",
    "import { yuan } from '../../utils/money';",
    '',
    'const order: Order = { orderNo: "P1", totalFee: 1234 };',
    'Page({ data: { order }, onBuy() { Toast(yuan(order.totalFee)); } });',
    '',
  ].join('\n'),
  'miniprogram/components/pay-button/index.json': JSON.stringify({ component: true }),
  'miniprogram/components/pay-button/index.wxml': '<button>{{ orderNo }}</button>\n',
  'miniprogram/components/pay-button/index.ts': 'Component({ properties: { orderNo: String } });\n',
  'typings/paykit/index.ts': 'export interface Order { orderNo: string; totalFee: number }\n',
  'cloudfunctions/common/price.ts':
    'export const priceOf = (sku: string): number => (sku === "tea" ? 800 : 1200);\n',
  'cloudfunctions/payOrder/index.ts': [
    "import cloud from 'wx-server-sdk';",
    "import type { Order } from '../../typings/paykit/index';",
    "import { priceOf } from '../common/price';",
    '',
    'cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV });',
    'export async function main(event: { sku: string }): Promise<Order> {',
    '  return { orderNo: cloud.getWXContext().OPENID, totalFee: priceOf(event.sku) };',
    '}',
    '',
  ].join('\n'),
  'cloudfunctions/payOrder/package.json': JSON.stringify({
    name: 'payOrder',
    main: 'index.js',
    dependencies: { 'wx-server-sdk': '~4.0.2' },
  }),
  'cloudfunctions/queryOrder/index.ts': [
    "import cloud from 'wx-server-sdk';",
    "import { priceOf } from '../common/price';",
    'export const main = async () => ({ fee: priceOf("tea"), env: cloud.DYNAMIC_CURRENT_ENV });',
    '',
  ].join('\n'),
  'cloudfunctions/queryOrder/package.json': JSON.stringify({
    name: 'queryOrder',
    dependencies: { 'wx-server-sdk': '~4.0.2' },
  }),
  'cloudfunctions/queryOrder/config.json': JSON.stringify({ timeout: 20, permissions: { openapi: [] } }),
  'sandbox/cli.ts': [
    "import { hello } from './greeting';",
    'export async function main(argv: string[]): Promise<string> {',
    '  return hello(argv[0] ?? "sandbox");',
    '}',
    '',
  ].join('\n'),
  'sandbox/greeting.ts': 'export const hello = (who: string) => `hello ${who}`;\n',
};

export interface Fixture {
  root: string;
  ctx: BuildContext;
  /** Output folder (ctx.out). */
  out: string;
  warnings: string[];
  write(file: string, contents: string | Buffer): void;
  remove(): void;
}

/** Creates the fixture project in a temp folder, with node_modules linked to the repo's. */
export function createFixture(files: Record<string, string | Buffer> = FILES): Fixture {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-build-'));
  const write = (file: string, contents: string | Buffer) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), contents);
  };
  for (const [file, contents] of Object.entries(files)) write(file, contents);
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  const warnings: string[] = [];
  const ctx = createContext({ root, log: () => undefined, warn: (m) => warnings.push(m) });
  return {
    root,
    ctx,
    out: ctx.out,
    warnings,
    write,
    remove: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}

export const FIXTURE_FILES = FILES;

/** Runs a gulp task (series/parallel or plain) to completion. */
export function runTask(task: TaskFunction): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error | null) => (err ? reject(err) : resolve());
    const result = task(done) as unknown;
    if (result instanceof Promise) result.then(() => resolve(), reject);
  });
}

/** Every file under `dir`, relative to it. */
export function filesUnder(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}
