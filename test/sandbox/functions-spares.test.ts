/** @jest-environment node */
/**
 * Spare workers (sandbox/runtime/spares.ts): a cold start takes a process started ahead, with
 * wx-server-sdk loaded and no function yet. The instance it becomes is still fresh (the function's
 * module state starts at zero), still logged `cold`, and a spare that dies before use is not
 * handed out: the next cold start forks its own worker, and a new spare replaces the dead one.
 */
import * as fs from 'fs';
import * as path from 'path';
import { buildFixtureFunctions } from '../helpers/fixtures';
import { callFunction, eventually, get } from '../helpers/control';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox';

let sandbox: SandboxProcess;
let base: string;
let functionsDir: string;

interface Counted {
  invocations: number;
  pid: number;
}
interface LogRecord {
  cold: boolean;
  coldStart?: { spare: boolean; forkToReadyMs: number; loadMs: number; waitedMs: number };
}

const count = async (delayMs = 0): Promise<Counted> => {
  const answer = await callFunction<Counted>(base, 'o-spare', 'counter', { delayMs });
  if (!answer.ok) throw new Error(`counter failed: ${answer.errMsg}`);
  return answer.result;
};
const logsOf = async (limit: number) =>
  (await get<{ logs: LogRecord[] }>(`${base}/sandbox/logs?name=counter&limit=${limit}`)).logs;
const spares = async () => (await get<{ spares: number[] }>(`${base}/sandbox/functions`)).spares;
const readySpare = (besides: number[] = []) =>
  eventually(
    async () => (await spares()).find((pid) => !besides.includes(pid)),
    10_000,
    'a ready spare worker',
  );
/** A redeploy: idle instances of the old code are retired, the next call starts cold. */
const redeploy = () => {
  const entry = path.join(functionsDir, 'counter', 'index.js');
  const stamp = fs.statSync(entry).mtimeMs + 1000;
  fs.utimesSync(entry, new Date(), new Date(stamp));
};

beforeAll(async () => {
  functionsDir = buildFixtureFunctions(['counter']);
  sandbox = await startSandboxProcess({ args: ['--functions', functionsDir] });
  base = sandbox.url;
});

afterAll(async () => {
  await sandbox?.stop();
  fs.rmSync(functionsDir, { recursive: true, force: true });
});

test('no spare before the first cold start; the first one forks, then a spare is kept ready', async () => {
  expect(await spares()).toEqual([]);
  const first = await count();
  expect(first.invocations).toBe(1);
  const [log] = await logsOf(1);
  expect(log).toMatchObject({ cold: true, coldStart: { spare: false } });
  expect(log.coldStart!.forkToReadyMs).toBeGreaterThan(0);
  expect(await readySpare()).toEqual(expect.any(Number));
});

test('a cold start in a spare is a fresh instance: its own process, module state from zero, logged cold', async () => {
  const spare = await readySpare();
  const warm = await count();
  // The instance of the previous test, warm: its module global kept counting.
  expect(warm.invocations).toBeGreaterThan(1);
  expect((await logsOf(1))[0]).toEqual(expect.objectContaining({ cold: false }));
  expect((await logsOf(1))[0].coldStart).toBeUndefined();

  // Two calls at once: the second needs another instance, which becomes the spare. Each holds its
  // instance a second, so they overlap however late a loaded machine delivers the second request.
  const [a, b] = await Promise.all([count(1000), count(1000)]);
  const fresh = [a, b].find((c) => c.pid === spare);
  expect(fresh).toEqual({ invocations: 1, pid: spare, loadedAt: expect.any(Number) });
  const logs = await logsOf(2);
  expect(logs.map((l) => l.cold).sort()).toEqual([false, true]);
  expect(logs.find((l) => l.cold)?.coldStart).toMatchObject({ spare: true, waitedMs: expect.any(Number) });

  // Its second call is warm and remembers the first.
  redeploy(); // retire both, then call twice in a row: one cold instance, then warm in it
  const again = await count();
  expect(await count()).toEqual({ invocations: 2, pid: again.pid, loadedAt: expect.any(Number) });
  expect((await logsOf(2)).map((l) => l.cold)).toEqual([true, false]);
});

test('a spare killed before use is not handed out; the next cold start forks, a new spare replaces it', async () => {
  const victim = await readySpare();
  process.kill(victim, 'SIGKILL');
  await eventually(
    async () => ((await spares()).includes(victim) ? undefined : true),
    5000,
    'the spare gone',
  );

  redeploy();
  const after = await count();
  expect(after.invocations).toBe(1);
  expect(after.pid).not.toBe(victim);
  expect((await logsOf(1))[0]).toMatchObject({ cold: true, coldStart: { spare: false } });
  const replacement = await readySpare([victim]);
  expect(replacement).not.toBe(after.pid);

  redeploy();
  const next = await count();
  expect(next).toEqual({ invocations: 1, pid: replacement, loadedAt: expect.any(Number) });
  expect((await logsOf(1))[0]).toMatchObject({ cold: true, coldStart: { spare: true } });
});
