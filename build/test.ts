/**
 * `npm test` after the build: the type-checks and lint (build/checks.ts) and jest at the same time.
 * Jest's suites spend much of their time waiting on sandbox processes and the browser; the checks
 * run at a lower CPU priority in those gaps instead of before jest starts, so they take the cores
 * jest leaves idle and never slow a suite down. Jest's output streams as it runs; the checks'
 * verdict (with any failure's output) is printed after it. Arguments go to jest
 * (`npm test -- test/sandbox`). Exits non-zero if either failed.
 */
import { spawn, type ChildProcess } from 'child_process';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');

function exited(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

async function main(jestArgs: string[]): Promise<void> {
  const checks = spawn(
    process.execPath,
    ['-r', 'esbuild-register', path.join(__dirname, 'checks.ts'), '--background', 'typecheck', 'lint'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let checksOutput = '';
  checks.stdout!.on('data', (b: Buffer) => (checksOutput += b.toString()));
  checks.stderr!.on('data', (b: Buffer) => (checksOutput += b.toString()));
  const jest = spawn(process.execPath, [require.resolve('jest/bin/jest'), ...jestArgs], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  const stop = () => [checks, jest].forEach((c) => c.kill('SIGTERM'));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const [checksCode, jestCode] = await Promise.all([exited(checks), exited(jest)]);
  process.stdout.write(checksOutput);
  process.exit(checksCode || jestCode);
}

void main(process.argv.slice(2));
