/**
 * The time an invocation has. SCF stops a function when its time limit (config.json's `timeout`) is
 * up, whatever it is doing, and tells each invocation that limit in the context it passes main
 * (`time_limit_in_ms`). A call to WeChat (Pay, or the order-shipping service) that outlasts it is
 * cut off half-way: the caller gets the platform's timeout instead of the kit's answer. So each call waits only as long as leaves the
 * function the time to record the outcome and answer, and a call with too little time left is not
 * started: the function answers as when WeChat did not answer.
 */
import { ServerError } from './errors';

/** Kept after a call to WeChat for the writes that follow it and the answer. */
export const ANSWER_RESERVE_MS = 2000;
/** A call that could wait less than this for its answer is not started. */
export const MIN_PAY_WAIT_MS = 1000;
/**
 * A merchant hook is not started with less than this left beyond the reserve: the hook would be cut
 * off half-way, the caller get the platform's timeout, and the hook wait out its lease before it
 * runs again. Left unclaimed, it runs at WeChat's next delivery or the sweep, with a whole time.
 */
export const MIN_HOOK_MS = 1000;
/**
 * Left unspent by a run that works through many items (the sweep, the bill catch-up): the last item
 * begun still gives WeChat a few seconds to answer its call, which keeps ANSWER_RESERVE_MS for the
 * writes that follow and the answer.
 */
export const RUN_RESERVE_MS = 5000;

export class InvocationTime {
  /** When the invocation's time is up, on performance.now()'s clock: in the sandbox a function's
   *  Date may be a frozen test clock. Unbounded while no limit is known. */
  private endsAt = Infinity;

  /** An invocation begins: it has the context's `time_limit_in_ms` from now (none: unbounded). */
  begin(context: unknown): void {
    const limit = (context as { time_limit_in_ms?: unknown } | null | undefined)?.time_limit_in_ms;
    const known = typeof limit === 'number' && Number.isFinite(limit) && limit > 0;
    this.endsAt = known ? performance.now() + limit : Infinity;
  }

  /** Real ms left before the platform stops the invocation. */
  leftMs(): number {
    return this.endsAt - performance.now();
  }

  /**
   * Real ms a run that works through many items (the sweep, the bill catch-up) may go on beginning
   * them: what is left less RUN_RESERVE_MS; `fixedMs` while no limit is known.
   */
  runBudgetMs(fixedMs: number): number {
    return this.endsAt === Infinity ? fixedMs : this.leftMs() - RUN_RESERVE_MS;
  }

  /**
   * When a claim this invocation makes at `now` (the function's Date) lapses: when the platform
   * stops the invocation, so no other runner takes it over while its claimant may still be at work,
   * and never sooner than `leaseMs` after it (only that while no limit is known). Real ms left are
   * added to the claim's Date: in the sandbox a frozen test clock then keeps a claim longer, never
   * shorter.
   */
  claimLapsesAt(now: Date, leaseMs: number): Date {
    const left = this.endsAt === Infinity ? 0 : Math.ceil(this.leftMs());
    return new Date(now.getTime() + Math.max(leaseMs, left));
  }

  /** Whether a merchant hook may start now (MIN_HOOK_MS beyond the reserve); always, while no limit is known. */
  hasTimeForHook(): boolean {
    return this.leftMs() - ANSWER_RESERVE_MS >= MIN_HOOK_MS;
  }

  /**
   * How long a call to WeChat (pay or shipping) may take, all in: Infinity while no limit is known,
   * undefined when too little time is left to start it.
   */
  callWaitMs(): number | undefined {
    const wait = this.leftMs() - ANSWER_RESERVE_MS;
    return wait < MIN_PAY_WAIT_MS ? undefined : Math.floor(wait);
  }

  /**
   * How long a call to WeChat Pay (`api` names it in the message) may take, all in: Infinity while
   * no limit is known. Throws the retryable PAY_PROVIDER_ERROR, as when WeChat did not answer, if
   * too little time is left to start it; marked `notStarted`, as WeChat was not asked.
   */
  payWaitMs(api: string): number {
    const wait = this.callWaitMs();
    if (wait === undefined) {
      const err = new ServerError(
        'PAY_PROVIDER_ERROR',
        `${api}: too little of the function's time is left to wait for WeChat Pay; try again`,
      );
      err.notStarted = true;
      throw err;
    }
    return wait;
  }
}

/**
 * `run`'s answer, or a rejection (`<silence> within <waitMs> ms`) once `waitMs` has passed without
 * one (Infinity: no limit). For the calls the SDK cannot cancel (cloudPay, the shipping cloud
 * calls): the request, left to end on its own, may still be carried out, as after a cut connection,
 * and its late answer goes nowhere.
 */
export async function answerWithin<T>(
  waitMs: number,
  run: () => Promise<T>,
  silence = 'no answer',
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    if (Number.isFinite(waitMs))
      timer = setTimeout(() => reject(new Error(`${silence} within ${waitMs} ms`)), waitMs);
  });
  try {
    return await Promise.race([run(), late]);
  } finally {
    clearTimeout(timer);
  }
}
