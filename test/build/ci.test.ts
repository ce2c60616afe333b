/** @jest-environment node */
// The pieces behind preview/upload/deploy, in process: credentials, flags and release, the upload plan
// (unused files, limits, triggers) and how failures read.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { createContext } from '../../build/context';
import {
  checkCredentials,
  credentialsMessage,
  loadCredentials,
  checkVersion,
  parseCiFlags,
  resolveRelease,
} from '../../build/ci-inputs';
import { planProject } from '../../build/ci-package';
import { failureMessage, isNetworkFailure } from '../../build/ci-run';
import { runCiTask } from '../../build/ci-tasks';
import type { CiTaskName } from '../../build/ci-inputs';
import { APPID, type CiFixture, createCiFixture } from './ci-fixture';

let fx: CiFixture;
const ctx = () => createContext({ root: fx.root, log: () => undefined, warn: () => undefined });

beforeEach(() => {
  fx = createCiFixture();
});
afterEach(() => fx.remove());

describe('credentials', () => {
  it('reads the file in camelCase, lets environment variables win, and resolves the key path', () => {
    fx.write(
      '.paykit.credentials.json',
      JSON.stringify({ appid: 'wx1111111111111111', privateKeyPath: 'k.pem', robot: 2 }),
    );
    const loaded = loadCredentials(fx.root, { PAYKIT_APPID: APPID, PAYKIT_ENV_ID: 'prod-1' });
    expect(loaded.values).toEqual({
      appid: APPID,
      privateKeyPath: path.join(fx.root, 'k.pem'),
      envId: 'prod-1',
      robot: 2,
    });
    expect(loaded.sources).toEqual({
      appid: 'PAYKIT_APPID',
      privateKeyPath: '.paykit.credentials.json',
      envId: 'PAYKIT_ENV_ID',
      robot: '.paykit.credentials.json',
    });
  });

  it('accepts a real PEM key and names each missing field for the task that needs it', () => {
    const ok = checkCredentials(
      loadCredentials(fx.root, { PAYKIT_APPID: APPID, PAYKIT_PRIVATE_KEY_PATH: fx.keyFile }),
      'upload',
    );
    expect(ok).toEqual({ missing: [], invalid: [] });
    expect(credentialsMessage(ok, 'upload')).toBe('');
    const deploy = checkCredentials(loadCredentials(fx.root, { PAYKIT_APPID: APPID }), 'deploy');
    expect(deploy.missing.map((f) => f.env)).toEqual(['PAYKIT_PRIVATE_KEY_PATH', 'PAYKIT_ENV_ID']);
  });

  it('rejects a bad JSON file, a missing key file, a key that is not PEM, and a robot out of range', () => {
    fx.write('.paykit.credentials.json', '{ appid: nope');
    fx.write('fake.key', '-----BEGIN RSA PRIVATE KEY-----\nnot base64\n-----END RSA PRIVATE KEY-----\n');
    const env = {
      PAYKIT_APPID: 'WX0123456789ABCDEF',
      PAYKIT_PRIVATE_KEY_PATH: 'fake.key',
      PAYKIT_ROBOT: '0',
    };
    const message = credentialsMessage(checkCredentials(loadCredentials(fx.root, env), 'preview'), 'preview');
    expect(message).toContain('.paykit.credentials.json is not valid JSON');
    expect(message).toContain('fake.key is not a usable PEM private key');
    expect(message).toContain('"0": expected an integer from 1 to 30');
    expect(message).not.toContain('PAYKIT_APPID'); // WX + hex in capitals is still an appid
    const missing = checkCredentials(
      loadCredentials(fx.root, { PAYKIT_PRIVATE_KEY_PATH: 'gone.key' }),
      'preview',
    );
    expect(missing.invalid.join('\n')).toContain(`${path.join(fx.root, 'gone.key')} does not exist`);
  });
});

