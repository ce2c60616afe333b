// preview, upload and deploy: gulp tasks over miniprogram-ci. Each checks credentials first, builds
// what it sends (the mini-program, or the cloud functions) from the sources as they are now, checks the
// result (one message naming everything wrong), then runs miniprogram-ci in a child process
// (build/ci-run.ts). `--dry-run` builds too, stops after the checks and prints the report at the end of
// this file: exactly what would be sent, without contacting WeChat.
import * as fs from 'fs';
import * as path from 'path';
import { type TaskFunction } from 'gulp';
import { BuildError, type BuildContext, paths, rel } from './context';
import {
  type CiTaskName,
  CREDENTIAL_FIELDS,
  checkCredentials,
  checkVersion,
  type CredentialCheck,
  type Credentials,
  credentialsMessage,
  fieldName,
  formatBytes,
  loadCredentials,
  type LoadedCredentials,
  parseCiFlags,
  type Release,
  requiredFields,
  resolveRelease,
} from './ci-inputs';
import { planProject, MAIN_PACKAGE_LIMIT, type ProjectPlan } from './ci-package';
import { type CiJob, runCiJob, type WorkerMessage } from './ci-run';
import { buildPart } from './tasks';

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

/** Throws the one message naming what stops a real run; nothing when `credentials` and `problems` are empty. */
function refuseUnready(task: CiTaskName, credentials: string, problems: string[]): void {
  if (!credentials && !problems.length) return;
  const parts = [credentials];
  if (problems.length) parts.push(`${task} cannot run: the project is not ready.\n${bullet(problems)}`);
  throw new BuildError(parts.filter(Boolean).join('\n'));
}

