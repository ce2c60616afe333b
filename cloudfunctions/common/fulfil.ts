/**
 * Runs the merchant hooks exactly once per order (onPaid) and per refund (onRefunded): a runner
 * claims the hook with a conditional update, records the run, calls the hook and marks it DONE.
 * A failed hook is released for a later retry; a runner that died is replaced after a lease.
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

/** Runs onRefunded for each successful refund whose hook has not run. */
export async function settleRefundHooks(kit: Kit, order: OrderDoc): Promise<HookOutcome> {
  let outcome: HookOutcome = 'DONE';
  for (const [i, refund] of (order.refunds ?? []).entries()) {
    if (refund.status !== 'SUCCESS' || !refund.hook || refund.hook.state === 'DONE') continue;
    const result = await runHook(kit, order, `refunds.${i}.hook`, refund.hook, async () => {
      await kit.store.recordHookRun({ orderNo: order._id, hook: 'onRefunded', refundNo: refund.outRefundNo });
      await onRefunded(order, refund, kit.store.db);
    });
    if (result !== 'DONE') outcome = result;
  }
  return outcome;
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
