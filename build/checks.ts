/**
 * `npm run typecheck`, `npm run lint` and the checks `npm test` runs before jest: every tsconfig of
 * the project (each part has its own libs and types) by `tsc -p`, ESLint and Prettier, as many at a
 * time as the machine has cores (each is single-threaded). Pick groups by name:
 * `checks.ts typecheck lint`. Prints each failing check's output under its name and exits non-zero
 * if any failed. `--background` runs them at a lower CPU priority (build/test.ts, beside jest).
 */
import { spawn } from 'child_process';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
const bin = (pkg: string, file: string) =>
  path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file);

const TSC = bin('typescript', 'bin/tsc');
const pretty = process.stdout.isTTY ? ['--pretty'] : [];
const TSCONFIGS = [
  'tsconfig.json',
  'tsconfig.cloud.json',
  'tsconfig.sandbox.json',
  'tsconfig.test.json',
  'tsconfig.node.json',
  'tsconfig.dashboard.json',
];

/** Each check: a name and the node script + arguments that run it. */
const GROUPS: Record<string, Array<{ name: string; args: string[] }>> = {
  typecheck: TSCONFIGS.map((p) => ({ name: `tsc -p ${p}`, args: [TSC, '-p', p, ...pretty] })),
  lint: [
    {
      name: 'eslint',
      args: [
        bin('eslint', 'bin/eslint.js'),
        ...['--cache', '--cache-strategy', 'content', '--cache-location', 'node_modules/.cache/eslint/', '.'],
      ],
    },
    {
      name: 'prettier',
      args: [
        bin('prettier', 'bin/prettier.cjs'),
        ...['--check', '--cache', '--cache-strategy', 'content', '.'],
      ],
    },
  ],
};

/** A niceness any user may take (raising it back needs privileges nothing here asks for). */
const BACKGROUND_PRIORITY = 10;

function run(check: { name: string; args: string[] }): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, check.args, { cwd: ROOT });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    child.on('close', (code) => resolve({ ok: code === 0, output }));
  });
}

async function main(args: string[]): Promise<void> {
  const groups = args.filter((a) => a !== '--background');
  // Inherited by every check this process starts.
  if (groups.length < args.length) os.setPriority(BACKGROUND_PRIORITY);
  const unknown = groups.filter((g) => !GROUPS[g]);
  if (!groups.length || unknown.length) {
    console.error(`usage: checks.ts <${Object.keys(GROUPS).join('|')}>…`);
    process.exit(2);
  }
  const queue = groups.flatMap((g) => GROUPS[g]);
  const count = queue.length;
  const failed: string[] = [];
  const worker = async () => {
    for (let check = queue.shift(); check; check = queue.shift()) {
      const { ok, output } = await run(check);
      if (!ok) {
        failed.push(check.name);
        console.error(`\n${check.name}:\n${output}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(os.cpus().length, count)) }, worker));
  if (failed.length) {
    console.error(`${groups.join(' + ')} failed: ${failed.join(', ')}`);
    process.exit(1);
  }
  console.log(`${groups.join(' + ')}: ${count} checks clean`);
}

void main(process.argv.slice(2));