describe('flags and release', () => {
  it('reads --dry-run, --ver, --desc and --timeout in both spellings', () => {
    expect(
      parseCiFlags(['node', 'gulp', 'upload', '--dry-run', '--ver=1.0.1', '--desc', 'x y', '--timeout', '5']),
    ).toEqual({
      dryRun: true,
      version: '1.0.1',
      desc: 'x y',
      timeout: 5,
      verbose: false,
    });
  });

  it('takes the version from package.json and the description from the latest commit', () => {
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=ci', '-c', 'user.email=ci@example.com', ...args], {
        cwd: fx.root,
        stdio: 'ignore',
      });
    git('init', '-q');
    git('commit', '-q', '--allow-empty', '-m', 'feat: refunds from the order page');
    expect(resolveRelease(fx.root, parseCiFlags([]), {})).toEqual({
      version: '2.3.4',
      versionSource: 'package.json',
      desc: 'feat: refunds from the order page',
      descSource: 'latest git commit',
    });
    const env = { PAYKIT_VERSION: '2.4.0', PAYKIT_DESC: 'from env' };
    expect(resolveRelease(fx.root, parseCiFlags([]), env)).toMatchObject({
      version: '2.4.0',
      desc: 'from env',
    });
    expect(resolveRelease(fx.root, parseCiFlags(['--ver', '3.0.0']), env)).toMatchObject({
      version: '3.0.0',
      versionSource: '--ver',
    });
  });

  it('checks the version label', () => {
    expect(checkVersion('1.2.3')).toBe('');
    expect(checkVersion('')).toContain('no version');
    expect(checkVersion('1.2 beta')).toContain('should look like 1.2.3');
  });
});

describe('upload plan', () => {
  it('counts only files that would be uploaded', () => {
    const plan = planProject(ctx(), 'miniprogram');
    expect(plan.problems).toEqual([]);
    const files = plan.files.map((f) => f.file);
    expect(files).toEqual(
      expect.arrayContaining(['app.json', 'pages/shop/index.wxml', 'utils/fmt.wxs', 'images/logo.png']),
    );
    expect(files).toContain('miniprogram_npm/@vant/weapp/button/index.json');
    expect(files).not.toContain('miniprogram_npm/@vant/weapp/cell/index.js');
    expect(files).not.toContain('utils/unused.js');
    expect(files).not.toContain('README.md');
    expect(files).not.toContain('docs/shot.png');
    expect(plan.notes.join('\n')).toContain('placeholder "touristappid"');
  });

  it('keeps unused code when ignoreUploadUnusedFiles is off', () => {
    const config = JSON.parse(fs.readFileSync(path.join(fx.root, 'project.config.json'), 'utf8'));
    fx.write(
      'project.config.json',
      JSON.stringify({ ...config, appid: APPID, setting: { ignoreUploadUnusedFiles: false } }),
    );
    const plan = planProject(ctx(), 'miniprogram');
    expect(plan.files.map((f) => f.file)).toContain('utils/unused.js');
    expect(plan.notes).toEqual([]);
  });

  it('reports an oversized main package, a missing component and an unbuilt project', () => {
    fx.write('dist/miniprogram/images/logo.png', Buffer.alloc(2 * 1024 * 1024 + 1));
    fx.write(
      'dist/miniprogram/pages/shop/index.json',
      JSON.stringify({ usingComponents: { x: '/components/gone/index' } }),
    );
    const plan = planProject(ctx(), 'miniprogram');
    expect(plan.problems).toEqual([
      'dist/miniprogram/pages/shop/index.json: /components/gone/index is not in the build',
      'main package is 2.00 MB: WeChat accepts at most 2 MB',
    ]);
    fs.rmSync(path.join(fx.root, 'dist'), { recursive: true });
    expect(planProject(ctx(), 'miniprogram').problems).toEqual([
      'dist/miniprogram does not exist: run npm run build',
    ]);
  });

  it('reads timer triggers and rejects malformed ones', () => {
    expect(planProject(ctx(), 'functions').functions.map((f) => [f.name, f.triggers])).toEqual([
      ['payOrder', []],
      ['sweep', [{ name: 'everyFive', type: 'timer', config: '0 */5 * * * * *' }]],
    ]);
    fx.write(
      'dist/cloudfunctions/sweep/config.json',
      JSON.stringify({ triggers: [{ name: 'x', type: 'timer', config: '* * *' }] }),
    );
    expect(planProject(ctx(), 'functions').problems).toEqual([
      'cloud function sweep: trigger "x" needs a 7-field cron "config" (second minute hour day month weekday year)',
    ]);
  });

  it('refuses roots in project.config.json other than where the build writes', () => {
    const config = JSON.parse(fs.readFileSync(path.join(fx.root, 'project.config.json'), 'utf8'));
    fx.write(
      'project.config.json',
      JSON.stringify({ ...config, miniprogramRoot: 'miniprogram/', cloudfunctionRoot: 'release/functions/' }),
    );
    expect(planProject(ctx(), 'miniprogram').problems).toEqual([
      'project.config.json "miniprogramRoot" is "miniprogram/": set it to "dist/miniprogram/", where the build writes what is sent',
    ]);
    expect(planProject(ctx(), 'functions').problems).toEqual([
      'project.config.json "cloudfunctionRoot" is "release/functions/": set it to "dist/cloudfunctions/", where the build writes what is sent',
    ]);
  });

  it('reports an unbuilt function, a missing package.json and a secret newer than the build', () => {
    fs.rmSync(path.join(fx.root, 'dist/cloudfunctions/sweep/package.json'));
    fs.rmSync(path.join(fx.root, 'dist/cloudfunctions/payOrder'), { recursive: true });
    fx.write('secrets/apiclient_key.pem', '-----BEGIN PRIVATE KEY-----\n');
    expect(planProject(ctx(), 'functions').problems).toEqual([
      'cloud function payOrder is not built (no dist/cloudfunctions/payOrder): run npm run build',
      'cloud function sweep lacks the current secrets/apiclient_key.pem: run npm run build',
      'cloud function sweep has no package.json',
    ]);
  });
});

