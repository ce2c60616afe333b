/**
 * The merchant hooks on an order's timeline (onPaid, and each refund's onRefunded), as a developer
 * whose hook fails wants them: whether it is failing, how often it ran, its last error, from when it
 * may run again and when the kit's sweep will run it (on the sandbox clock), or that it succeeded.
 */
import type { TimelineEntry } from '../../typings/sandbox/dashboard';
import type { Sandbox } from '../server';
import { HOOK_RUNS } from './orders';

/** A hook's state as the kit stores it (cloudfunctions/common/model.ts HookState). */
export interface HookDoc {
  state?: string;
  claimedAt?: unknown;
  claimedUntil?: unknown;
  runs?: number;
  lastError?: string;
  retryAt?: unknown;
}

/** The sandbox's time, and the sweep's first run from a time on (or from now), if its timer is armed. */
export interface HookClock {
  now: number;
  sweepFrom(at: number): number | undefined;
}

/** The kit's sweep (closeExpiredOrders' timer): it retries every failed hook whose time has come. */
const SWEEP = { fn: 'closeExpiredOrders', trigger: 'sweep' };

/** An instant the kit stored (a Date, or epoch ms) in epoch ms. */
export const ms = (value: unknown): number | undefined =>
  value instanceof Date ? value.getTime() : typeof value === 'number' ? value : undefined;

/**
 * A hook as it stands, at its latest run (its claim) if it ran after `at`: done, running, waiting
 * for its first run, FAILED (it threw and waits for its retry time: the kit's PENDING with an
 * error), or LAPSED (its runner was stopped mid-run: the kit's RUNNING past its claim's lapse,
 * not running at all). A failed hook says from when it may run again, a running or lapsed one when
 * its claim lapses (then another runner may take it over); a failed or lapsed one when the sweep
 * will run it, whoever else comes first (a replayed callback, WeChat's next delivery). A done one
 * keeps the error it last failed with, said as such.
 */
export function hookEntry(at: number, hook: HookDoc, name: string, clock: HookClock): TimelineEntry {
  const done = hook.state === 'DONE';
  const failed = hook.state === 'PENDING' && hook.lastError !== undefined;
  const retryAt = failed ? ms(hook.retryAt) : undefined;
  const claimedUntil = hook.state === 'RUNNING' ? ms(hook.claimedUntil) : undefined;
  const lapsed = claimedUntil !== undefined && claimedUntil <= clock.now;
  const takenUpFrom = retryAt ?? (lapsed ? claimedUntil : undefined);
  return {
    at: Math.max(at, ms(hook.claimedAt) ?? at),
    kind: 'hook',
    title: failed ? 'FAILED' : lapsed ? 'LAPSED' : (hook.state ?? 'PENDING'),
    facts: {
      hook: name,
      runs: hook.runs ?? 0,
      lastError: done ? null : (hook.lastError ?? null),
      retryFrom: retryAt ?? null,
      claimedUntil: claimedUntil ?? null,
      sweepRetryAt: takenUpFrom === undefined ? null : (clock.sweepFrom(takenUpFrom) ?? null),
      errorBeforeSuccess: done ? (hook.lastError ?? null) : null,
    },
  };
}

/**
 * What the hooks' entries need of the sandbox: when the order's onPaid first ran (the kit's record
 * of each run, store.ts recordHookRun; the hook's claimedAt is its latest claim), and its clock.
 */
export function hookTimes(
  sandbox: Sandbox,
  orderNo: string,
): { firstPaidRunAt: number | undefined; clock: HookClock } {
  const [first] = sandbox.db.find(HOOK_RUNS, { orderNo, hook: 'onPaid' }, [['at', 1]], 1);
  const now = sandbox.clock.now();
  return {
    firstPaidRunAt: ms(first?.at),
    clock: {
      now,
      sweepFrom: (at) => sandbox.triggers.nextFiring(SWEEP.fn, SWEEP.trigger, Math.max(at, now)),
    },
  };
}
