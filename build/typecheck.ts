/**
 * `npm run typecheck`: every tsconfig of the project (each part has its own libs and types), checked
 * by `tsc -p`, as many at a time as the machine has cores (each tsc is single-threaded). Prints each
 * project's errors under its name and exits non-zero if any project has one.
 */
import { spawn } from 'child_process';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
const PROJECTS = [
  'tsconfig.json',
  'tsconfig.cloud.json',
  'tsconfig.sandbox.json',
  'tsconfig.test.json',
  'tsconfig.node.json',
  'tsconfig.dashboard.json',
];
const TSC = require.resolve('typescript/bin/tsc');

function check(project: string): Promise<{ project: string; ok: boolean; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [TSC, '-p', project, ...(process.stdout.isTTY ? ['--pretty'] : [])],
      { cwd: ROOT },
    );
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    child.on('close', (code) => resolve({ project, ok: code === 0, output }));
  });
}

async function main(): Promise<void> {
  const queue = [...PROJECTS];
  const failed: string[] = [];
  const worker = async () => {
    for (let project = queue.shift(); project; project = queue.shift()) {
      const result = await check(project);
      if (!result.ok) {
        failed.push(project);
        console.error(`\n${project}:\n${result.output}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(os.cpus().length, PROJECTS.length)) }, worker));
  if (failed.length) {
    console.error(`typecheck failed: ${failed.join(', ')}`);
    process.exit(1);
  }
  console.log(`typecheck: ${PROJECTS.length} projects clean`);
}

void main();
