/**
 * The sweep timer's throughput: N expired unpaid orders (each with a trade WeChat never saw), then
 * closeExpiredOrders invoked as its timer would be until none is left. Prints closes per minute and
 * how many runs it took (one run pages until done or its 40 s budget is spent).
 */
import { post } from '../test/helpers/control';
import { expiredUnpaidOrders } from '../test/helpers/orders';
import { startSandboxProcess } from '../test/helpers/sandbox';
import { withTarget } from './stats';

const ORDERS = 2000;

export async function benchSweep(): Promise<void> {
  const sandbox = await startSandboxProcess({ args: ['--fn-env', 'PAYKIT_SUB_MCH_ID=1900000109'] });
  try {
    const { now } = await post<{ now: number }>(`${sandbox.url}/sandbox/clock`, { action: 'freeze' });
    const orders = expiredUnpaidOrders(ORDERS, now);
    await post(`${sandbox.url}/sandbox/db/import`, { paykit_orders: orders });
    let closed = 0;
    let runs = 0;
    const started = process.hrtime.bigint();
    while (closed < ORDERS && runs < 20) {
      const outcome = await post<{ result?: { ok: boolean; data?: { closed: number } } }>(
        `${sandbox.url}/sandbox/functions/closeExpiredOrders/invoke`,
        { data: {} },
      );
      if (!outcome.result?.ok || !outcome.result.data)
        throw new Error(`sweep failed: ${JSON.stringify(outcome)}`);
      closed += outcome.result.data.closed;
      runs++;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    // The timer fires every 5 minutes with a 40 s budget: a backlog of ORDERS must clear in one run.
    console.log(
      withTarget(
        `sweep: ${closed} of ${ORDERS} expired orders closed in ${runs} run(s), ${seconds.toFixed(1)} s: ` +
          `${Math.round((closed / seconds) * 60)} closes/min (was 50 a run, 600/hour)`,
        `all ${ORDERS} in 1 run (≤ 40 s)`,
        closed === ORDERS && runs === 1 && seconds <= 40,
      ),
    );
  } finally {
    await sandbox.stop();
  }
}
