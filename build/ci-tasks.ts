// preview, upload and deploy: gulp tasks over miniprogram-ci. Each checks credentials and the built
// project first (one message naming everything wrong), then runs miniprogram-ci in a child process
// (build/ci-run.ts). `--dry-run` stops after the checks and prints what would be sent.
import type { TaskFunction } from 'gulp';
import * as fs from 'fs';
import * as path from 'path';
import { BuildError, type BuildContext } from './context';
import { type CiTaskName, checkCredentials, credentialsMessage, loadCredentials } from './ci-credentials';
import { checkVersion, parseCiFlags, resolveRelease } from './ci-options';
import { planProject } from './ci-package';
import { formatReport } from './ci-report';
import { type CiJob, runCiJob, type WorkerMessage } from './ci-run';

export const QRCODE_FILE = 'preview-qrcode.jpg';
export const DEFAULT_TIMEOUT_S = 60;

export interface CiOptions {
  /** Command line to read flags from (process.argv by default). */
  argv?: string[];
  env?: NodeJS.ProcessEnv;
  /** Report and result lines (console.log by default). */
  print?: (line: string) => void;
}

export interface CiTasks {
  preview: TaskFunction;
  upload: TaskFunction;
  deploy: TaskFunction;
}

function timeoutMs(flag: number | undefined, env: NodeJS.ProcessEnv): number {
  const raw = flag ?? (env.PAYKIT_CI_TIMEOUT ? Number(env.PAYKIT_CI_TIMEOUT) : DEFAULT_TIMEOUT_S);
  if (!Number.isFinite(raw) || raw <= 0)
    throw new BuildError(`--timeout / PAYKIT_CI_TIMEOUT must be a number of seconds, got ${String(raw)}`);
  return raw * 1000;
}

const bullet = (items: string[]) => items.map((p) => `  - ${p}`).join('\n');

export async function runCiTask(ctx: BuildContext, task: CiTaskName, opts: CiOptions = {}): Promise<void> {
  const argv = opts.argv ?? process.argv;
  const env = opts.env ?? process.env;
  const print = opts.print ?? ((line: string) => console.log(line));
  const flags = parseCiFlags(argv);
  const loaded = loadCredentials(ctx.root, env);
  const check = checkCredentials(loaded, task);
  const plan = planProject(ctx, task === 'deploy' ? 'functions' : 'miniprogram');
  const release = resolveRelease(ctx.root, flags, env);
  const problems = [...plan.problems];
  const versionProblem = task === 'upload' ? checkVersion(release.version) : '';
  if (versionProblem) problems.push(versionProblem);
  const qrcodeFile = path.join(ctx.out, QRCODE_FILE);

  if (flags.dryRun) {
    for (const line of formatReport({ task, root: ctx.root, plan, release, loaded, check, qrcodeFile }))
      print(line);
    const wrong = [...check.invalid, ...problems];
    if (wrong.length) throw new BuildError(`${task} --dry-run found problems:\n${bullet(wrong)}`);
    return;
  }

  const credentials = credentialsMessage(check, task);
  if (credentials || problems.length) {
    const parts = [credentials];
    if (problems.length) parts.push(`${task} cannot run: the project is not ready.\n${bullet(problems)}`);
    throw new BuildError(parts.filter(Boolean).join('\n'));
  }
  const { appid, privateKeyPath, envId, robot } = loaded.values;
  const job: CiJob = {
    task,
    projectPath: ctx.root,
    appid: appid as string,
    privateKeyPath: privateKeyPath as string,
    robot: robot ?? 1,
    desc: release.desc,
    version: release.version,
  };
  if (task === 'preview') {
    fs.mkdirSync(path.dirname(qrcodeFile), { recursive: true });
    job.qrcodeOutputDest = qrcodeFile;
  }
  if (task === 'deploy') {
    job.envId = envId;
    job.functions = plan.functions.map(({ name, dir, triggers }) => ({ name, dir, triggers }));
  }
  const onMessage = (m: WorkerMessage) => {
    if (m.type === 'qrcode') {
      if (m.terminal) print(m.terminal);
      print(`preview QR code: ${path.relative(ctx.root, m.file)} (scan it with WeChat)`);
    } else if (m.type === 'function') {
      print(m.step === 'uploaded' ? `uploaded cloud function ${m.name}` : `  timer trigger ${m.detail}`);
    } else if (flags.verbose && m.type === 'progress') print(m.text);
  };
  ctx.log(`${task}: contacting WeChat (gives up after ${timeoutMs(flags.timeout, env) / 1000} s of silence)`);
  await runCiJob(job, {
    timeoutMs: timeoutMs(flags.timeout, env),
    env,
    onMessage,
    onOutput: flags.verbose ? print : undefined,
  });
  if (task === 'upload') print(`uploaded version ${release.version}: ${release.desc} (robot ${job.robot})`);
  if (task === 'deploy') print(`deployed ${plan.functions.length} cloud function(s) to ${envId}`);
}

export function createCiTasks(ctx: BuildContext, opts: CiOptions = {}): CiTasks {
  const make = (task: CiTaskName, description: string): TaskFunction =>
    Object.assign(() => runCiTask(ctx, task, opts), { displayName: task, description });
  return {
    preview: make('preview', 'Preview QR code through miniprogram-ci (--dry-run: check and list only)'),
    upload: make('upload', 'Upload a version through miniprogram-ci (--ver, --desc, --dry-run)'),
    deploy: make('deploy', 'Upload every cloud function and its timer triggers (--dry-run)'),
  };
}
