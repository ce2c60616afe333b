/** @jest-environment node */
/**
 * The sandbox's function runtime, with a user's own functions (test/fixtures/functions) running
 * through the real wx-server-sdk: caller context, errors, timeouts, nested calls, logs, timers.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildFixtureFunctions } from '../helpers/fixtures';
import { eventually, get, post, query, send, type SandboxErrorAnswer } from '../helpers/control';
import { startSandboxProcess, type SandboxProcess, runCli } from '../helpers/sandbox';

let sandbox: SandboxProcess;
let base: string;

interface CallAnswer {
  ok?: true;
  result?: Record<string, unknown>;
  status: number;
  error?: SandboxErrorAnswer['error'];
}

/** A gateway call: 200 with the result, or an error status with `{ error: { …, errCode, errMsg } }`. */
const call = async (
  name: string,
  openid: string,
  data: Record<string, unknown> = {},
): Promise<CallAnswer> => {
  const { status, body } = await send<CallAnswer>('POST', `${base}/gateway/call`, { name, openid, data });
  return { ...body, status };
};

beforeAll(async () => {
  sandbox = await startSandboxProcess({ args: ['--functions', buildFixtureFunctions()] });
  base = sandbox.url;
});

afterAll(async () => {
  await sandbox?.stop();
});

test('each invocation sees its own caller, even when calls of one function overlap', async () => {
  const users = Array.from({ length: 8 }, (_, i) => `o-user-${i}`);
  const answers = await Promise.all(
    users.map((u, i) => call('whoami', u, { delayMs: 200 - i * 20, tag: u })),
  );
  for (const [i, answer] of answers.entries()) {
    expect(answer.ok).toBe(true);
    const result = answer.result as {
      before: { OPENID: string };
      after: { OPENID: string; APPID: string; ENV: string };
      tag: string;
      userInfo: { openId: string };
    };
    expect(result.tag).toBe(users[i]);
    expect(result.before.OPENID).toBe(users[i]);
    expect(result.after.OPENID).toBe(users[i]);
    expect(result.after.ENV).toBe(sandbox.envId);
    expect(result.after.APPID).toEqual(expect.any(String));
    expect(result.userInfo.openId).toBe(users[i]);
  }
});

test('the context tells each invocation its time limit in ms, as SCF does: its config.json timeout', async () => {
  const { result } = await call('whoami', 'o-x');
  expect(result?.timeLimitMs).toBe(5000);
});

test('a function that throws gives the caller the cloud execution error', async () => {
  const answer = await call('thrower', 'o-x');
  expect(answer.status).toBe(502);
  expect(answer.error).toMatchObject({ code: 'FUNCTIONS_EXECUTE_FAIL', errCode: -504002 });
  expect(answer.error?.errMsg).toMatch(/boom from thrower/);
});

test('a function over its config.json timeout is stopped with the cloud timeout error', async () => {
  const answer = await call('sleeper', 'o-x', { ms: 3000 });
  expect(answer.status).toBe(502);
  expect(answer.error?.errCode).toBe(-504002);
  expect(answer.error?.errMsg).toMatch(/timed out after 1 seconds/);
  // The instance was replaced: the next call works.
  expect((await call('sleeper', 'o-x', { ms: 10 })).result).toEqual({ slept: 10 });
});

test('a result that is not JSON is an execution error', async () => {
  const answer = await call('nonjson', 'o-x');
  expect(answer.status).toBe(502);
  expect(answer.error?.errMsg).toMatch(/not JSON/);
});

test('an unknown function is a request error naming it', async () => {
  const answer = await call('nope', 'o-x');
  expect(answer.status).toBe(404);
  expect(answer.error?.errCode).toBe(-504001);
  expect(answer.error?.errMsg).toMatch(/nope/);
});

test('a dependency in package.json that is not installed is named before the function starts', async () => {
  const answer = await call('needsdep', 'o-x');
  expect(answer.status).toBe(502);
  expect(answer.error?.errMsg).toMatch(
    /depends on paykit-package-that-is-not-installed, which is not installed/,
  );
});

