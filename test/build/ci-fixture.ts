// A small project for the preview/upload/deploy tests: its sources, and a dist/ written directly as the
// last build left it (no build run; the tasks build it again from the sources), a throwaway RSA key, a
// gulpfile naming only the CI tasks, and helpers to run them.
import { spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { REPO } from './fixture';

export const APPID = 'wx0123456789abcdef';

/** The sources the tasks build dist/ from (the same pages, modules and functions as the dist below). */
const SOURCES: Record<string, string | Buffer> = {
  'miniprogram/app.json': JSON.stringify({ pages: ['pages/shop/index'], sitemapLocation: 'sitemap.json' }),
  'miniprogram/app.ts': 'App({});\n',
  'miniprogram/app.wxss': '@import "./styles/base.wxss";\n',
  'miniprogram/styles/base.wxss': 'page { color: #333; }\n',
  'miniprogram/sitemap.json': JSON.stringify({ rules: [] }),
  'miniprogram/pages/shop/index.json': JSON.stringify({
    usingComponents: { 'van-button': '@vant/weapp/button/index' },
  }),
  'miniprogram/pages/shop/index.ts': "import * as m from '../../utils/money';\nPage({ m });\n",
  'miniprogram/pages/shop/index.wxml': '<wxs module="f" src="../../utils/fmt.wxs" /><van-button />\n',
  'miniprogram/pages/shop/index.wxss': '.shop {}\n',
  'miniprogram/utils/money.ts': 'export const yuan = (fen: number): string => String(fen / 100);\n',
  'miniprogram/utils/fmt.wxs': 'module.exports = {};\n',
  'miniprogram/utils/unused.ts': 'export default "never imported";\n',
  'miniprogram/images/logo.png': Buffer.alloc(300, 1),
  'miniprogram/docs/shot.png': Buffer.alloc(100, 2),
  'cloudfunctions/payOrder/index.ts': 'export const main = async () => 1;\n',
  'cloudfunctions/payOrder/package.json': JSON.stringify({ name: 'payOrder', dependencies: {} }),
  'cloudfunctions/payOrder/config.json': JSON.stringify({ timeout: 10 }),
  'cloudfunctions/sweep/index.ts': 'export const main = async () => 2;\n',
  'cloudfunctions/sweep/package.json': JSON.stringify({ name: 'sweep', dependencies: {} }),
  'cloudfunctions/sweep/config.json': JSON.stringify({
    timeout: 60,
    triggers: [{ name: 'everyFive', type: 'timer', config: '0 */5 * * * * *' }],
  }),
};

const FILES: Record<string, string | Buffer> = {
  ...SOURCES,
  'package.json': JSON.stringify({ name: 'ci-fixture', version: '2.3.4', private: true }),
  'project.config.json': JSON.stringify({
    appid: 'touristappid',
    miniprogramRoot: 'dist/miniprogram/',
    cloudfunctionRoot: 'dist/cloudfunctions/',
    setting: { minified: true, ignoreUploadUnusedFiles: true },
    packOptions: { ignore: [{ type: 'folder', value: 'docs' }] },
  }),
  'dist/miniprogram/app.json': JSON.stringify({
    pages: ['pages/shop/index'],
    sitemapLocation: 'sitemap.json',
  }),
  'dist/miniprogram/app.js': 'App({});\n',
  'dist/miniprogram/app.wxss': '@import "./styles/base.wxss";\n',
  'dist/miniprogram/styles/base.wxss': 'page { color: #333; }\n',
  'dist/miniprogram/sitemap.json': JSON.stringify({ rules: [] }),
  'dist/miniprogram/pages/shop/index.json': JSON.stringify({
    usingComponents: { 'van-button': '@vant/weapp/button/index' },
  }),
  'dist/miniprogram/pages/shop/index.js': 'const m = require("../../utils/money");\nPage({ m });\n',
  'dist/miniprogram/pages/shop/index.wxml': '<wxs module="f" src="../../utils/fmt.wxs" /><van-button />\n',
  'dist/miniprogram/pages/shop/index.wxss': '.shop {}\n',
  'dist/miniprogram/utils/money.js': 'module.exports = {};\n',
  'dist/miniprogram/utils/fmt.wxs': 'module.exports = {};\n',
  'dist/miniprogram/utils/unused.js': 'module.exports = "never required";\n',
  'dist/miniprogram/images/logo.png': Buffer.alloc(300, 1),
  'dist/miniprogram/README.md': '# not uploaded\n',
  'dist/miniprogram/docs/shot.png': Buffer.alloc(100, 2),
  'dist/miniprogram/miniprogram_npm/@vant/weapp/button/index.js': 'Component({});\n',
  'dist/miniprogram/miniprogram_npm/@vant/weapp/button/index.json': '{"component":true}',
  'dist/miniprogram/miniprogram_npm/@vant/weapp/button/index.wxml': '<button />\n',
  'dist/miniprogram/miniprogram_npm/@vant/weapp/cell/index.js': 'Component({});\n',
  'dist/cloudfunctions/payOrder/index.js': 'exports.main = async () => 1;\n',
  'dist/cloudfunctions/payOrder/package.json': JSON.stringify({ name: 'payOrder', dependencies: {} }),
  'dist/cloudfunctions/payOrder/config.json': JSON.stringify({ timeout: 10 }),
  'dist/cloudfunctions/sweep/index.js': 'exports.main = async () => 2;\n',
  'dist/cloudfunctions/sweep/package.json': JSON.stringify({ name: 'sweep', dependencies: {} }),
  'dist/cloudfunctions/sweep/config.json': JSON.stringify({
    timeout: 60,
    triggers: [{ name: 'everyFive', type: 'timer', config: '0 */5 * * * * *' }],
  }),
};

export interface CiFixture {
  root: string;
  keyFile: string;
  write(file: string, contents: string | Buffer): void;
  remove(): void;
}

export function createCiFixture(): CiFixture {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-ci-'));
  const write = (file: string, contents: string | Buffer) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), contents);
  };
  for (const [file, contents] of Object.entries(FILES)) write(file, contents);
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 1024 });
  const keyFile = path.join(root, `private.${APPID}.key`);
  fs.writeFileSync(keyFile, privateKey.export({ type: 'pkcs1', format: 'pem' }));
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  const build = JSON.stringify(path.join(REPO, 'build'));
  write(
    'gulpfile.ts',
    [
      `import { createCiTasks } from ${build.slice(0, -1)}/ci-tasks";`,
      `import { createContext } from ${build.slice(0, -1)}/context";`,
      'export const { preview, upload, deploy } = createCiTasks(createContext({ root: __dirname }));',
      '',
    ].join('\n'),
  );
  return { root, keyFile, write, remove: () => fs.rmSync(root, { recursive: true, force: true }) };
}

/** process.env without anything that would change where miniprogram-ci connects or what it reads. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^PAYKIT_|proxy$/i.test(k)) env[k] = v;
  }
  return { ...env, ...extra };
}

export interface GulpRun {
  code: number | null;
  output: string;
}

/** `gulp <args>` in `root` through the repo's gulp CLI (async: a proxy in this process must keep serving). */
export function runGulp(root: string, args: string[], env: NodeJS.ProcessEnv): Promise<GulpRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(REPO, 'node_modules/gulp/bin/gulp.js'), ...args], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** A local "proxy" that breaks every connection (reset) or never answers (hang). */
export async function startBadProxy(
  mode: 'reset' | 'hang',
): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    if (mode === 'reset') socket.resetAndDestroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on (connection refused). */
export async function closedPortUrl(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
