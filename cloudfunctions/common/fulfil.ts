/**
 * Runs the merchant hooks once per order (onPaid) and per refund (onRefunded): a runner claims the
 * hook with a conditional update, records the run, calls the hook and marks it DONE. A failed hook
 * is released, to be retried by whoever comes back for it once its retry time has come
 * (hookRetryAt): anyone can set a runner off (replay a callback), and a failing hook (the merchant's
 * system down) must not run as often as they call. A runner that died is replaced once its claim
 * lapsed (when the platform stopped its invocation, at least HOOK_LEASE_MS after the claim), so a
 * hook can run again after a crash: at least once, never concurrently. An order's hooks run in
 * order: no onRefunded before its onPaid is DONE. A hook is not started in the last seconds of its
 * function's time (invocation-time.ts): it is BUSY, left for the next delivery or the sweep.
 */
import * as merchant from 'paykit-merchant-hooks';
import type { Kit } from './context';
import type { MerchantHooks } from './hooks-api';
import type { HookState, OrderDoc } from './model';
import { claimHook, finishHook, releaseHook, type HookRef } from './order-states';

/** The merchant's hooks (merchant/hooks.ts), or the kit's example: checked against the contract here. */
const hooks: MerchantHooks = merchant;

/**
 * A hook's claim lasts at least this long; until its runner's invocation is stopped when that is
 * later (a merchant may give a function up to 900 s). A claim that recorded no lapse (made before
 * lapses were) lasts this long: the kit's functions then had 60 s at most.
 */
export const HOOK_LEASE_MS = 60_000;

/** A hook that threw may run again this long after its first run's claim, twice as long after each next… */
export const HOOK_RETRY_FIRST_MS = 30_000;
/**
 * …and at most this long: the sweep, every 5 minutes, still retries each failing hook at every run.
 * It is less than that period by more than a sweep run lasts (its function's 60 s), as a retry time
 * counts from the claim: a hook the sweep claimed late in one run is due early in the next.
 */
export const HOOK_RETRY_MAX_MS = 4 * 60_000;

/**
 * When a hook whose run `runs` (1 for the first) was claimed at `claimedAt` and threw may run again:
 * 30 s, 1 min, 2 min, then every 4 min. From the claim, not the failure, so a hook that ran long
 * before it threw is not pushed past the next sweep.
 */
function hookRetryAt(claimedAt: Date, runs: number): Date {
  const wait = Math.min(HOOK_RETRY_FIRST_MS * 2 ** Math.max(0, runs - 1), HOOK_RETRY_MAX_MS);
  return new Date(claimedAt.getTime() + wait);
}

export type HookOutcome = 'DONE' | 'BUSY' | 'FAILED';

/** Runs onPaid for a paid order unless it already ran. */
export async function fulfil(kit: Kit, order: OrderDoc): Promise<HookOutcome> {
  const state = order.fulfilment;
  if (!state || state.state === 'DONE') return 'DONE';
  return runHook(kit, order, { hook: 'onPaid' }, state, async () => {
    await kit.store.recordHookRun({ orderNo: order._id, hook: 'onPaid' });
    await hooks.onPaid(order, kit.store.db);
  });
}

/**
 * Runs onRefunded for each successful refund whose hook has not run, in the order the refunds
 * were made, and only once the order's onPaid is DONE (else BUSY: the caller comes back later).
 */
export async function settleRefundHooks(kit: Kit, order: OrderDoc): Promise<HookOutcome> {
  for (const [i, refund] of (order.refunds ?? []).entries()) {
    if (refund.status !== 'SUCCESS' || !refund.hook || refund.hook.state === 'DONE') continue;
    if (order.fulfilment && order.fulfilment.state !== 'DONE') return 'BUSY';
    const result = await runHook(kit, order, { hook: 'onRefunded', index: i }, refund.hook, async () => {
      await kit.store.recordHookRun({ orderNo: order._id, hook: 'onRefunded', refundNo: refund.outRefundNo });
      await hooks.onRefunded(order, refund, kit.store.db);
    });
    // The next refund's hook waits for this one.
    if (result !== 'DONE') return result;
  }
  return 'DONE';
}

async function runHook(
  kit: Kit,
  order: OrderDoc,
  ref: HookRef,
  state: HookState,
  run: () => Promise<void>,
): Promise<HookOutcome> {
  const { store } = kit;
  // Too late in the invocation to run it whole: left for the next delivery or the sweep, unclaimed.
  if (!kit.time.hasTimeForHook()) return 'BUSY';
  const now = new Date();
  const until = kit.time.claimLapsesAt(now, HOOK_LEASE_MS);
  const stale = new Date(now.getTime() - HOOK_LEASE_MS);
  const claim = (staleBefore?: Date) => claimHook(store.command, ref, now, until, staleBefore);
  const claimed =
    (await store.apply(order._id, claim())) ||
    (state.state === 'RUNNING' && (await store.apply(order._id, claim(stale))));
  if (!claimed) return waitsForRetry(state, now) ? 'FAILED' : 'BUSY';
  try {
    await run();
  } catch (err) {
    console.error(`[paykit] ${ref.hook} of ${order._id} failed:`, err);
    // This run's number: the runs as read, and this claim's.
    const retryAt = hookRetryAt(now, state.runs + 1);
    await store.apply(order._id, releaseHook(ref, now, String((err as Error).message ?? err), retryAt));
    return 'FAILED';
  }
  await store.apply(order._id, finishHook(ref, now));
  return 'DONE';
}

/** A hook that failed and waits for its retry time: still FAILED to whoever asks before then. */
function waitsForRetry(state: HookState, now: Date): boolean {
  return state.state === 'PENDING' && state.retryAt !== undefined && state.retryAt > now;
}