test('cloud.callFunction inside a function keeps the original caller', async () => {
  const answer = await call('relay', 'o-relay', { target: 'whoami', data: { tag: 'inner' } });
  expect(answer.ok).toBe(true);
  const inner = (answer.result as { relayed: { after: { OPENID: string; SOURCE: string }; tag: string } })
    .relayed;
  expect(inner.tag).toBe('inner');
  expect(inner.after.OPENID).toBe('o-relay');
  expect(inner.after.SOURCE).toBe('scf');
  const failed = await call('relay', 'o-relay', { target: 'thrower' });
  expect(failed.status).toBe(502);
  expect(failed.error?.errMsg).toMatch(/boom from thrower/);
});

test('every invocation is logged with its console output, duration and outcome', async () => {
  await call('whoami', 'o-logged', { tag: 'log-me' });
  const { logs } = await get<{
    logs: Array<{
      name: string;
      durationMs: number;
      logs: Array<{ message: string }>;
      result?: unknown;
      error?: string;
    }>;
  }>(`${base}/sandbox/logs?name=whoami&openid=o-logged`);
  expect(logs).toHaveLength(1);
  expect(logs[0].logs.map((l) => l.message)).toContain('whoami log-me o-logged');
  expect(logs[0].durationMs).toBeGreaterThanOrEqual(0);
  expect(logs[0].result).toEqual(expect.objectContaining({ tag: 'log-me' }));
  const failures = await get<{ logs: Array<{ error?: string; logs: Array<{ level: string }> }> }>(
    `${base}/sandbox/logs?name=thrower`,
  );
  expect(failures.logs[0].error).toMatch(/boom/);
  expect(failures.logs[0].logs[0].level).toBe('error');
});

test('timer triggers fire on the sandbox clock, and functions see that clock', async () => {
  await post(`${base}/sandbox/clock`, { action: 'freeze' });
  const { triggers } = await get<{ triggers: Array<{ fn: string; next: number }> }>(
    `${base}/sandbox/triggers`,
  );
  expect(triggers).toEqual([
    expect.objectContaining({ fn: 'ticker', trigger: 'everyMinute', cron: '0 * * * * * *' }),
  ]);
  // A tick that real time fired just before the freeze may still be running: let it land.
  await post(`${base}/sandbox/triggers/settle`, {});
  const before = (await query(base, 'ticks')).length;

  for (let minute = 0; minute < 3; minute++)
    await post(`${base}/sandbox/clock`, { action: 'advance', ms: 60_000 });
  await post(`${base}/sandbox/triggers/settle`, {});
  const ticks = await query<{ trigger: string; type: string; source: string; time: string }>(base, 'ticks');
  expect(ticks).toHaveLength(before + 3);
  expect(ticks[ticks.length - 1]).toEqual(
    expect.objectContaining({ trigger: 'everyMinute', type: 'Timer', source: 'timer' }),
  );
  expect(new Date(ticks[ticks.length - 1].time).getUTCSeconds()).toBe(0);

  // A jump of a day fires the minutely trigger once, not 1,440 times.
  await post(`${base}/sandbox/clock`, { action: 'advance', ms: 24 * 3600_000 });
  await post(`${base}/sandbox/triggers/settle`, {});
  expect(await query(base, 'ticks')).toHaveLength(before + 4);

  // Frozen: the function reads the very instant the clock stands at.
  const clock = await get<{ now: number }>(`${base}/sandbox/clock`);
  const seen = (await call('whoami', 'o-clock')).result as { now: number };
  expect(seen.now).toBe(clock.now);
});