describe('failures', () => {
  it.each([
    'Error: getaddrinfo ENOTFOUND servicewechat.com',
    'Error: getaddrinfo EAI_AGAIN servicewechat.com',
    'connect ECONNREFUSED 127.0.0.1:443',
    'tunneling socket could not be established, cause=socket hang up',
    'read ECONNRESET',
    'connect ETIMEDOUT 1.2.3.4:443',
  ])('maps %s to the network message', (cause) => {
    expect(isNetworkFailure(cause)).toBe(true);
    expect(failureMessage('preview', `${cause}\n    at TLSSocket.emit (node:events:1:1)`)).toBe(
      'Cannot reach WeChat (servicewechat.com): preview needs network access to WeChat; nothing was uploaded.\n' +
        `  cause: ${cause.replace(/^Error: /, '')}`,
    );
  });

  it('says what a partial deploy already uploaded, and how WeChat refusals read', () => {
    expect(failureMessage('deploy', 'socket hang up', ['payOrder'])).toContain(
      'already uploaded before the failure: payOrder.',
    );
    const refused = failureMessage('upload', 'Error: {"errCode":-10008,"errMsg":"invalid ip: 1.2.3.4"}');
    expect(refused).toContain('WeChat did not accept the upload: {"errCode":-10008');
    expect(refused).toContain('IP whitelist');
  });
});

describe('runCiTask --dry-run in process', () => {
  it('prints the report and needs no credentials', async () => {
    const lines: string[] = [];
    await runCiTask(ctx(), 'deploy', { argv: ['--dry-run'], env: {}, print: (l) => lines.push(l) });
    expect(lines[0]).toBe('deploy --dry-run: the project was checked and nothing was sent to WeChat.');
    expect(lines.join('\n')).toContain('sweep: 3 files');
  });

  it('rejects with a BuildError listing malformed credentials even in a dry run', async () => {
    await expect(
      runCiTask(ctx(), 'preview', {
        argv: ['--dry-run'],
        env: { PAYKIT_APPID: 'nope' },
        print: () => undefined,
      }),
    ).rejects.toMatchObject({
      name: 'BuildError',
      message: expect.stringContaining('"nope": expected wx + 16 hex'),
    });
  });
});

