/** @jest-environment node */
/**
 * The run folders that keep `npm test`, the bench and the screenshot scripts out of /tmp
 * (test/helpers/run-folder.ts): a script's folder goes when it exits, however it ends, and a folder
 * whose owner died without removing it goes at the next run.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { makeRunFolder } from '../helpers/run-folder';
import { eventually } from '../helpers/control';

const ROOT = path.resolve(__dirname, '../..');

/** A Node script that takes a run folder, prints it, then does `then` (JavaScript). */
function script(prefix: string, then: string): string[] {
  const helper = JSON.stringify(path.join(ROOT, 'test/helpers/run-folder.ts'));
  return [
    '-r',
    'esbuild-register',
    '-e',
    `const fs = require('fs'); const os = require('os'); const path = require('path');
const dir = require(${helper}).useRunFolder(${JSON.stringify(prefix)});
fs.mkdirSync(fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-sandbox-')) + '/merchant');
console.log(JSON.stringify({ dir, tmp: os.tmpdir() }));
${then}`,
  ];
}

test('a script makes everything in its run folder, and the folder goes when it exits', () => {
  const run = spawnSync(process.execPath, script('paykit-rf-exit-', 'process.exitCode = 3;'), {
    cwd: ROOT,
    encoding: 'utf8',
  });
  expect(run.status).toBe(3);
  const { dir, tmp } = JSON.parse(run.stdout) as { dir: string; tmp: string };
  expect(tmp).toBe(dir);
  expect(path.dirname(dir)).toBe(os.tmpdir());
  expect(fs.existsSync(dir)).toBe(false);
});

test.each([
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const)('the folder goes on %s too (exit code %d)', async (signal, code) => {
  const child = spawn(process.execPath, script('paykit-rf-signal-', 'setInterval(() => undefined, 1000);'), {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  const { dir } = await eventually(() =>
    out.includes('\n') ? (JSON.parse(out) as { dir: string }) : undefined,
  );
  expect(fs.existsSync(dir)).toBe(true);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill(signal);
  expect(await exited).toBe(code);
  expect(fs.existsSync(dir)).toBe(false);
});

test("a dead owner's folder goes at the next run; a live owner's, and one still being made, stay", () => {
  const prefix = 'paykit-rf-sweep-';
  const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  const deadPid = Number(dead.stdout.trim());
  const folder = (owner?: number) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    fs.mkdirSync(path.join(dir, 'paykit-sandbox-x'));
    if (owner !== undefined) fs.writeFileSync(path.join(dir, '.owner-pid'), String(owner));
    return dir;
  };
  const killed = folder(deadPid);
  const running = folder(process.pid);
  const making = folder();
  const mine = makeRunFolder(prefix);
  expect(fs.existsSync(killed)).toBe(false);
  expect([running, making, mine].map((d) => fs.existsSync(d))).toEqual([true, true, true]);
  expect(fs.readFileSync(path.join(mine, '.owner-pid'), 'utf8')).toBe(String(process.pid));
  for (const dir of [running, making, mine]) fs.rmSync(dir, { recursive: true, force: true });
});
