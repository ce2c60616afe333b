/**
 * Runs the merchant hooks once per order (onPaid) and per refund (onRefunded): a runner claims the
 * hook with a conditional update, records the run, calls the hook and marks it DONE. A failed hook
 * is released for a later retry; a runner that died is replaced after a lease, so a hook can run
 * again after a crash (at least once, never concurrently within the lease). An order's hooks run in
 * order: no onRefunded before its onPaid is DONE.
 */
import type { Kit } from './context';
import { onPaid, onRefunded } from './hooks';
import type { HookState, OrderDoc } from './model';

export const HOOK_LEASE_MS = 60_000;

export type HookOutcome = 'DONE' | 'BUSY' | 'FAILED';

/** Runs onPaid for a paid order unless it already ran. */
export async function fulfil(kit: Kit, order: OrderDoc): Promise<HookOutcome> {
  const state = order.fulfilment;
  if (!state || state.state === 'DONE') return 'DONE';
  return runHook(kit, order, 'fulfilment', state, async () => {
    await kit.store.recordHookRun({ orderNo: order._id, hook: 'onPaid' });
    await onPaid(order, kit.store.db);
  });
}

/** True while a hook of the order (onPaid or a refund's onRefunded) has not finished. */
export function hasUnfinishedHooks(order: OrderDoc): boolean {
  const open = (h?: HookState) => !!h && h.state !== 'DONE';
  return open(order.fulfilment) || (order.refunds ?? []).some((r) => r.status === 'SUCCESS' && open(r.hook));
}

/**
 * Runs onRefunded for each successful refund whose hook has not run, in the order the refunds
 * were made, and only once the order's onPaid is DONE (else BUSY: the caller comes back later).
 */
export async function settleRefundHooks(kit: Kit, order: OrderDoc): Promise<HookOutcome> {
  for (const [i, refund] of (order.refunds ?? []).entries()) {
    if (refund.status !== 'SUCCESS' || !refund.hook || refund.hook.state === 'DONE') continue;
    if (order.fulfilment && order.fulfilment.state !== 'DONE') return 'BUSY';
    const result = await runHook(kit, order, `refunds.${i}.hook`, refund.hook, async () => {
      await kit.store.recordHookRun({ orderNo: order._id, hook: 'onRefunded', refundNo: refund.outRefundNo });
      await onRefunded(order, refund, kit.store.db);
    });
    // The next refund's hook waits for this one.
    if (result !== 'DONE') return result;
  }
  return 'DONE';
}

async function runHook(
  kit: Kit,
  order: OrderDoc,
  field: string,
  state: HookState,
  run: () => Promise<void>,
): Promise<HookOutcome> {
  const _ = kit.store.command;
  const now = new Date();
  const stale = new Date(now.getTime() - HOOK_LEASE_MS);
  const claim = { [`${field}.state`]: 'RUNNING', [`${field}.claimedAt`]: now, [`${field}.runs`]: _.inc(1) };
  const claimed =
    (await kit.store.updateOrder(order._id, { [`${field}.state`]: 'PENDING' }, claim)) ||
    (state.state === 'RUNNING' &&
      (await kit.store.updateOrder(
        order._id,
        { [`${field}.state`]: 'RUNNING', [`${field}.claimedAt`]: _.lte(stale) },
        claim,
      )));
  if (!claimed) return 'BUSY';
  try {
    await run();
  } catch (err) {
    console.error(`[paykit] hook ${field} of ${order._id} failed:`, err);
    await kit.store.updateOrder(
      order._id,
      { [`${field}.state`]: 'RUNNING', [`${field}.claimedAt`]: now },
      { [`${field}.state`]: 'PENDING', [`${field}.lastError`]: String((err as Error).message ?? err) },
    );
    return 'FAILED';
  }
  await kit.store.updateOrder(order._id, { [`${field}.claimedAt`]: now }, { [`${field}.state`]: 'DONE' });
  return 'DONE';
}
