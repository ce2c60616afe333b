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

/**
 * What jest and the checks run with: this environment without NODE_EXTRA_CA_CERTS. Node reads and
 * parses that file's certificates at every process start (~45 ms of CPU for a system bundle; some
 * hosts set it machine-wide, this machine kind among them), the suite starts some 250 Node
 * processes (sandboxes, CLI commands, gulp, npm), and none of them opens a TLS connection that needs
 * an extra authority: every server a test talks to is on loopback, and WeChat is unreachable by
 * design. The sandbox never passed it on to function instances anyway (runtime/environment.ts).
 */
function suiteEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

async function main(jestArgs: string[]): Promise<void> {
  const env = suiteEnv();
  const checks = spawn(
    process.execPath,
    ['-r', 'esbuild-register', path.join(__dirname, 'checks.ts'), '--background', 'typecheck', 'lint'],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let checksOutput = '';
  checks.stdout!.on('data', (b: Buffer) => (checksOutput += b.toString()));
  checks.stderr!.on('data', (b: Buffer) => (checksOutput += b.toString()));
  const jest = spawn(process.execPath, [require.resolve('jest/bin/jest'), ...jestArgs], {
    cwd: ROOT,
    env,
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
