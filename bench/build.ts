/** Build time, bundle sizes, and test-suite time. */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { bytes, withTarget } from './stats';

const ROOT = path.resolve(__dirname, '..');
/** DESIGN §7: the build takes seconds (esbuild). */
const BUILD_TARGET_S = 10;
/** Issue 17: the whole of `npm test` on this 2-core machine. */
const TEST_TARGET_S = 90;
/** WeChat's limit for a mini-program's main package. */
const MAIN_PACKAGE_LIMIT = 2 * 1024 * 1024;

function timed(cmd: string, args: string[]): number {
  const started = process.hrtime.bigint();
  const res = spawnSync(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${res.stdout}\n${res.stderr}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

export async function benchBuild(): Promise<void> {
  const gulp = path.join(ROOT, 'node_modules/.bin/gulp');
  const runs = [timed(gulp, ['build']), timed(gulp, ['build']), timed(gulp, ['build'])];
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

export async function benchTests(): Promise<void> {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const wall = timed(npm, ['test']);
  console.log(
    withTarget(
      `npm test (build, typecheck, lint, all suites) wall: ${(wall / 1000).toFixed(1)} s`,
      `≤ ${TEST_TARGET_S} s`,
      wall / 1000 <= TEST_TARGET_S,
    ),
  );
}