export async function runCiTask(ctx: BuildContext, task: CiTaskName, opts: CiOptions = {}): Promise<void> {
  const argv = opts.argv ?? process.argv;
  const env = opts.env ?? process.env;
  const print = opts.print ?? ((line: string) => console.log(line));
  const flags = parseCiFlags(argv);
  const loaded = loadCredentials(ctx.root, env);
  const check = checkCredentials(loaded, task);
  const release = resolveRelease(ctx.root, flags, env);
  const versionProblem = task === 'upload' ? checkVersion(release.version) : '';
  // What no build can change stops a real run before the build: a missing key costs no build.
  const waitMs = flags.dryRun ? 0 : timeoutMs(flags.timeout, env);
  if (!flags.dryRun)
    refuseUnready(task, credentialsMessage(check, task), versionProblem ? [versionProblem] : []);

  // dist/ as the last build left it may be older than the sources (an edit since, a deleted page):
  // what is sent is built now, dry run included, so the report lists exactly what a real run sends.
  const part = task === 'deploy' ? 'functions' : 'miniprogram';
  ctx.log(
    `${task}: building ${rel(ctx, part === 'functions' ? paths.cloudOut(ctx) : paths.mpOut(ctx))} from the sources`,
  );
  await buildPart(ctx, part);
  const plan = planProject(ctx, part);
  const problems = [...plan.problems];
  if (versionProblem) problems.push(versionProblem);
  const qrcodeFile = path.join(ctx.out, QRCODE_FILE);

  if (flags.dryRun) {
    for (const line of formatReport({ task, root: ctx.root, plan, release, loaded, check, qrcodeFile }))
      print(line);
    const wrong = [...check.invalid, ...problems];
    if (wrong.length) throw new BuildError(`${task} --dry-run found problems:\n${bullet(wrong)}`);
    return;
  }

  refuseUnready(task, '', problems);
  for (const n of plan.notes) ctx.log(`${task}: note: ${n}`);
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
  ctx.log(`${task}: contacting WeChat (gives up after ${waitMs / 1000} s of silence)`);
  await runCiJob(job, {
    timeoutMs: waitMs,
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
    preview: make(
      'preview',
      'Build the mini-program, then a preview QR code through miniprogram-ci (--dry-run: list only)',
    ),
    upload: make('upload', 'Build the mini-program, then upload it as a version (--ver, --desc, --dry-run)'),
    deploy: make(
      'deploy',
      'Build every cloud function, then upload each with its timer triggers (--dry-run)',
    ),
  };
}

const pad = (label: string) => label.padEnd(13);
const size = (n: number) => formatBytes(n).padStart(10);

function credentialLines(task: CiTaskName, loaded: LoadedCredentials, check: CredentialCheck): string[] {
  const need = requiredFields(task);
  const lines: string[] = [];
  const labels: Partial<Record<keyof Credentials, string>> = {
    appid: 'appid',
    privateKeyPath: 'private key',
    envId: 'cloud env',
    robot: 'robot',
  };
  for (const f of CREDENTIAL_FIELDS) {
    if (f.key === 'envId' && !need.includes('envId')) continue;
    const value = f.key === 'privateKeyPath' ? loaded.values.privateKeyPath : loaded.raw[f.key];
    let text: string;
    if (value !== undefined) text = `${String(value)} (from ${loaded.sources[f.key]})`;
    else if (f.key === 'robot') text = '1 (default)';
    else text = `would be needed: ${fieldName(f)}`;
    lines.push(`${pad(labels[f.key] as string)}${text}`);
  }
  if (check.invalid.length) lines.push(...check.invalid.map((p) => `${pad('')}wrong: ${p}`));
  return lines;
}

export interface ReportInput {
  task: CiTaskName;
  root: string;
  plan: ProjectPlan;
  release: Release;
  loaded: LoadedCredentials;
  check: CredentialCheck;
  qrcodeFile: string;
}

export function formatReport(r: ReportInput): string[] {
  const { task, plan, release } = r;
  const relTo = (p: string) => path.relative(r.root, p).split(path.sep).join('/') || '.';
  const lines = [
    `${task} --dry-run: the project was checked and nothing was sent to WeChat.`,
    `${pad('project')}${r.root} (project.config.json)`,
    ...credentialLines(task, r.loaded, r.check),
  ];
  if (task === 'upload') lines.push(`${pad('version')}${release.version} (from ${release.versionSource})`);
  if (task !== 'deploy') {
    lines.push(`${pad('description')}${JSON.stringify(release.desc)} (from ${release.descSource})`);
    const setting = Object.entries(plan.config.setting ?? {})
      .filter(([, v]) => typeof v === 'boolean')
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' ');
    lines.push(`${pad('setting')}useProjectConfig (project.config.json: ${setting || 'defaults'})`);
    if (task === 'preview')
      lines.push(`${pad('qrcode')}written to ${relTo(r.qrcodeFile)} and printed in the terminal`);
    const main = plan.files.filter((f) => f.pkg === '').reduce((n, f) => n + f.size, 0);
    const total = plan.files.reduce((n, f) => n + f.size, 0);
    lines.push(`${pad('files')}${relTo(plan.mpRoot)}:`);
    for (const f of plan.files) lines.push(`  ${size(f.size)}  ${f.file}`);
    lines.push(
      `${pad('total')}${plan.files.length} files, ${formatBytes(total)} ` +
        `(main package ${formatBytes(main)} of ${formatBytes(MAIN_PACKAGE_LIMIT)})`,
    );
    if (plan.skipped.count)
      lines.push(
        `${pad('left out')}${plan.skipped.count} files, ${formatBytes(plan.skipped.size)} ` +
          '(unused code, packOptions.ignore, file types WeChat does not take)',
      );
  } else {
    lines.push(
      `${pad('functions')}${plan.functions.length} in ${relTo(plan.cloudRoot)}, remoteNpmInstall: true ` +
        '(node_modules stay local; the cloud installs package.json dependencies)',
    );
    let files = 0;
    let bytes = 0;
    let triggers = 0;
    for (const fn of plan.functions) {
      const t =
        fn.triggers.map((x) => `trigger ${x.name} (${x.type} "${x.config}")`).join(', ') || 'no trigger';
      lines.push(`  ${fn.name}: ${fn.files.length} files, ${formatBytes(fn.total)}, ${t}`);
      for (const f of fn.files) lines.push(`    ${size(f.size)}  ${f.file}`);
      files += fn.files.length;
      bytes += fn.total;
      triggers += fn.triggers.length;
    }
    lines.push(
      `${pad('total')}${plan.functions.length} functions, ${files} files, ${formatBytes(bytes)}, ` +
        `${triggers} timer trigger(s)`,
    );
  }
  for (const n of plan.notes) lines.push(`${pad('note')}${n}`);
  return lines;
}
