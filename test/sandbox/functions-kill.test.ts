/** @jest-environment node */
/**
 * Crashes on demand in the function runtime (what `npm run bench -- chaos` soaks with): a kill in
 * the middle of an invocation gives the caller the cloud's execution error, and the next call gets a
 * fresh, cold instance. Kills land where the chaos settings say: before or after a cloud API call.
 */
import { buildFixtureFunctions } from '../helpers/fixtures';
import { callFunction, eventually, get, post, query } from '../helpers/control';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox';

let sandbox: SandboxProcess;
let base: string;

interface CallAnswer {
  ok: boolean;
  result?: Record<string, unknown>;
  errCode?: number;
  errMsg?: string;
}
interface LogRecord {
  requestId: string;
  cold: boolean;
  error?: string;
  chaosKill?: { call: number; phase: 'before' | 'after' };
}
interface ChaosAnswer {
  settings: { killRate: number };
  stats: {
    doomed: number;
    killedMidInvocation: number;
    spared: number;
    killedIdle: number;
    killedBusy: number;
  };
}

const call = (name: string, data: Record<string, unknown> = {}): Promise<CallAnswer> =>
  callFunction<Record<string, unknown>>(base, 'o-kill', name, data);
const lastLog = async (name: string) =>
  (await get<{ logs: LogRecord[] }>(`${base}/sandbox/logs?name=${name}&limit=1`)).logs[0];
const chaos = (settings: Record<string, unknown>) =>
  post<ChaosAnswer>(`${base}/sandbox/functions/chaos`, settings);

beforeAll(async () => {
  sandbox = await startSandboxProcess({ args: ['--functions', buildFixtureFunctions(['whoami', 'ticker'])] });
  base = sandbox.url;
  // ticker also runs on a timer: a frozen clock keeps its own firings out of the counts.
  await post(`${base}/sandbox/clock`, { action: 'freeze' });
});

afterAll(async () => {
  await sandbox?.stop();
});

test('killing a busy instance fails the call with the cloud error; the next call is cold and works', async () => {
  expect((await call('whoami')).ok).toBe(true);
  const pending = call('whoami', { delayMs: 2000 });
  const killed = await eventually(async () => {
    const { killed } = await post<{ killed: Array<{ name: string; busy: boolean }> }>(
      `${base}/sandbox/functions/kill`,
      { name: 'whoami', mode: 'busy' },
    );
    return killed.length ? killed : undefined;
  });
  expect(killed).toEqual([{ name: 'whoami', busy: true }]);
  const answer = await pending;
  expect(answer).toEqual(expect.objectContaining({ ok: false, errCode: -504002 }));
  expect(answer.errMsg).toMatch(/functions execute fail.*instance exited \(SIGKILL\)/);

  const again = await call('whoami', { tag: 'after' });
  expect(again.ok).toBe(true);
  expect(again.result?.tag).toBe('after');
  expect((await lastLog('whoami')).cold).toBe(true);
});

test('killing an idle instance makes the next call start cold; nothing to kill answers an empty list', async () => {
  expect((await call('whoami')).ok).toBe(true);
  const { killed } = await post<{ killed: unknown[] }>(`${base}/sandbox/functions/kill`, {
    name: 'whoami',
    mode: 'idle',
  });
  expect(killed).toEqual([{ name: 'whoami', busy: false }]);
  expect((await call('whoami')).ok).toBe(true);
  expect((await lastLog('whoami')).cold).toBe(true);
  expect(await post(`${base}/sandbox/functions/kill`, { name: 'no-such-function', mode: 'any' })).toEqual({
    killed: [],
  });
});

test('chaos kills an invocation at its API call: before it the write is lost, after it the write stays', async () => {
  // ticker makes one API call (a database add), so every doomed invocation dies at it; the seeded
  // draws decide before or after.
  await chaos({ killRate: 1, names: ['ticker'], withinCalls: 1, seed: 42 });
  const seen = new Set<string>();
  for (let i = 0; i < 12 && seen.size < 2; i++) {
    const before = (await query(base, 'ticks')).length;
    const answer = await call('ticker', { TriggerName: `t${i}`, Type: 'Timer', Time: '' });
    expect(answer).toEqual(expect.objectContaining({ ok: false, errCode: -504002 }));
    const log = await lastLog('ticker');
    expect(log.chaosKill).toEqual({ call: 1, phase: expect.stringMatching(/^(before|after)$/) });
    const written = (await query(base, 'ticks')).length - before;
    expect(written).toBe(log.chaosKill!.phase === 'after' ? 1 : 0);
    seen.add(log.chaosKill!.phase);
  }
  expect([...seen].sort()).toEqual(['after', 'before']);

  const off = await chaos({ killRate: 0 });
  expect(off.stats.killedMidInvocation).toBeGreaterThanOrEqual(2);
  expect(off.stats.killedMidInvocation).toBe(off.stats.doomed - off.stats.spared);
  expect((await call('ticker', { TriggerName: 'calm', Type: 'Timer', Time: '' })).ok).toBe(true);
  expect((await lastLog('ticker')).cold).toBe(true);
});

test('chaos spares other functions and invocations that end before their fatal call', async () => {
  await chaos({ killRate: 1, names: ['ticker'], withinCalls: 1000, seed: 7 });
  expect((await call('whoami')).ok).toBe(true);
  const before = (await get<ChaosAnswer>(`${base}/sandbox/functions/chaos`)).stats;
  await call('ticker', { TriggerName: 'maybe', Type: 'Timer', Time: '' });
  const after = (await chaos({ killRate: 0 })).stats;
  expect(after.doomed).toBe(before.doomed + 1);
  // Drawn among 1000 calls (seeded), the fatal one lies past ticker's single call.
  expect(after.spared).toBe(before.spared + 1);
  expect(after.killedMidInvocation).toBe(before.killedMidInvocation);
});

test('hostile settings are refused', async () => {
  for (const body of [
    { killRate: 2 },
    { killRate: '1' },
    { withinCalls: 0 },
    { names: 'ticker' },
    { seed: 1.5 },
  ]) {
    await expect(chaos(body)).rejects.toThrow(/→ 400/);
  }
  await expect(post(`${base}/sandbox/functions/kill`, { mode: 'all' })).rejects.toThrow(/→ 400/);
  await expect(post(`${base}/sandbox/functions/kill`, { name: 7 })).rejects.toThrow(/→ 400/);
  expect((await get<ChaosAnswer>(`${base}/sandbox/functions/chaos`)).settings.killRate).toBe(0);
});