describe('what is sent is built from the sources as they are now', () => {
  const built = (file: string) => path.join(fx.root, 'dist', file);
  const dryRun = async (task: CiTaskName) => {
    const lines: string[] = [];
    await runCiTask(ctx(), task, { argv: ['--dry-run'], env: {}, print: (l) => lines.push(l) });
    return lines.join('\n');
  };

  it.each(['preview', 'upload'] as const)(
    '%s builds the mini-program again first: an edit since the last build is in it, a deleted image is not',
    async (task) => {
      fx.write(
        'miniprogram/pages/shop/index.ts',
        "import * as m from '../../utils/money';\nPage({ m, v: 2 });\n",
      );
      fx.write('dist/miniprogram/images/old-banner.png', Buffer.alloc(50, 3));
      const report = await dryRun(task);
      expect(fs.readFileSync(built('miniprogram/pages/shop/index.js'), 'utf8')).toContain('v: 2');
      expect(report).toMatch(/\s[\d.]+ (B|KB) {2}pages\/shop\/index\.js\n/);
      expect(report).not.toContain('old-banner.png');
      expect(fs.existsSync(built('miniprogram/images/old-banner.png'))).toBe(false);
    },
  );

  it('deploy builds every function again first: an edit is in it, a function deleted from the sources is not', async () => {
    fx.write('cloudfunctions/payOrder/index.ts', 'export const main = async () => "v2";\n');
    fx.write('dist/cloudfunctions/refundOld/index.js', 'exports.main = async () => 0;\n');
    fx.write('dist/cloudfunctions/refundOld/package.json', '{}');
    const report = await dryRun('deploy');
    expect(fs.readFileSync(built('cloudfunctions/payOrder/index.js'), 'utf8')).toContain('"v2"');
    expect(report).toMatch(/functions +2 in dist\/cloudfunctions/);
    expect(report).not.toContain('refundOld');
    expect(fs.existsSync(built('cloudfunctions/refundOld'))).toBe(false);
  });

  it('a real run with wrong credentials or version stops before building, leaving dist/ as it was', async () => {
    const page = built('miniprogram/pages/shop/index.js');
    const before = fs.readFileSync(page, 'utf8');
    const logs: string[] = [];
    const quiet = createContext({ root: fx.root, log: (m) => logs.push(m), warn: () => undefined });
    await expect(
      runCiTask(quiet, 'upload', { argv: ['--ver', '1.0 beta'], env: {}, print: () => undefined }),
    ).rejects.toMatchObject({
      message: expect.stringMatching(
        /upload cannot run: WeChat CI credentials are missing or wrong\.[\s\S]*upload cannot run: the project is not ready\.\n {2}- version "1\.0 beta" should look like 1\.2\.3/,
      ),
    });
    expect(logs).toEqual([]);
    expect(fs.readFileSync(page, 'utf8')).toBe(before);
  });

  it('a build that fails stops the task before WeChat is contacted', async () => {
    fx.write('miniprogram/utils/money.ts', 'export const yuan = (fen: number =>\n');
    const logs: string[] = [];
    const watched = createContext({ root: fx.root, log: (m) => logs.push(m), warn: () => undefined });
    const env = { PAYKIT_APPID: APPID, PAYKIT_PRIVATE_KEY_PATH: fx.keyFile };
    await expect(
      runCiTask(watched, 'preview', { argv: [], env, print: () => undefined }),
    ).rejects.toMatchObject({
      name: 'BuildError',
      message: expect.stringContaining('esbuild failed:'),
    });
    expect(logs[0]).toBe('preview: building dist/miniprogram from the sources');
    expect(logs.join('\n')).not.toContain('contacting WeChat');
  });
});
