// Child process started by build/ci-run.ts: performs one miniprogram-ci job (PAYKIT_CI_JOB) and reports
// over IPC. Every failure, including rejections miniprogram-ci leaves unhandled, becomes one 'fail'
// message and exit code 1; nothing here prints a stack trace.
import * as fs from 'fs';
import { createRequire } from 'module';
import type { CiJob, WorkerMessage } from './ci-run';

type Ci = typeof import('miniprogram-ci');
type Project = InstanceType<Ci['Project']>;

let finished = false;

function send(m: WorkerMessage): Promise<void> {
  return new Promise((resolve) => (process.send ? process.send(m, () => resolve()) : resolve()));
}

function describe(err: unknown): { message: string; code?: string | number } {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return {
      message: err.message,
      code: typeof code === 'string' || typeof code === 'number' ? code : undefined,
    };
  }
  if (typeof err === 'string') return { message: err };
  if (err && typeof err === 'object' && 'message' in err) return { message: String(err.message) };
  return { message: JSON.stringify(err) ?? String(err) };
}

async function finish(m: WorkerMessage, code: number): Promise<void> {
  if (finished) return;
  finished = true;
  await send(m);
  process.exit(code);
}

const fail = (err: unknown) => finish({ type: 'fail', ...describe(err) }, 1);

process.on('unhandledRejection', (err) => void fail(err));
process.on('uncaughtException', (err) => void fail(err));
// The parent went away (Ctrl+C on gulp): stop rather than upload unattended.
process.on('disconnect', () => process.exit(1));

const progress = (task: unknown) => {
  const text = typeof task === 'string' ? task : describe(task).message;
  void send({ type: 'progress', text });
};

async function terminalQrcode(req: NodeJS.Require, file: string): Promise<string> {
  try {
    // Internal helper of miniprogram-ci 2.1.42 (what qrcodeFormat 'terminal' uses); optional.
    const { generateTerminalQrcode } = req('miniprogram-ci/dist/ci/utils/terminalQrcode') as {
      generateTerminalQrcode: (base64: string) => Promise<string>;
    };
    return await generateTerminalQrcode(fs.readFileSync(file).toString('base64'));
  } catch {
    return '';
  }
}

async function deploy(ci: Ci, project: Project, job: CiJob): Promise<unknown> {
  const done: Array<{ name: string; triggers: string[] }> = [];
  for (const fn of job.functions ?? []) {
    await ci.cloud.uploadFunction({
      project,
      env: job.envId as string,
      name: fn.name,
      path: fn.dir,
      remoteNpmInstall: true,
    });
    await send({ type: 'function', name: fn.name, step: 'uploaded', detail: fn.dir });
    // miniprogram-ci takes one trigger per call.
    for (const trigger of fn.triggers) {
      const answer = await ci.cloud.createTimeTrigger({
        project,
        envId: job.envId as string,
        functionName: fn.name,
        triggersConfig: [trigger],
      });
      if (answer !== '创建定时触发器成功')
        throw new Error(`trigger ${trigger.name} of ${fn.name}: ${answer}`);
      await send({
        type: 'function',
        name: fn.name,
        step: 'trigger',
        detail: `${trigger.name} ${trigger.config}`,
      });
    }
    done.push({ name: fn.name, triggers: fn.triggers.map((t) => t.name) });
  }
  return done;
}

async function main(): Promise<unknown> {
  const job = JSON.parse(process.env.PAYKIT_CI_JOB ?? '{}') as CiJob;
  const req = createRequire(__filename);
  const ci = req('miniprogram-ci') as Ci;
  const project = new ci.Project({
    appid: job.appid,
    type: 'miniProgram',
    projectPath: job.projectPath,
    privateKeyPath: job.privateKeyPath,
    ignores: ['node_modules/**/*'],
  });
  const common = {
    project,
    desc: job.desc,
    robot: job.robot,
    setting: { useProjectConfig: true },
    onProgressUpdate: progress,
  };
  if (job.task === 'preview') {
    const dest = job.qrcodeOutputDest as string;
    const result = await ci.preview({
      ...common,
      version: job.version,
      qrcodeFormat: 'image',
      qrcodeOutputDest: dest,
    });
    await send({ type: 'qrcode', file: dest, terminal: await terminalQrcode(req, dest) });
    return result;
  }
  if (job.task === 'upload') return ci.upload({ ...common, version: job.version });
  return deploy(ci, project, job);
}

main().then(
  (result) => finish({ type: 'done', result: JSON.parse(JSON.stringify(result ?? null)) }, 0),
  fail,
);
