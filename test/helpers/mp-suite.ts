/**
 * The common frame of a mini-program suite: one sandbox for the file (seeded once), and before each
 * test the default paykit config and a WeChat client (wx.cloud, wx.requestPayment, wx.request)
 * backed by that sandbox, as the user `user()` names. Each suite still uninstalls the client in its
 * own afterEach, after whatever else it cleans up.
 */
import { resetPaykitConfig } from '../../miniprogram/paykit/config';
import { providerArgs } from './kit';
import { startSandboxProcess, type SandboxProcess, type StartOptions } from './sandbox';
import { installWxSandbox, type WxSandbox } from './wx-sandbox';

export interface SuiteOptions {
  /** Runs once, after the sandbox started. */
  seed?: (url: string) => Promise<void>;
  /** The WeChat user of the next test. */
  user: () => string;
  start?: StartOptions;
}

export interface MiniprogramSuite {
  readonly sandbox: SandboxProcess;
  readonly wxs: WxSandbox;
}

export function miniprogramSuite(opts: SuiteOptions): MiniprogramSuite {
  let sandbox: SandboxProcess | undefined;
  let wxs: WxSandbox | undefined;
  beforeAll(async () => {
    sandbox = await startSandboxProcess({
      ...opts.start,
      args: [...(opts.start?.args ?? []), ...providerArgs()],
    });
    await opts.seed?.(sandbox.url);
  });
  afterAll(async () => {
    await sandbox?.stop();
  });
  beforeEach(() => {
    resetPaykitConfig();
    wxs = installWxSandbox(suite.sandbox.url, opts.user());
  });
  const suite: MiniprogramSuite = {
    get sandbox() {
      if (!sandbox) throw new Error('the sandbox is not started yet (use it inside a test or hook)');
      return sandbox;
    },
    get wxs() {
      if (!wxs) throw new Error('the WeChat client is installed before each test');
      return wxs;
    },
  };
  return suite;
}
