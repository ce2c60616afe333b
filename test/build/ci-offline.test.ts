/** @jest-environment node */
// npm run preview / upload / deploy through the gulp CLI on a fixture project, with fake but well-formed
// credentials and no way to reach WeChat: every task must stop within seconds, exit non-zero, and say
// why in one message without a stack trace. A local proxy that breaks connections makes the failure
// deterministic (whatever DNS does here); a second one that never answers exercises the timeout.
import * as fs from 'fs';
import * as path from 'path';
import {
  APPID,
  type CiFixture,
  cleanEnv,
  closedPortUrl,
  createCiFixture,
  type GulpRun,
  runGulp,
  startBadProxy,
} from './ci-fixture';

import { DEFAULT_PRIVATE_KEY_FILE as KEY_FILE } from '../../cloudfunctions/common/providers/apiv3/config';

const TASKS = ['preview', 'upload', 'deploy'] as const;

const expectNoCrash = (r: GulpRun) => {
  expect(r.output).not.toMatch(/^\s+at /m);
  expect(r.output).not.toMatch(/UnhandledPromiseRejection|unhandled rejection/i);
};

describe('preview / upload / deploy without network access to WeChat', () => {
  let fx: CiFixture;
  let proxy: Awaited<ReturnType<typeof startBadProxy>>;
  const creds = () => ({
    PAYKIT_APPID: APPID,
    PAYKIT_PRIVATE_KEY_PATH: fx.keyFile,
    PAYKIT_ENV_ID: 'test-1a2b',
  });
  const viaProxy = (url: string, extra: Record<string, string> = {}) =>
    cleanEnv({ HTTPS_PROXY: url, HTTP_PROXY: url, https_proxy: url, http_proxy: url, ...extra });

  beforeAll(async () => {
    fx = createCiFixture();
    proxy = await startBadProxy('reset');
  });
  afterAll(async () => {
    await proxy.close();
    fx.remove();
  });

  it.each(TASKS)('%s fails fast with one clear message and a non-zero exit', async (task) => {
    // What the last build left, older than the sources: the task builds again before it sends.
    const sent = task === 'deploy' ? 'dist/cloudfunctions/payOrder/index.js' : 'dist/miniprogram/app.js';
    fx.write(sent, 'stale build\n');
    const r = await runGulp(fx.root, [task], viaProxy(proxy.url, creds()));
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(
      `Cannot reach WeChat (servicewechat.com): ${task} needs network access to WeChat; nothing was uploaded.`,
    );
    expect(r.output.indexOf(`${task}: building dist/`)).toBeGreaterThan(-1);
    expect(r.output.indexOf(`${task}: building dist/`)).toBeLessThan(r.output.indexOf('contacting WeChat'));
    expect(fs.readFileSync(path.join(fx.root, sent), 'utf8')).not.toBe('stale build\n');
    // A deploy without the APIv3 key in secrets/ says so before it sends (this fixture has none).
    expect(r.output.includes(`deploy: note: no ${KEY_FILE}: on APIv3`)).toBe(task === 'deploy');
    expectNoCrash(r);
  });

  it('maps a refused connection the same way, with credentials from .paykit.credentials.json', async () => {
    fx.write(
      '.paykit.credentials.json',
      JSON.stringify({ appid: APPID, privateKeyPath: path.basename(fx.keyFile), robot: 3 }),
    );
    try {
      const r = await runGulp(fx.root, ['upload', '--ver', '9.9.9'], viaProxy(await closedPortUrl()));
      expect(r.code).not.toBe(0);
      expect(r.output).toContain('Cannot reach WeChat (servicewechat.com): upload needs network access');
      expectNoCrash(r);
    } finally {
      fs.rmSync(path.join(fx.root, '.paykit.credentials.json'));
    }
  });

  it('gives up after --timeout seconds when WeChat never answers', async () => {
    const silent = await startBadProxy('hang');
    try {
      const r = await runGulp(fx.root, ['preview', '--timeout', '2'], viaProxy(silent.url, creds()));
      expect(r.code).not.toBe(0);
      expect(r.output).toContain('Cannot reach WeChat (servicewechat.com): preview got no answer for 2 s');
      expectNoCrash(r);
    } finally {
      await silent.close();
    }
  });

  it.each(TASKS)('%s names every missing credential at once, before contacting WeChat', async (task) => {
    const r = await runGulp(fx.root, [task], viaProxy(proxy.url));
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(`${task} cannot run: WeChat CI credentials are missing or wrong.`);
    expect(r.output).toContain('missing PAYKIT_APPID');
    expect(r.output).toContain('missing PAYKIT_PRIVATE_KEY_PATH');
    if (task === 'deploy') expect(r.output).toContain('missing PAYKIT_ENV_ID');
    else expect(r.output).not.toContain('PAYKIT_ENV_ID');
    expect(r.output).not.toContain('contacting WeChat');
    expect(r.output).not.toContain('from the sources'); // no build spent on a run that cannot go
    expectNoCrash(r);
  });

  it('reports malformed credentials in the same single message', async () => {
    fx.write('not-a-key.pem', 'hello\n');
    const r = await runGulp(
      fx.root,
      ['deploy'],
      viaProxy(proxy.url, {
        PAYKIT_APPID: 'wx12',
        PAYKIT_PRIVATE_KEY_PATH: 'not-a-key.pem',
        PAYKIT_ENV_ID: 'env-1',
        PAYKIT_ROBOT: '31',
      }),
    );
    expect(r.code).not.toBe(0);
    const message = r.output.slice(r.output.indexOf('deploy cannot run'));
    expect(message).toContain('"wx12": expected wx + 16 hex characters');
    expect(message).toContain('not-a-key.pem is not a PEM private key');
    expect(message).toContain('"31": expected an integer from 1 to 30');
    expectNoCrash(r);
  });
});

