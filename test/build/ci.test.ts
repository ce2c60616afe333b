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
