/**
 * The two pay providers side by side: cloud API calls (database, cloudPay) and APIv3 HTTP requests
 * each kit operation makes, counted by the sandbox, and the time a payment notification takes to
 * handle (cloudPay: payCallback; APIv3: payNotify, which verifies, decrypts, queries and records).
 */
import { get, post } from '../test/helpers/control';
import { KitClient } from '../test/helpers/kit';
import { startSandboxProcess, type SandboxProcess } from '../test/helpers/sandbox';
import { row, summarize, withTarget } from './stats';

const NOTIFICATIONS = 60;
const BUYER = 'o-bench-provider';
const ADMIN = 'oPaykitLocalUser';

interface Log {
  name: string;
  durationMs: number;
  calls: { database: number; pay: number };
}

type Provider = 'cloudpay' | 'apiv3';

async function v3Requests(base: string): Promise<number> {
  return (await get<{ requests: { total: number } }>(`${base}/sandbox/v3/requests`)).requests.total;
}

async function lastLog(base: string, name: string): Promise<Log> {
  return (await get<{ logs: Log[] }>(`${base}/sandbox/logs?name=${name}&limit=1`)).logs[0];
}

/** Runs `op`, then reports what the named function's last invocation cost, and v3 requests meanwhile. */
async function measure(sandbox: SandboxProcess, fn: string, op: () => Promise<unknown>) {
  const before = await v3Requests(sandbox.url);
  await op();
  const log = await lastLog(sandbox.url, fn);
  return { database: log.calls.database, pay: log.calls.pay, http: (await v3Requests(sandbox.url)) - before };
}

interface Cost {
  database: number;
  /** cloudPay calls (cloudpay) or APIv3 HTTP requests (apiv3): the calls that reach WeChat. */
  wechat: number;
}

/**
 * The calls to WeChat each operation needs, as the README describes it (a prepay reused, a paid order
 * read without asking, a notification confirmed by one query, a close that queries first).
 */
const WECHAT_CALLS: number[] = [1, 0, 1, 1, 0, 1, 1, 2, 0];

/** Notification handling, warm: issue 17's p99 for a whole pay cycle. */
const NOTIFY_P99_MS = 100;

async function operations(provider: Provider): Promise<{ table: Map<string, Cost>; notify: number[] }> {
  const sandbox = await startSandboxProcess({ args: ['--provider', provider] });
  const table = new Map<string, Cost>();
  const kit = new KitClient(sandbox.url);
  const notifyFn = provider === 'apiv3' ? 'payNotify' : 'payCallback';
  const refundFn = provider === 'apiv3' ? 'refundNotify' : 'refundCallback';
  const record = (label: string, c: { database: number; pay: number; http: number }) =>
    table.set(label, { database: c.database, wechat: provider === 'apiv3' ? c.http : c.pay });
  try {
    await kit.clock('freeze');
    const buy = () => kit.ok(BUYER, 'unifiedOrder', { items: [{ sku: 'coffee-latte', quantity: 1 }] });
    let placed = await buy();
    record(
      'unifiedOrder, new order',
      await measure(sandbox, 'unifiedOrder', async () => (placed = await buy())),
    );
    record(
      'unifiedOrder, pay again (prepay reused)',
      await measure(sandbox, 'unifiedOrder', () =>
        kit.ok(BUYER, 'unifiedOrder', { orderNo: placed.orderNo }),
      ),
    );
    record(
      'queryOrder, unpaid (synced with WeChat)',
      await measure(sandbox, 'queryOrder', () => kit.ok(BUYER, 'queryOrder', { orderNo: placed.orderNo })),
    );
    record(
      `${notifyFn}, first delivery (incl. onPaid)`,
      await measure(sandbox, notifyFn, async () => {
        await kit.pay(BUYER, placed.payment);
        await kit.settle();
        await kit.orderReaches(placed.orderNo, 'SUCCESS');
      }),
    );
    record(
      'queryOrder, paid',
      await measure(sandbox, 'queryOrder', () => kit.ok(BUYER, 'queryOrder', { orderNo: placed.orderNo })),
    );
    record(
      'refund (admin)',
      await measure(sandbox, 'refund', () =>
        kit.ok(ADMIN, 'refund', { orderNo: placed.orderNo, refundFee: 100 }),
      ),
    );
    record(
      `${refundFn} (incl. onRefunded)`,
      await measure(sandbox, refundFn, async () => {
        await kit.settle();
      }),
    );
    const toClose = await buy();
    await kit.clock('advance', { ms: 6 * 60_000 });
    // The sweep the clock move fired must not count against the close.
    await post(`${sandbox.url}/sandbox/triggers/settle`, {});
    record(
      'closeOrder (query, close, record)',
      await measure(sandbox, 'closeOrder', () => kit.ok(BUYER, 'closeOrder', { orderNo: toClose.orderNo })),
    );
    record(
      'listOrders, one page',
      await measure(sandbox, 'listOrders', () => kit.ok(BUYER, 'listOrders', {})),
    );

    // Notification handling time, one payment at a time (warm instances).
    const notify: number[] = [];
    for (let i = 0; i < NOTIFICATIONS; i++) {
      const order = await buy();
      await kit.pay(BUYER, order.payment);
      await kit.settle();
      await kit.orderReaches(order.orderNo, 'SUCCESS');
      notify.push((await lastLog(sandbox.url, notifyFn)).durationMs);
    }
    await post(`${sandbox.url}/sandbox/clock`, { action: 'resume' });
    return { table, notify: notify.slice(5) };
  } finally {
    await sandbox.stop();
  }
}

export async function benchProviders(): Promise<void> {
  const cloudpay = await operations('cloudpay');
  const apiv3 = await operations('apiv3');
  console.log('per operation: database calls, then cloudPay calls (cloudpay) or APIv3 HTTP requests (apiv3)');
  console.log(`${''.padEnd(44)} ${'cloudpay'.padEnd(18)} apiv3`);
  const labels = [...cloudpay.table.keys()];
  const apiv3Labels = [...apiv3.table.keys()];
  labels.forEach((label, i) => {
    const same = apiv3Labels[i];
    const c = cloudpay.table.get(label) as Cost;
    const v = apiv3.table.get(same) as Cost;
    const expected = WECHAT_CALLS[i];
    console.log(
      withTarget(
        `${label.padEnd(44)} ${`db ${c.database}, pay ${c.wechat}`.padEnd(18)} ` +
          `db ${v.database}, http ${v.wechat}${same !== label ? ` (${same})` : ''}`,
        `${expected} call(s) to WeChat`,
        c.wechat === expected && v.wechat === expected,
      ),
    );
  });
  const notifyLine = (label: string, samples: number[]) => {
    const s = summarize(samples);
    console.log(withTarget(row(label, s), `p99 < ${NOTIFY_P99_MS} ms`, s.p99 < NOTIFY_P99_MS));
  };
  notifyLine('notification handling, cloudpay payCallback', cloudpay.notify);
  notifyLine('notification handling, apiv3 payNotify (verify, decrypt, query, record)', apiv3.notify);
}
