/**
 * After the storm: no more kills or faults, held callbacks released, then the clock moves on in
 * steps (at least one sweep each, further when only later callback retries are left) until nothing
 * changes any more: every order past its expiry, no callback waiting, the kit's data the same two
 * rounds running. Bounded in wall time and in sandbox time (WeChat gives up on a callback after 24 h).
 */
import { timeOf, type Doc, type SoakClient } from './client';

export interface SettleReport {
  rounds: number;
  advancedMs: number;
  wallMs: number;
  quiet: boolean;
  /** Callbacks still pending, in flight or held at the end. */
  callbacksWaiting: number;
  /** Timer firings not seen within their wait. */
  timersMissed: number;
  /** Expired orders still unpaid and open after each round's sweep. */
  expiredOpen: number[];
}

const STEP_MS = 5 * 60_000;
const MAX_STEP_MS = 6 * 3600_000;
const MAX_SANDBOX_MS = 26 * 3600_000;
/** A sweep may run for its whole timeout (60 s). */
const TIMER_WAIT_MS = 65_000;

export async function settle(client: SoakClient, maxWallMs: number): Promise<SettleReport> {
  const started = Date.now();
  await client.chaos({ killRate: 0 });
  // From here time moves only in the steps below, so each step's timer runs are known in advance.
  await client.clock('freeze');
  await client.clearFaults();
  await client.release('fifo');
  await client.settle();
  const report: SettleReport = {
    rounds: 0,
    advancedMs: 0,
    wallMs: 0,
    quiet: false,
    callbacksWaiting: 0,
    timersMissed: 0,
    expiredOpen: [],
  };
  let last = '';
  let sameRounds = 0;
  while (Date.now() - started < maxWallMs && report.advancedMs < MAX_SANDBOX_MS) {
    const now = await client.clock('read');
    const notes = await client.notifications();
    const waiting = notes.filter((n) => n.status !== 'delivered' && n.status !== 'abandoned');
    // Jump straight to the next callback retry when that is all that is left to wait for.
    const retries = notes.flatMap((n) => (n.status === 'pending' && n.nextAt !== null ? [n.nextAt] : []));
    const nextRetry = retries.length ? Math.min(...retries) : NaN;
    const step =
      sameRounds > 0 && Number.isFinite(nextRetry)
        ? Math.min(Math.max(STEP_MS, nextRetry - now + 1), MAX_STEP_MS)
        : STEP_MS;
    const { triggers } = await client.triggers();
    const due = triggers.filter((t) => t.next !== undefined && t.next <= now + step);
    await client.clock('advance', step);
    report.advancedMs += step;
    report.rounds++;
    report.timersMissed += await waitForFirings(client, due);
    await client.release('fifo');
    await client.settle();

    const orders = await client.collection('paykit_orders');
    const open = orders.some((o) => o.status === 'NOTPAY' && timeOf(o.expiresAt) > now + step);
    report.expiredOpen.push(
      orders.filter((o) => o.status === 'NOTPAY' && timeOf(o.expiresAt) <= now + step).length,
    );
    const state = fingerprint(orders) + `|${(await client.collection('paykit_hook_runs')).length}`;
    sameRounds = state === last ? sameRounds + 1 : 0;
    last = state;
    report.callbacksWaiting = waiting.length;
    if (!open && sameRounds >= 2 && waiting.length === 0) {
      report.quiet = true;
      break;
    }
  }
  report.callbacksWaiting = (await client.notifications()).filter(
    (n) => n.status !== 'delivered' && n.status !== 'abandoned',
  ).length;
  report.wallMs = Date.now() - started;
  return report;
}

/** Waits until each due timer's firing is recorded (the function finished); how many never were. */
async function waitForFirings(
  client: SoakClient,
  due: Array<{ fn: string; next?: number }>,
): Promise<number> {
  const until = Date.now() + TIMER_WAIT_MS;
  for (;;) {
    const { firings } = await client.triggers();
    const missing = due.filter((d) => !firings.some((f) => f.fn === d.fn && f.at === d.next));
    if (!missing.length) return 0;
    if (Date.now() > until) return missing.length;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** What can still change about the orders: statuses, hook states, refund states. */
function fingerprint(orders: Doc[]): string {
  return orders
    .map((o) => {
      const refunds = Array.isArray(o.refunds) ? (o.refunds as Doc[]) : [];
      const hook = (o.fulfilment as Doc | undefined)?.state ?? '-';
      return `${String(o._id)}:${String(o.status)}:${String(hook)}:${refunds
        .map((r) => `${String(r.status)}/${String((r.hook as Doc | undefined)?.state ?? '-')}`)
        .join(',')}`;
    })
    .sort()
    .join(';');
}
