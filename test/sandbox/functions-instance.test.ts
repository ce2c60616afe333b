/** @jest-environment node */
/**
 * One function instance's invocation lifecycle (sandbox/runtime/instance.ts) on a real worker
 * process: an invocation whose message cannot be sent leaves nothing armed behind it, so the
 * instance runs the next invocation to the end instead of being killed by the first one's timer.
 * (The runtime refuses such events before any instance; this is the instance's own guarantee.)
 *
 * The scenario runs in a Node process of its own, as module-cache.test.ts does: instance.ts is
 * sandbox code, typed for Node alone, which the test program's mini-program typings do not let
 * it import.
 */
import { execFile } from 'child_process';
import * as path from 'path';
import { buildFixtureFunctions } from '../helpers/fixtures';
import { ROOT } from '../helpers/sandbox';

interface Outcome {
  unsent: { type: string; message?: string };
  listenersBefore: number[];
  listenersAfter: number[];
  deadAfterUnsent: boolean;
  next: { type: string; id?: number; resultJson?: string; message?: string };
  deadAfterNext: boolean;
  signal: string | null;
}

/** Starts a worker, loads sleeper, sends an invocation that cannot be serialised, then a real one. */
function scenario(entry: string): Promise<Outcome> {
  const script = `
    const { startWorker, loadFunction, runInvocation, killWorker } = require(${JSON.stringify(
      path.join(ROOT, 'sandbox/runtime/instance.ts'),
    )});
    const entry = ${JSON.stringify(entry)};
    const invocation = (id, event) =>
      ({ type: 'invoke', id, entry, event, env: {}, now: Date.now(), realNow: Date.now(), frozen: false, context: {} });
    (async () => {
      const worker = await startWorker({ ...process.env });
      await loadFunction(worker.child, entry);
      const instance = { child: worker.child, busy: true, dead: false, codeStamp: 0 };
      const listeners = () => [worker.child.listenerCount('message'), worker.child.listenerCount('exit')];
      const out = { listenersBefore: listeners() };
      // A BigInt has no JSON form: the IPC channel's serialiser throws inside child.send.
      out.unsent = await runInvocation(instance, invocation(1, { ms: 1n }), 200);
      out.listenersAfter = listeners();
      out.deadAfterUnsent = instance.dead;
      // Runs past the 200 ms the unsent invocation's timer would have had.
      out.next = await runInvocation(instance, invocation(2, { ms: 500 }), 2000);
      out.deadAfterNext = instance.dead;
      out.signal = worker.child.signalCode;
      await killWorker(worker.child);
      console.log(JSON.stringify(out));
    })().catch((err) => {
      console.log(JSON.stringify({ crashed: String(err) }));
      process.exit(1);
    });
  `;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-r', 'esbuild-register', '-e', script],
      { cwd: ROOT, timeout: 20000 },
      (err, stdout) => (err ? reject(new Error(`${err.message}\n${stdout}`)) : resolve(JSON.parse(stdout))),
    );
  });
}

test('an invocation that cannot be sent leaves no timer or listener, and the instance runs the next one to the end', async () => {
  const entry = path.join(buildFixtureFunctions(['sleeper']), 'sleeper', 'index.js');
  const outcome = await scenario(entry);
  expect(outcome.unsent).toEqual({
    type: 'unsent',
    message: expect.stringMatching(/could not be sent.*BigInt/),
  });
  expect(outcome.listenersAfter).toEqual(outcome.listenersBefore);
  expect(outcome.deadAfterUnsent).toBe(false);
  expect(outcome.next).toMatchObject({ type: 'done', id: 2, resultJson: JSON.stringify({ slept: 500 }) });
  expect(outcome.deadAfterNext).toBe(false);
  expect(outcome.signal).toBeNull();
});
