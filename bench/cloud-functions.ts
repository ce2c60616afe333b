/**
 * Function invocation through the mini-program gateway (`POST /gateway/call`) of a trivial user
 * function (test/fixtures/functions/whoami, which loads wx-server-sdk), warm and cold. A cold start
 * is forced by bumping the function's index.js mtime: the runtime replaces idle instances whose code
 * changed (a redeploy). Cold starts are measured quiet (the sandbox idle between them, as cold starts
 * usually come), back to back, and under load (8 calls of another function always in flight); the
 * invocation log says how each instance started (a spare worker or a fork, fork→ready, load).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { ColdStart } from '../sandbox/runtime/instance';
import { buildFixtureFunctions } from '../test/helpers/fixtures';
import { startSandboxProcess } from '../test/helpers/sandbox';
import { row, summarize, withTarget } from './stats';

/** Times `fn` n times in a row (after `warm` untimed calls); returns milliseconds per call. */
export async function sample(n: number, fn: (i: number) => Promise<unknown>, warm = 20): Promise<number[]> {
  for (let i = 0; i < warm; i++) await fn(n + i);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await fn(i);
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return out;
}

const WARM = 300;
const COLD = 30;
/** Idle time before each quiet cold start. */
const QUIET_MS = 400;
const LOAD_IN_FLIGHT = 8;
const COLD_TARGET_MS = 100;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function benchFunctions(): Promise<void> {
  const functionsDir = buildFixtureFunctions(['whoami']);
  // The same function under another name: the load that runs beside the cold starts.
  fs.cpSync(path.join(functionsDir, 'whoami'), path.join(functionsDir, 'whoamiLoad'), { recursive: true });
  const entry = path.join(functionsDir, 'whoami', 'index.js');
  const sandbox = await startSandboxProcess({ args: ['--functions', functionsDir] });
  try {
    const call = async (name = 'whoami') => {
      const res = await fetch(`${sandbox.url}/gateway/call`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name, openid: 'oBenchCaller', data: { tag: 'bench' } }),
      });
      const body = (await res.json()) as { ok?: true; error?: { message: string } };
      if (!body.ok) throw new Error(`gateway call failed: ${body.error?.message}`);
    };
    let stamp = fs.statSync(entry).mtimeMs;
    /** One cold call: its time, and how its instance started (read at once: the load would evict it). */
    const coldCall = async (pauseMs: number) => {
      stamp += 1000;
      fs.utimesSync(entry, new Date(), new Date(stamp));
      await sleep(pauseMs);
      const t = process.hrtime.bigint();
      await call();
      const ms = Number(process.hrtime.bigint() - t) / 1e6;
      const url = `${sandbox.url}/sandbox/logs?name=whoami&limit=1`;
      const { logs } = (await (await fetch(url)).json()) as {
        logs: Array<{ cold: boolean; coldStart?: ColdStart }>;
      };
      const start = logs[0]?.cold ? logs[0].coldStart : undefined;
      if (!start) throw new Error(`expected a cold start, the log says ${JSON.stringify(logs[0])}`);
      return { ms, start };
    };
    const coldSeries = async (pauseMs: number) => {
      const calls = [];
      for (let i = 0; i < COLD; i++) calls.push(await coldCall(pauseMs));
      return { samples: calls.map((c) => c.ms), starts: calls.map((c) => c.start) };
    };
    const report = (label: string, { samples, starts }: Awaited<ReturnType<typeof coldSeries>>) => {
      const s = summarize(samples);
      const spares = starts.filter((c) => c.spare).length;
      console.log(
        withTarget(
          row(`gateway call whoami, cold ${label}`, s),
          `p50 ≤ ${COLD_TARGET_MS} ms`,
          s.p50 <= COLD_TARGET_MS,
        ),
      );
      console.log(
        row(
          `    worker fork→ready (${spares}/${starts.length} spares)`,
          summarize(starts.map((c) => c.forkToReadyMs)),
        ),
      );
      console.log(row('    waited for a worker', summarize(starts.map((c) => c.waitedMs))));
      console.log(row('    load the bundle into it', summarize(starts.map((c) => c.loadMs))));
    };

    const warm = await sample(WARM, () => call(), 20);
    console.log(row('gateway call whoami, warm (sequential)', summarize(warm)));
    report('quiet', await coldSeries(QUIET_MS));
    report('back to back', await coldSeries(0));

    let loading = true;
    let loadCalls = 0;
    const load = Promise.all(
      Array.from({ length: LOAD_IN_FLIGHT }, async () => {
        while (loading) {
          await call('whoamiLoad');
          loadCalls++;
        }
      }),
    );
    try {
      await sleep(1000); // every load instance started
      const started = Date.now();
      const before = loadCalls;
      const underLoad = await coldSeries(QUIET_MS);
      const rate = ((loadCalls - before) / (Date.now() - started)) * 1000;
      report(`under load (${LOAD_IN_FLIGHT} in flight, ${rate.toFixed(0)} calls/s)`, underLoad);
    } finally {
      loading = false;
      await load;
    }
  } finally {
    await sandbox.stop();
    fs.rmSync(sandbox.dataDir, { recursive: true, force: true });
    fs.rmSync(functionsDir, { recursive: true, force: true });
  }
}
