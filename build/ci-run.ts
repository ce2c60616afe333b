// Runs one miniprogram-ci job in a child process (build/ci-worker.ts). miniprogram-ci 2.1.42 lets a
// rejection from its compiler subprocess proxy escape even when the returned promise is caught, which
// would kill the gulp process with a stack trace; in a child it is just one more failure report. The
// parent turns every outcome into a BuildError with a plain message, and gives up when the child stays
// silent for `timeoutMs`.
import { spawn } from 'child_process';
import { createRequire } from 'module';
import * as path from 'path';
import { BuildError } from './context';
import type { CiTaskName } from './ci-inputs';
import type { Trigger } from './ci-package';

export interface CiJob {
  task: CiTaskName;
  projectPath: string;
  appid: string;
  privateKeyPath: string;
  robot: number;
  desc: string;
  version: string;
  /** preview: where the QR code image goes (its folder exists). */
  qrcodeOutputDest?: string;
  envId?: string;
  functions?: Array<{ name: string; dir: string; triggers: Trigger[] }>;
}

export type WorkerMessage =
  | { type: 'progress'; text: string }
  | { type: 'qrcode'; file: string; terminal: string }
  | { type: 'function'; name: string; step: 'uploaded' | 'trigger'; detail: string }
  | { type: 'done'; result: unknown }
  | { type: 'fail'; message: string; code?: string | number };

export interface RunOptions {
  timeoutMs: number;
  env: NodeJS.ProcessEnv;
  /** Called for every message (progress, qrcode, function) as it arrives. */
  onMessage?: (m: WorkerMessage) => void;
  /** miniprogram-ci's own console output, line by line (shown with --verbose). */
  onOutput?: (line: string) => void;
}

export const WECHAT_HOST = 'servicewechat.com';
const NETWORK =
  /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ECONNABORTED|ETIMEDOUT|ESOCKETTIMEDOUT|ENETUNREACH|EHOSTUNREACH|ENETDOWN|EPIPE|socket hang up|tunneling socket|getaddrinfo|network|proxy|certificate|self.signed|TLS|ssl/i;

export const isNetworkFailure = (text: string) => NETWORK.test(text);

/** The failure text without stack frames, at most a few lines. */
export function cleanCause(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l && !/^\s*at\s/.test(l))
    .slice(0, 3)
    .join(' ')
    .replace(/^(Error: )+/, '');
}

function doneSoFar(task: CiTaskName, uploaded: string[]): string {
  if (task !== 'deploy' || !uploaded.length) return 'nothing was uploaded.';
  return `already uploaded before the failure: ${uploaded.join(', ')}.`;
}

/** The one message for a failed job. */
export function failureMessage(task: CiTaskName, cause: string, uploaded: string[] = []): string {
  const detail = cleanCause(cause);
  if (isNetworkFailure(cause)) {
    return (
      `Cannot reach WeChat (${WECHAT_HOST}): ${task} needs network access to WeChat; ${doneSoFar(task, uploaded)}\n` +
      `  cause: ${detail}`
    );
  }
  return (
    `WeChat did not accept the ${task}: ${detail}\n` +
    `  ${doneSoFar(task, uploaded)} Check that the appid matches the upload key and that this machine's IP ` +
    'is in the code-upload IP whitelist (mp.weixin.qq.com, Development > Development settings).'
  );
}

export const WORKER = path.join(__dirname, 'ci-worker.ts');

/** Runs `job` in a child process; resolves with the worker's result or rejects with a BuildError. */
export function runCiJob(job: CiJob, opts: RunOptions): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['-r', createRequire(__filename).resolve('esbuild-register'), WORKER],
      {
        cwd: job.projectPath,
        env: { ...opts.env, PAYKIT_CI_JOB: JSON.stringify(job) },
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      },
    );
    const uploaded: string[] = [];
    const tail: string[] = [];
    let outcome: { ok: true; result: unknown } | { ok: false; message: string } | undefined;
    let timer: NodeJS.Timeout | undefined;
    const settle = (o: NonNullable<typeof outcome>) => {
      outcome ??= o;
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const s = Math.round(opts.timeoutMs / 1000);
        settle({
          ok: false,
          message:
            `Cannot reach WeChat (${WECHAT_HOST}): ${job.task} got no answer for ${s} s and gave up; ` +
            doneSoFar(job.task, uploaded),
        });
        child.kill('SIGKILL');
      }, opts.timeoutMs);
    };
    const onData = (chunk: Buffer) => {
      arm();
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        tail.push(line);
        if (tail.length > 20) tail.shift();
        opts.onOutput?.(line);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('message', (raw) => {
      arm();
      const m = raw as WorkerMessage;
      if (m.type === 'done') settle({ ok: true, result: m.result });
      else if (m.type === 'fail')
        settle({ ok: false, message: failureMessage(job.task, m.message, uploaded) });
      else {
        if (m.type === 'function' && m.step === 'uploaded') uploaded.push(m.name);
        opts.onMessage?.(m);
      }
    });
    child.on('error', (err) =>
      settle({ ok: false, message: `${job.task} could not start miniprogram-ci: ${err.message}` }),
    );
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (!outcome) {
        const said = tail.join('\n');
        settle({
          ok: false,
          message: isNetworkFailure(said)
            ? failureMessage(job.task, said, uploaded)
            : `miniprogram-ci stopped without a result (exit ${code ?? signal}): ${cleanCause(said) || 'no output'}`,
        });
      }
      const o = outcome as NonNullable<typeof outcome>;
      if (o.ok) resolve(o.result);
      else reject(new BuildError(o.message));
    });
    arm();
  });
}
