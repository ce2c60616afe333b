/**
 * Starts a dedicated sandbox for one test file: what the built sandbox (`dist/sandbox/cli.js`, made
 * by `npm run build`, which `npm test` runs first) starts for `paykit-sandbox start <args>`. Each file
 * gets its own data folder, port, clock, database and function instances, so suites run in parallel
 * without seeing each other.
 *
 * Within jest a sandbox runs in the worker's sandbox host (test/helpers/sandbox-host.ts: one process
 * that starts and closes the worker's sandboxes one after another, which saves a Node start and the
 * sandbox's module loading per suite), unless the suite needs a process of its own: to kill it
 * (`process: true`), give it an environment, a port or a data folder it had before, or bind it
 * beyond loopback. PAYKIT_TEST_SANDBOX_HOST=0 gives every sandbox its own process.
 */
import { execFile, spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { hostable, startHosted } from './sandbox-hosted';

export const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/sandbox/cli.js');

export interface SandboxProcess {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  url: string;
  envId: string;
  dataDir: string;
  /** The sandbox's own process; absent for a sandbox in the worker's host. */
  child?: ChildProcess;
  /** Output the sandbox printed so far (a hosted one: the host's, since it started it). */
  output(): string;
  /** Stops it as SIGTERM does (the default); another signal needs a process of its own. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface StartOptions {
  dataDir?: string;
  port?: number;
  args?: string[];
  env?: Record<string, string>;
  /** A process of its own even within jest (to kill it, or to read what it alone printed). */
  process?: boolean;
}

/**
 * The APIv3 test merchant of a fresh data folder costs three RSA keys (~0.3 s of CPU per sandbox).
 * Within one jest run (test/global-setup.ts names the folder) the first fresh sandbox's merchant is
 * kept and later fresh folders start with it, as a restarted sandbox would find its own. Sandboxes on
 * a data folder of their own, another appid, or outside jest make their merchant as always.
 */
const MERCHANT_CACHE = process.env.PAYKIT_TEST_RUN_DIR;
const MERCHANT_JSON = path.join('merchant', 'merchant.json');

function reusedMerchant(dataDir: string, fresh: boolean, args: string[]): (() => void) | undefined {
  if (!MERCHANT_CACHE || !fresh || args.includes('--appid')) return undefined;
  const cached = path.join(MERCHANT_CACHE, 'merchant.json');
  if (fs.existsSync(cached)) {
    fs.mkdirSync(path.join(dataDir, 'merchant'), { recursive: true });
    fs.copyFileSync(cached, path.join(dataDir, MERCHANT_JSON));
    return undefined;
  }
  // Kept once the sandbox made it; a concurrent first sandbox may win the rename, which is as good.
  return () => {
    const tmp = `${cached}.${process.pid}.tmp`;
    try {
      fs.copyFileSync(path.join(dataDir, MERCHANT_JSON), tmp);
      fs.renameSync(tmp, cached);
    } catch {
      // Not kept: the next fresh sandbox makes its own, as without the cache.
    }
  };
}

/** A sandbox with a process of its own (`process: true`): its `child` is there to kill or measure. */
export type OwnSandboxProcess = SandboxProcess & { child: ChildProcess };

export function startSandboxProcess(opts: StartOptions & { process: true }): Promise<OwnSandboxProcess>;
export function startSandboxProcess(opts?: StartOptions): Promise<SandboxProcess>;
export async function startSandboxProcess(opts: StartOptions = {}): Promise<SandboxProcess> {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-sandbox-'));
  const keepMerchant = reusedMerchant(dataDir, !opts.dataDir, opts.args ?? []);
  if (hostable(opts)) {
    const sandbox = await startHosted(dataDir, opts.args ?? []);
    keepMerchant?.();
    return sandbox;
  }
  const child = spawn(
    process.execPath,
    [
      CLI,
      'start',
      '--port',
      String(opts.port ?? 0),
      '--data',
      dataDir,
      '--json',
      '--quiet',
      ...(opts.args ?? []),
    ],
    { cwd: ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const ready = await new Promise<{ url: string; envId: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sandbox did not start in 20 s:\n${out}`)), 20000);
    const onData = () => {
      const line = out.split('\n').find((l) => l.startsWith('{"ready"'));
      if (line) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(JSON.parse(line));
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sandbox exited with ${code}:\n${out}`));
    });
  });
  keepMerchant?.();
  return {
    url: ready.url,
    envId: ready.envId,
    dataDir,
    child,
    output: () => out,
    stop: (signal = 'SIGTERM') =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * One `paykit-sandbox <args>` command, as a user runs it: the built CLI, or with `launcher` the
 * `bin/paykit-sandbox.js` that `npm run sandbox` runs. `url` adds `--url <url>`; `env` is added to
 * this process's environment; `timeoutMs` kills a command that has not exited by then (a `start`
 * that should have refused its arguments). Resolves with the exit code and output, never rejects.
 */
export function runCli(
  args: string[],
  opts: { url?: string; env?: Record<string, string>; launcher?: boolean; timeoutMs?: number } = {},
): Promise<CliRun> {
  const entry = opts.launcher ? path.join(ROOT, 'bin/paykit-sandbox.js') : CLI;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [entry, ...args, ...(opts.url ? ['--url', opts.url] : [])],
      { cwd: ROOT, env: { ...process.env, ...opts.env }, timeout: opts.timeoutMs },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}
