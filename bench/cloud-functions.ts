/**
 * Function invocation through the mini-program gateway (`POST /gateway/call`) of a trivial user
 * function (test/fixtures/functions/whoami), warm and cold. A cold start is forced by bumping the
 * function's index.js mtime: the runtime replaces idle instances whose code changed (a redeploy).
 */
import * as fs from 'fs';
import * as path from 'path';
import { buildFixtureFunctions } from '../test/helpers/fixtures';
import { startSandboxProcess } from '../test/helpers/sandbox';
import { row, summarize } from './stats';

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
const COLD = 15;

export async function benchFunctions(): Promise<void> {
  const functionsDir = buildFixtureFunctions(['whoami']);
  const entry = path.join(functionsDir, 'whoami', 'index.js');
  const sandbox = await startSandboxProcess({ args: ['--functions', functionsDir] });
  try {
    const call = async () => {
      const res = await fetch(`${sandbox.url}/gateway/call`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'whoami', openid: 'oBenchCaller', data: { tag: 'bench' } }),
      });
      const body = (await res.json()) as { ok?: true; error?: { message: string } };
      if (!body.ok) throw new Error(`gateway call failed: ${body.error?.message}`);
    };
    const warm = await sample(WARM, call, 20);
    let stamp = fs.statSync(entry).mtimeMs;
    const cold = await sample(
      COLD,
      async () => {
        stamp += 1000;
        fs.utimesSync(entry, new Date(), new Date(stamp));
        await call();
      },
      0,
    );
    const logs = (await (await fetch(`${sandbox.url}/sandbox/logs?name=whoami&limit=${COLD}`)).json()) as {
      logs: Array<{ cold: boolean }>;
    };
    const colds = logs.logs.filter((l) => l.cold).length;
    if (colds !== COLD) throw new Error(`expected the last ${COLD} calls to be cold starts, got ${colds}`);
    console.log(row('gateway call whoami, warm (sequential)', summarize(warm)));
    console.log(row('gateway call whoami, cold (new instance)', summarize(cold)));
  } finally {
    await sandbox.stop();
    fs.rmSync(sandbox.dataDir, { recursive: true, force: true });
    fs.rmSync(functionsDir, { recursive: true, force: true });
  }
}