describe('--dry-run', () => {
  let fx: CiFixture;
  beforeAll(() => {
    fx = createCiFixture();
  });
  afterAll(() => fx.remove());

  it('preview lists the files that would be sent with sizes and total, and the missing credentials', async () => {
    const r = await runGulp(fx.root, ['preview', '--dry-run'], cleanEnv());
    expect(r.code).toBe(0);
    expect(r.output).toContain('preview --dry-run: the project was checked and nothing was sent to WeChat.');
    expect(r.output).toMatch(/would be needed: PAYKIT_APPID/);
    expect(r.output).toMatch(/would be needed: PAYKIT_PRIVATE_KEY_PATH/);
    for (const f of [
      'app.js',
      'styles/base.wxss',
      'utils/fmt.wxs',
      'images/logo.png',
      'miniprogram_npm/@vant/weapp/button/index.js',
    ])
      expect(r.output).toMatch(new RegExp(`\\s${f.replace(/[./@]/g, '\\$&')}\\n`));
    expect(r.output).toMatch(/\s300 B {2}images\/logo\.png/);
    expect(r.output).not.toContain('utils/unused.js');
    expect(r.output).not.toContain('docs/shot.png');
    expect(r.output).toMatch(/total +\d+ files, [\d.]+ (B|KB) \(main package/);
    expect(r.output).toContain('dist/preview-qrcode.jpg');
    expect(fs.existsSync(path.join(fx.root, 'dist/preview-qrcode.jpg'))).toBe(false);
  });

  it('upload shows the version and description, taking --ver and --desc over package.json and git', async () => {
    const plain = await runGulp(fx.root, ['upload', '--dry-run'], cleanEnv());
    expect(plain.code).toBe(0);
    expect(plain.output).toMatch(/version +2\.3\.4 \(from package\.json\)/);
    const flagged = await runGulp(
      fx.root,
      ['upload', '--dry-run', '--ver', '3.0.0-rc.1', '--desc', 'hotfix pay button'],
      cleanEnv({ PAYKIT_APPID: APPID, PAYKIT_PRIVATE_KEY_PATH: fx.keyFile, PAYKIT_ROBOT: '7' }),
    );
    expect(flagged.code).toBe(0);
    expect(flagged.output).toMatch(/version +3\.0\.0-rc\.1 \(from --ver\)/);
    expect(flagged.output).toMatch(/description +"hotfix pay button" \(from --desc\)/);
    expect(flagged.output).toMatch(new RegExp(`appid +${APPID} \\(from PAYKIT_APPID\\)`));
    expect(flagged.output).toMatch(/robot +7 \(from PAYKIT_ROBOT\)/);
  });

  it('deploy lists every function with its files, size and timer triggers', async () => {
    const r = await runGulp(fx.root, ['deploy', '--dry-run'], cleanEnv());
    expect(r.code).toBe(0);
    expect(r.output).toMatch(/payOrder: 3 files, [\d.]+ (B|KB), no trigger/);
    expect(r.output).toMatch(
      /sweep: 3 files, [\d.]+ (B|KB), trigger everyFive \(timer "0 \*\/5 \* \* \* \* \*"\)/,
    );
    expect(r.output).toContain('remoteNpmInstall: true');
    expect(r.output).toMatch(/would be needed: PAYKIT_ENV_ID/);
    expect(r.output).toMatch(/total +2 functions, 6 files, [\d.]+ (B|KB), 1 timer trigger/);
    // What a new merchant, who pays through APIv3, would deploy without: its merchant key.
    expect(r.output).toMatch(
      /note +no secrets\/apiclient_key\.pem: on APIv3 \(every new merchant\) the functions then need PAYKIT_MCH_PRIVATE_KEY/,
    );
  });

  it('builds the functions again first: what the last build left out or lacks is sent', async () => {
    fs.rmSync(path.join(fx.root, 'dist/cloudfunctions/sweep/package.json'));
    fs.rmSync(path.join(fx.root, 'dist/cloudfunctions/payOrder'), { recursive: true });
    // The merchant key put in secrets/ after the last build: the functions built now carry it.
    fx.write('secrets/apiclient_key.pem', '-----BEGIN PRIVATE KEY-----\n');
    try {
      const r = await runGulp(fx.root, ['deploy', '--dry-run'], cleanEnv());
      expect(r.code).toBe(0);
      expect(r.output).toContain('deploy: building dist/cloudfunctions from the sources');
      expect(r.output).toMatch(/payOrder: 4 files, [\d.]+ (B|KB), no trigger/);
      expect(r.output).toMatch(/sweep: 4 files, [\d.]+ (B|KB), trigger everyFive/);
      expect(r.output).toMatch(/\s28 B {2}secrets\/apiclient_key\.pem\n/);
      expect(r.output).not.toContain('found problems');
      expect(r.output).not.toContain(`no ${KEY_FILE}`);
      expectNoCrash(r);
    } finally {
      fs.rmSync(path.join(fx.root, 'secrets'), { recursive: true });
    }
  });
});
