/** Build time, bundle sizes, and test-suite time. */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { bytes } from './stats';

const ROOT = path.resolve(__dirname, '..');

function timed(cmd: string, args: string[]): number {
  const started = process.hrtime.bigint();
  const res = spawnSync(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${res.stdout}\n${res.stderr}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

export async function benchBuild(): Promise<void> {
  const gulp = path.join(ROOT, 'node_modules/.bin/gulp');
  const runs = [timed(gulp, ['build']), timed(gulp, ['build']), timed(gulp, ['build'])];
  console.log(`gulp build (clean, full)  wall: ${runs.map((r) => `${(r / 1000).toFixed(2)} s`).join(', ')}`);
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
  console.log(`dist/miniprogram without miniprogram_npm: ${bytes(own.bytes)} in ${own.files} files`);
  console.log(`dist/miniprogram with all of vant:        ${bytes(all.bytes)} in ${all.files} files`);
  const fnDir = path.join(ROOT, 'dist/cloudfunctions');
  for (const name of fs.existsSync(fnDir) ? fs.readdirSync(fnDir) : []) {
    const file = path.join(fnDir, name, 'index.js');
    if (fs.existsSync(file))
      console.log(`cloud function ${name.padEnd(16)} index.js ${bytes(fs.statSync(file).size)}`);
  }
}

export async function benchTests(): Promise<void> {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const wall = timed(npm, ['test']);
  console.log(`npm test (build, typecheck, lint, all suites) wall: ${(wall / 1000).toFixed(1)} s`);
}
