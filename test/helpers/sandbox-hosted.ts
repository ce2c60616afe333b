/**
 * The client side of the jest worker's sandbox host (test/helpers/sandbox-host.ts): finds the host
 * this worker started for an earlier suite, or starts one, and has it start and stop sandboxes.
 * The host's files live in the run's shared folder (test/global-setup.ts), one set per worker;
 * test/global-teardown.ts ends the hosts.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { esbuild } from './esbuild';
import { httpRequest, parseBody } from './http';
import { isAlive } from './processes';
import type { SandboxProcess, StartOptions } from './sandbox';

const ROOT = path.resolve(__dirname, '../..');
const RUN_DIR = process.env.PAYKIT_TEST_RUN_DIR;
const WORKER = process.env.JEST_WORKER_ID;

interface HostInfo {
  url: string;
  token: string;
  pid: number;
  /** The jest worker that started it: a host left by a worker jest replaced is not used. */
  parent: number;
}

/** Whether a sandbox with these options can run in the host (see test/helpers/sandbox.ts). */
export function hostable(opts: StartOptions): boolean {
  return (
    process.env.PAYKIT_TEST_SANDBOX_HOST !== '0' &&
    Boolean(RUN_DIR && WORKER) &&
    !opts.process &&
    !opts.env &&
    opts.port === undefined &&
    opts.dataDir === undefined &&
    !(opts.args ?? []).includes('--host')
  );
}

const files = () => {
  const base = path.join(RUN_DIR!, `sandbox-host-${WORKER}`);
  return { info: `${base}.json`, output: `${base}.log`, script: path.join(RUN_DIR!, 'sandbox-host.js') };
};

function runningHost(): HostInfo | undefined {
  try {
    const info = JSON.parse(fs.readFileSync(files().info, 'utf8')) as HostInfo;
    return info.parent === process.pid && isAlive(info.pid) ? info : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The host program as plain JS, run by `node` alone (so its compile-cache key is a sandbox's), made
 * by esbuild's own binary (test/helpers/esbuild.ts).
 */
function hostScript(): string {
  const { script } = files();
  if (!fs.existsSync(script)) {
    const tmp = `${script}.${process.pid}.tmp`;
    esbuild(
      [
        path.join(__dirname, 'sandbox-host.ts'),
        '--bundle',
        `--outfile=${tmp}`,
        '--platform=node',
        '--format=cjs',
        '--target=node20',
      ],
      'could not build the sandbox host',
    );
    fs.renameSync(tmp, script);
  }
  return script;
}

/** The process id of this worker's running host, if it has one (for the host's own test). */
export function hostPid(): number | undefined {
  return runningHost()?.pid;
}

async function startHost(): Promise<HostInfo> {
  const { info, output } = files();
  fs.rmSync(info, { force: true });
  const out = fs.openSync(output, 'a');
  const child = spawn(process.execPath, [hostScript(), info, path.join(ROOT, 'dist/sandbox/cli.js')], {
    cwd: ROOT,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const host = runningHost();
    if (host) {
      // Not waited for by the worker: it ends by itself when the worker does.
      child.unref();
      return host;
    }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill();
  throw new Error(`the sandbox host did not start:\n${fs.readFileSync(output, 'utf8').slice(-2000)}`);
}

async function call<T>(host: HostInfo, route: string, body: unknown): Promise<T> {
  const res = await httpRequest('POST', `${host.url}${route}`, {
    // A fresh connection each time: a kept-alive one can be closed by the host's idle timeout just as
    // the next suite reuses it ("socket hang up").
    headers: { 'content-type': 'application/json', 'x-paykit-host-token': host.token, connection: 'close' },
    body: JSON.stringify(body),
  });
  const answer = parseBody(res.text) as T & { error?: { code: string; message: string } };
  if (res.status !== 200) {
    throw new Error(
      `sandbox host ${route}: ${answer?.error ? `${answer.error.code} ${answer.error.message}` : res.status}`,
    );
  }
  return answer;
}

/** A sandbox of `paykit-sandbox start --port 0 --data <dataDir> <args>`, in the worker's host. */
export async function startHosted(dataDir: string, args: string[]): Promise<SandboxProcess> {
  const host = runningHost() ?? (await startHost());
  const { output } = files();
  const from = fs.statSync(output).size;
  const started = await call<{ id: number; url: string; envId: string }>(host, '/start', {
    args: ['--port', '0', '--data', dataDir, ...args],
  });
  let stopped = false;
  return {
    url: started.url,
    envId: started.envId,
    dataDir,
    output: () => fs.readFileSync(output).subarray(from).toString(),
    stop: async (signal = 'SIGTERM') => {
      if (signal !== 'SIGTERM') {
        throw new Error(
          `a sandbox in the worker's host stops only as on SIGTERM: start it with { process: true }`,
        );
      }
      if (stopped) return;
      stopped = true;
      await call(host, '/stop', { id: started.id });
    },
  };
}

/** Ends every host of the run (test/global-teardown.ts): resolves once they have exited (10 s at most). */
export async function stopHosts(runDir: string): Promise<void> {
  const pids: number[] = [];
  for (const file of fs.readdirSync(runDir)) {
    if (!/^sandbox-host-.*\.json$/.test(file)) continue;
    try {
      const { pid } = JSON.parse(fs.readFileSync(path.join(runDir, file), 'utf8')) as HostInfo;
      process.kill(pid, 'SIGTERM');
      pids.push(pid);
    } catch {
      // Gone already.
    }
  }
  const until = Date.now() + 10_000;
  while (pids.some(isAlive) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
}
