/** Build time, bundle sizes, and test-suite time. */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { sampleProcessTree, type KindCpu } from './process-cpu';
import { bytes, withTarget } from './stats';

const ROOT = path.resolve(__dirname, '..');
/** DESIGN §7: the build takes seconds (esbuild). */
const BUILD_TARGET_S = 10;
/** Issue 17: the whole of `npm test` on this 2-core machine. */
const TEST_TARGET_S = 90;
/** WeChat's limit for a mini-program's main package. */
const MAIN_PACKAGE_LIMIT = 2 * 1024 * 1024;

/**
 * Runs `cmd` to its end (output kept for a failure) and times it; with `sample`, also what its process
 * tree's CPU went to, by kind (bench/process-cpu.ts).
 */
function timed(
  cmd: string,
  args: string[],
  { sample = false } = {},
): Promise<{ ms: number; kinds?: KindCpu[] }> {
  const started = process.hrtime.bigint();
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const sampler = sample && child.pid !== undefined ? sampleProcessTree(child.pid) : undefined;
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr.on('data', (b: Buffer) => (output += b.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const kinds = sampler?.stop();
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} failed:\n${output.slice(-20_000)}`));
      else resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, kinds });
    });
  });
}

export async function benchBuild(): Promise<void> {
  const gulp = path.join(ROOT, 'node_modules/.bin/gulp');
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) runs.push((await timed(gulp, ['build'])).ms);
  const slowest = Math.max(...runs) / 1000;
  console.log(
    withTarget(
      `gulp build (clean, full)  wall: ${runs.map((r) => `${(r / 1000).toFixed(2)} s`).join(', ')}`,
      `≤ ${BUILD_TARGET_S} s each`,
      slowest <= BUILD_TARGET_S,
    ),
  );
}

function dirSize(
  dir: string,
  skip: (rel: string) => boolean = () => false,
): { bytes: number; files: number } {
  let total = 0;
  let files = 0;
  for (const rel of fs.readdirSync(dir, { recursive: true }) as string[]) {
    if (skip(rel)) continue;
    const stat = fs.statSync(path.join(dir, rel));
    if (stat.isFile()) {
      total += stat.size;
      files++;
    }
  }
  return { bytes: total, files };
}

export async function benchSize(): Promise<void> {
  const mp = path.join(ROOT, 'dist/miniprogram');
  if (!fs.existsSync(mp)) throw new Error('dist/miniprogram is missing: run npm run build');
  const own = dirSize(mp, (rel) => rel.split(path.sep).includes('miniprogram_npm'));
  const all = dirSize(mp);
  const limit = `≤ ${bytes(MAIN_PACKAGE_LIMIT)} (WeChat's main package limit)`;
  console.log(
    withTarget(
      `dist/miniprogram without miniprogram_npm: ${bytes(own.bytes)} in ${own.files} files`,
      limit,
      own.bytes <= MAIN_PACKAGE_LIMIT,
    ),
  );
  console.log(
    withTarget(
      `dist/miniprogram with its vant copy:      ${bytes(all.bytes)} in ${all.files} files`,
      limit,
      all.bytes <= MAIN_PACKAGE_LIMIT,
    ),
  );
  const fnDir = path.join(ROOT, 'dist/cloudfunctions');
  const functions = (fs.existsSync(fnDir) ? fs.readdirSync(fnDir) : [])
    .map((name) => ({ name, file: path.join(fnDir, name, 'index.js') }))
    .filter((f) => fs.existsSync(f.file))
    .map((f) => `${f.name} ${bytes(fs.statSync(f.file).size)}`);
  // A bundle loads beside wx-server-sdk (3.5 MB, issue 17): no size target of its own.
  console.log(withTarget(`cloud function bundles (index.js): ${functions.join(', ')}`, '(no target)'));
}

/** CPU time every core of the machine spent busy so far, in seconds (os.cpus(): all processes). */
function machineBusySeconds(): number {
  return os.cpus().reduce((sum, { times: t }) => sum + t.user + t.nice + t.sys + t.irq, 0) / 1000;
}

interface JestReport {
  numTotalTests: number;
  numTotalTestSuites: number;
  testResults: Array<{ name: string; startTime: number; endTime: number }>;
}

/**
 * `npm test` as a developer runs it, timed, with what explains the figure: how busy the machine's
 * cores were meanwhile (a suite that keeps every core busy gets faster only by doing less work, not
 * by more parallelism), which kinds of process that work was (bench/process-cpu.ts), and the longest
 * suites, from jest's own report.
 */
export async function benchTests(): Promise<void> {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const report = path.join(os.tmpdir(), `paykit-bench-tests-${process.pid}.json`);
  const busyBefore = machineBusySeconds();
  const run = await timed(npm, ['test', '--', '--json', `--outputFile=${report}`], { sample: true });
  const wall = run.ms / 1000;
  const busy = machineBusySeconds() - busyBefore;
  const jest = JSON.parse(fs.readFileSync(report, 'utf8')) as JestReport;
  fs.rmSync(report, { force: true });
  console.log(
    withTarget(
      `npm test (build, typecheck, lint, ${jest.numTotalTestSuites} suites, ${jest.numTotalTests} tests) wall: ${wall.toFixed(1)} s`,
      `≤ ${TEST_TARGET_S} s`,
      wall <= TEST_TARGET_S,
    ),
  );
  const cores = os.cpus().length;
  console.log(
    withTarget(
      `  machine CPU meanwhile: ${busy.toFixed(0)} s busy on ${cores} cores, ` +
        `${((100 * busy) / (cores * wall)).toFixed(0)}% of what they had; at 100% the wall would be ${(busy / cores).toFixed(0)} s`,
      'none: what the wall is made of',
    ),
  );
  if (run.kinds) {
    const attributed = run.kinds.reduce((sum, k) => sum + k.cpuSeconds, 0);
    const parts = run.kinds.map(
      (k) =>
        `${k.kind} ${k.cpuSeconds.toFixed(0)} s (${k.processes} process${k.processes === 1 ? '' : 'es'}` +
        `${k.processes > 1 ? `, ${((1000 * k.cpuSeconds) / k.processes).toFixed(0)} ms each` : ''})`,
    );
    parts.push(`unattributed ${Math.max(0, busy - attributed).toFixed(0)} s`);
    console.log(withTarget(`  that CPU by kind of process: ${parts.join(', ')}`, 'none: where the work is'));
  }
  const suites = jest.testResults
    .map((r) => ({ name: path.relative(ROOT, r.name), seconds: (r.endTime - r.startTime) / 1000 }))
    .sort((a, b) => b.seconds - a.seconds);
  const summed = suites.reduce((sum, r) => sum + r.seconds, 0);
  console.log(
    withTarget(
      `  suites summed ${summed.toFixed(0)} s; longest: ` +
        suites
          .slice(0, 5)
          .map((r) => `${r.name} ${r.seconds.toFixed(1)} s`)
          .join(', '),
      'none',
    ),
  );
}
