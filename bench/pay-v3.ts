/**
 * APIv3 pay cycles (issue 13), beside the cloudPay figure in the same sandbox: a signed
 * `POST /v3/pay/transactions/jsapi` (node:crypto, as a merchant server signs), the payer paying with
 * the v3 paySign through `/gateway/pay`, and the TRANSACTION.SUCCESS notification delivered through
 * the HTTP access route to an event-type function (`v3Ack`) and acknowledged (waited for on
 * /sandbox/pay/notifications?waitMs=). p50/p99 per cycle at 1, 4 and 16 cycles in flight.
 */
import { buildFixtureFunctions } from '../test/helpers/fixtures';
import { startSandboxProcess } from '../test/helpers/sandbox';
import { V3Client, readMerchant } from '../test/helpers/v3client';
import { JsonClient } from './json-client';
import { cycle as cloudPayCycle, waitAcknowledged } from './pay';
import { ms, row, summarize } from './stats';

const LEVELS = [1, 4, 16];
const LEVEL_MS = 6000;
const WARM_MS = 1000;
const NOTIFY_PATH = '/paykit/v3/notify';

interface Cycle {
  total: number;
  order: number;
  pay: number;
  callback: number;
}

const elapsed = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e6;

async function v3Cycle(client: V3Client, json: JsonClient, notifyUrl: string, n: string): Promise<Cycle> {
  const openid = `oBenchV3Payer${n}`;
  const outTradeNo = `BENCHV3${n}`;
  const t0 = process.hrtime.bigint();
  const order = await client.order(outTradeNo, {
    notify_url: notifyUrl,
    amount: { total: 1 },
    payer: { openid },
  });
  if (order.status !== 200 || !order.verified) throw new Error(`order failed: ${order.status} ${order.text}`);
  const ordered = elapsed(t0);
  const res = await fetch(`${client.baseUrl}/gateway/pay`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...client.payment(order.json.prepay_id as string), openid, action: 'pay' }),
  });
  const paid = (await res.json()) as { errMsg: string };
  if (paid.errMsg !== 'requestPayment:ok') throw new Error(`pay failed: ${paid.errMsg}`);
  const pay = elapsed(t0) - ordered;
  await waitAcknowledged(json, outTradeNo);
  const total = elapsed(t0);
  return { total, order: ordered, pay, callback: total - ordered - pay };
}

async function level(run: (n: string) => Promise<Cycle>, concurrency: number, runMs: number, tag: string) {
  const cycles: Cycle[] = [];
  let next = 0;
  const started = process.hrtime.bigint();
  const until = Date.now() + runMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < until) cycles.push(await run(`${tag}x${next++}`));
    }),
  );
  return { cycles, wallMs: elapsed(started) };
}

function report(label: string, c: number, cycles: Cycle[], wallMs: number): void {
  const perSec = (cycles.length / wallMs) * 1000;
  console.log(
    row(
      `${label}, ${String(c).padStart(2)} in flight: ${perSec.toFixed(1)} cycles/s`,
      summarize(cycles.map((x) => x.total)),
    ),
  );
  const stage = (k: keyof Cycle) => ms(summarize(cycles.map((x) => x[k])).p50);
  console.log(
    `    p50 by stage: order ${stage('order')}, pay ${stage('pay')}, notification ${stage('callback')}`,
  );
}

export async function benchPayV3(): Promise<void> {
  const sandbox = await startSandboxProcess({
    args: [
      '--functions',
      buildFixtureFunctions(['cloudpay', 'payAck', 'v3Ack']),
      '--route',
      `${NOTIFY_PATH}=v3Ack`,
    ],
  });
  const json = new JsonClient(sandbox.url);
  try {
    const merchant = readMerchant(sandbox.dataDir);
    const client = new V3Client(sandbox.url, merchant, merchant.publicKeyId);
    const routes = (await (await fetch(`${sandbox.url}/sandbox/access/routes`)).json()) as { domain: string };
    const notifyUrl = `https://${routes.domain}${NOTIFY_PATH}`;
    const stamp = Date.now().toString(36);
    console.log(
      'v3 cycle = signed JSAPI order + pay (RSA paySign) + notification through the HTTP access route, acknowledged',
    );
    console.log(
      'cloudPay cycle = unifiedOrder (SDK in a function) + pay + callback acknowledged (same sandbox)',
    );
    for (const c of LEVELS) {
      const v3 = (n: string) => v3Cycle(client, json, notifyUrl, n);
      await level(v3, c, WARM_MS, `${stamp}w${c}`);
      const a = await level(v3, c, LEVEL_MS, `${stamp}v${c}`);
      report('APIv3 pay cycle', c, a.cycles, a.wallMs);
      const cloudPay = (n: string) => cloudPayCycle(json, sandbox.envId, n);
      await level(cloudPay, c, WARM_MS, `${stamp}W${c}`);
      const b = await level(cloudPay, c, LEVEL_MS, `${stamp}c${c}`);
      report('cloudPay pay cycle', c, b.cycles, b.wallMs);
    }
  } finally {
    json.close();
    await sandbox.stop();
  }
}