test('a frozen clock reads one instant inside a function, however long it runs', async () => {
  const frozen = Date.UTC(2025, 0, 2, 3, 4, 5, 6);
  const { now } = await post<{ now: number }>(`${base}/sandbox/clock`, { action: 'freeze', at: frozen });
  expect(now).toBe(frozen);
  const answers = await Promise.all([0, 150, 300].map((delayMs) => call('whoami', 'o-frozen', { delayMs })));
  expect(answers.map((a) => (a.result as { now: number }).now)).toEqual([frozen, frozen, frozen]);
  // The log says when, in sandbox time (its console lines too), with the real time beside it.
  const { logs } = await get<{
    logs: Array<{ startedAt: number; wallStartedAt: number; logs: Array<{ at: number }> }>;
  }>(`${base}/sandbox/logs?name=whoami&openid=o-frozen`);
  expect(logs.map((r) => [r.startedAt, ...r.logs.map((l) => l.at)])).toEqual(Array(3).fill([frozen, frozen]));
  for (const r of logs) expect(Math.abs(r.wallStartedAt - Date.now())).toBeLessThan(60_000);
});

test('an invocation running when the clock moves reads the new time at once', async () => {
  // One reading everywhere: a function that started before a jump and wrote a lease or a record
  // after it would otherwise date it in the past, an hour before what the others write.
  const frozen = Date.UTC(2025, 0, 3, 4, 5, 6, 7);
  await post(`${base}/sandbox/clock`, { action: 'freeze', at: frozen });
  // It watches until the clock moves (up to 15 s, within its 20 s timeout): the move lands however
  // slowly a loaded machine runs this test (2.5 s within the default 3 s timeout could run out).
  const answer = call('clockWatch', 'o-clock-watch', { watchMs: 15_000 });
  await eventually(async () => ((await query(base, 'clockWatch')).length ? true : undefined));
  await post(`${base}/sandbox/clock`, { action: 'advance', ms: 3600_000 });
  expect((await answer).result).toEqual({ startedAt: frozen, sawAt: frozen + 3600_000 });
});

test('a busy invocation follows a move of a running clock exactly, however late it reads the news', async () => {
  // On a starved CPU an instance reads the clock message late; it must not date its records that
  // much before the sandbox's (it took the sandbox's reading as of its own arrival).
  await post(`${base}/sandbox/clock`, { action: 'resume' });
  const flag = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-clock-lag-')), 'moved');
  const answer = call('clockLag', 'o-clock-lag', { flag, holdMs: 500 });
  await eventually(async () => ((await query(base, 'clockLag')).length ? true : undefined));
  await post(`${base}/sandbox/clock`, { action: 'set', at: Date.UTC(2025, 0, 4, 5, 6, 7, 8) });
  const { offsetMs } = await get<{ offsetMs: number }>(`${base}/sandbox/clock`);
  fs.writeFileSync(flag, '');
  const seen = (await answer).result as { sandboxNow: number; machineNow: number };
  // Exact up to the millisecond the two readings are apart; a late reader was off by its 500 ms hold.
  expect(Math.abs(seen.sandboxNow - seen.machineNow - offsetMs)).toBeLessThan(50);
  await post(`${base}/sandbox/clock`, { action: 'freeze' });
});

test('the CLI calls a function as a local user, and says when the call itself failed', async () => {
  const cli = (...args: string[]) => runCli(args, { url: base });
  const asAdmin = await cli('call', 'whoami', 'tag=cli', '--as', 'admin', '--json');
  expect(asAdmin.code).toBe(0);
  expect(JSON.parse(asAdmin.stdout)).toMatchObject({ tag: 'cli', after: { OPENID: 'oPaykitLocalUser' } });
  const asBuyer = await cli('call', 'whoami', '{"tag":"cli"}');
  expect(asBuyer.stdout).toMatch(/^whoami as buyer oPaykitLocalBuyer\n/);
  expect(asBuyer.stdout).toContain('"OPENID": "oPaykitLocalBuyer"');
  const thrown = await cli('call', 'thrower');
  expect(thrown.code).toBe(1);
  expect(thrown.stderr).toContain('calling thrower failed: ');
  expect(thrown.stderr).toContain('boom from thrower');
  expect(thrown.stderr).toContain('npm run sandbox -- logs --name thrower');
});
