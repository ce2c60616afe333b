/** @jest-environment node */
/**
 * How many instances a function gets: two per core, as `npm start` gives it. Calls beyond that wait
 * for an instance that is free (warm), each still one at a time in its instance with its own answer.
 */
import * as os from 'os';
import { buildFixtureFunctions } from '../helpers/fixtures';
import { callAs, get } from '../helpers/control';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox';

let sandbox: SandboxProcess;

beforeAll(async () => {
  sandbox = await startSandboxProcess({ args: ['--functions', buildFixtureFunctions(['sleeper'])] });
});

afterAll(async () => {
  await sandbox?.stop();
});

test('overlapping calls start at most two instances per core; the others wait and run warm', async () => {
  const pool = Math.max(2, 2 * os.availableParallelism());
  const calls = pool + 3;
  const answers = await Promise.all(
    Array.from({ length: calls }, (_, i) =>
      callAs<{ slept: number }>(sandbox.url, `o-pool-${i}`, 'sleeper', { ms: 300 + i }),
    ),
  );
  expect(answers).toEqual(Array.from({ length: calls }, (_, i) => ({ slept: 300 + i })));
  const { logs } = await get<{ logs: Array<{ cold: boolean; caller: { openid: string } }> }>(
    `${sandbox.url}/sandbox/logs?name=sleeper&limit=100`,
  );
  expect(logs).toHaveLength(calls);
  expect(logs.filter((l) => l.cold)).toHaveLength(pool);
  expect(logs.filter((l) => !l.cold)).toHaveLength(calls - pool);
});
