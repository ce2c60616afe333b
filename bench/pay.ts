/**
 * Pay emulator figures (issue 4):
 * (a) full pay cycles per second through the real wx-server-sdk: a user function (the `cloudpay`
 *     fixture) calls cloud.cloudPay.unifiedOrder, the payer pays the prepay, and the cycle ends when
 *     the sandbox has delivered the payment callback to `payAck` and recorded its `{ errcode: 0 }`
 *     (polled on /sandbox/pay/notifications). p50/p99 per cycle at 1, 4 and 16 cycles in flight;
 * (b) bill generation time and size for one day of 100,000 trades (bench/pay-bill.ts).
 */
import { post } from '../test/helpers/control';
import { buildFixtureFunctions } from '../test/helpers/fixtures';
import { startSandboxProcess } from '../test/helpers/sandbox';
import { benchPayBill } from './pay-bill';
import { ms, row, summarize } from './stats';

const SUB_MCH_ID = '1900000109';
const LEVELS = [1, 4, 16];
/** Wall time each concurrency level runs for (after a short warm-up). */
const LEVEL_MS = 6000;
/** Unmeasured run at each level first, so every instance the level needs is started. */
const WARM_MS = 1000;
const POLL_MS = 2;

interface Cycle {
  total: number;
  order: number;
  pay: number;
  callback: number;
}

const elapsed = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e6;

/** One full cycle: unifiedOrder through the SDK, pay, callback delivered and acknowledged. */
export async function cycle(base: string, envId: string, n: string): Promise<Cycle> {
  const openid = `oBenchPayer${n}`;
  const outTradeNo = `BENCH${n}`;
  const t0 = process.hrtime.bigint();
  const call = await post<{
    ok: boolean;
    result: { ok: boolean; res?: { resultCode?: string; payment?: { package: string } }; errMsg?: string };
  }>(`${base}/gateway/call`, {
    name: 'cloudpay',
    openid,
    data: {
      api: 'unifiedOrder',
      params: {
        body: '压测商品',
        outTradeNo,
        totalFee: 1,
        spbillCreateIp: '127.0.0.1',
        subMchId: SUB_MCH_ID,
        envId,
        functionName: 'payAck',
        nonceStr: 'bench',
        tradeType: 'JSAPI',
      },
    },
  });
  const pkg = call.result?.res?.payment?.package;
  if (!call.ok || !pkg) throw new Error(`unifiedOrder failed: ${JSON.stringify(call)}`);
  const order = elapsed(t0);
  const paid = await post<{ errMsg: string }>(`${base}/sandbox/pay/act`, {
    package: pkg,
    openid,
    action: 'pay',
  });
  if (paid.errMsg !== 'requestPayment:ok') throw new Error(`pay failed: ${paid.errMsg}`);
  const pay = elapsed(t0) - order;
  for (;;) {
    const res = await fetch(`${base}/sandbox/pay/notifications?outTradeNo=${outTradeNo}`);
    const [note] = ((await res.json()) as { notifications: Array<{ status: string; attempts: number }> })
      .notifications;
    if (note?.status === 'delivered') break;
    if (note && (note.status === 'abandoned' || (note.status === 'pending' && note.attempts > 0))) {
      throw new Error(`callback of ${outTradeNo} was not acknowledged: ${JSON.stringify(note)}`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  const total = elapsed(t0);
  return { total, order, pay, callback: total - order - pay };
}

async function level(
  base: string,
  envId: string,
  concurrency: number,
  runMs: number,
  tag: string,
): Promise<{ cycles: Cycle[]; wallMs: number }> {
  const cycles: Cycle[] = [];
  let next = 0;
  const started = process.hrtime.bigint();
  const until = Date.now() + runMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < until) cycles.push(await cycle(base, envId, `${tag}x${next++}`));
    }),
  );
  return { cycles, wallMs: elapsed(started) };
}

export async function benchPayCycles(): Promise<void> {
  const sandbox = await startSandboxProcess({
    args: ['--functions', buildFixtureFunctions(['cloudpay', 'payAck'])],
  });
  try {
    const stamp = Date.now().toString(36);
    console.log(
      'full pay cycle = unifiedOrder (SDK in a function) + pay + callback delivered and acknowledged',
    );
    for (const c of LEVELS) {
      await level(sandbox.url, sandbox.envId, c, WARM_MS, `${stamp}w${c}`);
      const { cycles, wallMs } = await level(sandbox.url, sandbox.envId, c, LEVEL_MS, `${stamp}c${c}`);
      const perSec = (cycles.length / wallMs) * 1000;
      console.log(
        row(
          `pay cycle, ${String(c).padStart(2)} in flight: ${perSec.toFixed(1)} cycles/s`,
          summarize(cycles.map((x) => x.total)),
        ),
      );
      const stage = (k: keyof Cycle) => ms(summarize(cycles.map((x) => x[k])).p50);
      console.log(
        `    p50 by stage: unifiedOrder ${stage('order')}, pay ${stage('pay')}, callback ${stage('callback')}`,
      );
    }
  } finally {
    await sandbox.stop();
  }
}

export async function benchPay(): Promise<void> {
  await benchPayCycles();
  await benchPayBill();
}
