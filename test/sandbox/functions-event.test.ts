/** @jest-environment node */
/**
 * An event the cloud cannot pass to a function (nested thousands of levels deep: 10 KB of
 * brackets, which no serialiser can recurse through) is the caller's bad parameter, refused before
 * any instance is involved, and it harms no one else: the next caller of the same function gets a
 * healthy instance that is not killed under it.
 */
import { get, send, type SandboxErrorAnswer } from '../helpers/control';
import { buildFixtureFunctions } from '../helpers/fixtures';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox';

let sandbox: SandboxProcess;
let base: string;

interface CallAnswer {
  ok?: true;
  result?: Record<string, unknown>;
  error?: SandboxErrorAnswer['error'];
}
interface LogRecord {
  cold: boolean;
  error?: string;
  result?: unknown;
}

/** `levels` arrays, each inside the one before: written out, as JSON.stringify would overflow. */
const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

/** A gateway call with the event's JSON written by hand. */
const callRaw = (name: string, openid: string, dataJson: string) =>
  send<CallAnswer>(
    'POST',
    `${base}/gateway/call`,
    `{"name":${JSON.stringify(name)},"openid":${JSON.stringify(openid)},"data":${dataJson}}`,
  );

beforeAll(async () => {
  sandbox = await startSandboxProcess({
    args: ['--functions', buildFixtureFunctions(['sleeper', 'whoami', 'bigAnswer'])],
  });
  base = sandbox.url;
});

afterAll(async () => {
  await sandbox?.stop();
});

test('a deeply nested event is a 400 from the gateway and the control route, and the next caller of the function is not harmed', async () => {
  const refused = await callRaw('sleeper', 'o-attacker', `{"a":${nested(5200)}}`);
  expect(refused.status).toBe(400);
  expect(refused.body.error).toMatchObject({ code: 'INVALID_PARAM', errCode: -501007 });
  expect(refused.body.error?.message).toMatch(/nests objects or arrays more than 100 levels deep/);
  expect(refused.body.error?.errMsg).toMatch(/^cloud\.callFunction:fail -501007 /);

  const control = await send<CallAnswer>(
    'POST',
    `${base}/sandbox/functions/sleeper/invoke`,
    `{"data":${nested(5200)}}`,
  );
  expect(control.status).toBe(400);
  expect(control.body.error).toMatchObject({ code: 'INVALID_PARAM' });
  expect(control.body.error?.message).toMatch(/more than 100 levels deep/);

  // sleeper's timeout is 1 s of real time (an instance's timeout runs on the wall clock, not the
  // sandbox clock): four calls of 0.4 s on one instance outlast any timer the refused calls armed,
  // each well within its own second on a loaded machine (two of 0.7 s left 0.3 s for the IPC and
  // the timers of two starved processes).
  for (const ms of [400, 400, 400, 400]) {
    const answer = await callRaw('sleeper', 'o-victim', JSON.stringify({ ms }));
    expect(answer).toEqual({
      status: 200,
      body: expect.objectContaining({ ok: true, result: { slept: ms } }),
    });
  }
  const { logs } = await get<{ logs: LogRecord[] }>(`${base}/sandbox/logs?name=sleeper`);
  // The refused events never reached an instance, and the one that ran the calls was never killed
  // (every call after the first was warm on it).
  expect(logs).toEqual([
    expect.objectContaining({ cold: true, result: { slept: 400 } }),
    ...Array(3).fill(expect.objectContaining({ cold: false, result: { slept: 400 } })),
  ]);
  expect(logs.filter((l) => l.error)).toEqual([]);
});

test('an event nested 100 levels deep still reaches the function; one level more does not', async () => {
  // The event object itself is the first level: `a` holds the other 99.
  const within = await callRaw('whoami', 'o-deep', `{"tag":"deep","a":${nested(99)}}`);
  expect(within.status).toBe(200);
  expect(within.body.result).toMatchObject({ tag: 'deep' });
  const over = await callRaw('whoami', 'o-deep', `{"tag":"deeper","a":${nested(100)}}`);
  expect(over.status).toBe(400);
  expect(over.body.error?.code).toBe('INVALID_PARAM');
});

test("SCF's 6 MB: a larger event is refused before any instance, a larger answer fails the call", async () => {
  const MB = 1024 * 1024;
  const big = await callRaw('whoami', 'o-big', JSON.stringify({ tag: 'x'.repeat(6 * MB) }));
  expect(big.status).toBe(400);
  expect(big.body.error?.message).toMatch(
    /^the event for whoami is \d+ bytes; the cloud passes at most 6291456 \(6 MB\)/,
  );

  const answer = await callRaw('bigAnswer', 'o-big', JSON.stringify({ bytes: 6 * MB }));
  expect(answer.status).toBe(502);
  expect(answer.body.error).toMatchObject({ code: 'FUNCTIONS_EXECUTE_FAIL' });
  expect(answer.body.error?.message).toMatch(
    /the answer is \d+ bytes; the cloud returns at most 6291456 \(6 MB\)/,
  );
  // Just under the limit is an answer like any other.
  const within = await callRaw('bigAnswer', 'o-big', JSON.stringify({ bytes: 6 * MB - 100 }));
  expect(within.status).toBe(200);
});

describe("SCF's 4 KB of environment variables", () => {
  let big: SandboxProcess;

  afterAll(async () => {
    await big?.stop();
  });

  test('functions whose environment the cloud would not take do not run: the call says why', async () => {
    big = await startSandboxProcess({
      args: ['--functions', buildFixtureFunctions(['envEcho']), '--fn-env', `PAYKIT_BIG=${'k'.repeat(4100)}`],
    });
    const refused = await send<CallAnswer>('POST', `${big.url}/gateway/call`, {
      name: 'envEcho',
      openid: 'o-env',
      data: {},
    });
    expect(refused.status).toBe(502);
    expect(refused.body.error?.message).toMatch(
      /the function environment variables total \d+ bytes; the cloud \(SCF\) takes at most 4096: keep the merchant private key in secrets\//,
    );
  });
});
