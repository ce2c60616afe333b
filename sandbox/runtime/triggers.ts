/**
 * Fires the timer triggers declared in each function's config.json on the sandbox clock, with
 * the event SCF gives a timer invocation. Moving the clock forward fires each trigger that fell
 * due, once.
 */
import type { SandboxClock } from '../clock';
import { nextFire, parseCron, type CronSchedule } from './cron';
import type { FunctionRuntime } from './functions';

interface Armed {
  fn: string;
  trigger: string;
  schedule: CronSchedule;
  timerId: number;
}

export interface TriggerFiring {
  fn: string;
  trigger: string;
  at: number;
  ok: boolean;
  error?: string;
}

export class TimerTriggers {
  private armed: Armed[] = [];
  readonly firings: TriggerFiring[] = [];
  /** Problems with declared triggers (bad cron), for the status view. */
  readonly problems: string[] = [];
  /** Timer invocations still running. */
  private running = new Set<Promise<void>>();

  constructor(
    private readonly functions: FunctionRuntime,
    private readonly clock: SandboxClock,
    private readonly appId: string,
  ) {
    clock.onMovedBack(() => this.reload());
  }

  /** (Re)reads every function's triggers and arms them from the current sandbox time. */
  reload(): void {
    for (const a of this.armed) this.clock.cancel(a.timerId);
    this.armed = [];
    this.problems.length = 0;
    for (const fn of this.functions.list()) {
      for (const t of this.functions.config(fn).triggers) {
        if (t.type !== 'timer') continue;
        try {
          const schedule = parseCron(t.config);
          this.arm({ fn, trigger: t.name, schedule, timerId: 0 }, this.clock.now());
        } catch (err) {
          this.problems.push(`${fn}/${t.name}: ${(err as Error).message}`);
        }
      }
    }
  }

  list(): Array<{ fn: string; trigger: string; cron: string; next?: number }> {
    return this.armed.map((a) => ({
      fn: a.fn,
      trigger: a.trigger,
      cron: a.schedule.source,
      next: nextFire(a.schedule, this.clock.now() - 1),
    }));
  }

  /**
   * When trigger `trigger` of function `fn` fires next at or after `from` (sandbox time), as armed
   * now; undefined if no such trigger is armed.
   */
  nextFiring(fn: string, trigger: string, from: number): number | undefined {
    const armed = this.armed.find((a) => a.fn === fn && a.trigger === trigger);
    return armed && nextFire(armed.schedule, from - 1);
  }

  /** Resolves when no timer invocation is running (after a move of the clock fired some). */
  async settled(): Promise<void> {
    while (this.running.size) await Promise.all(this.running);
  }

  stop(): void {
    for (const a of this.armed) this.clock.cancel(a.timerId);
    this.armed = [];
  }

  private arm(entry: Armed, after: number): void {
    const at = nextFire(entry.schedule, after);
    if (at === undefined) return;
    entry.timerId = this.clock.at(at, () => {
      this.fire(entry, at);
      // After a jump of the clock, occurrences the jump skipped over are not replayed one by one
      // (a day's jump would run a minutely timer 1,440 times): the trigger fires once and is
      // re-armed from the new time, as cron does after a machine wakes up.
      this.arm(entry, Math.max(at, this.clock.now()));
    });
    if (!this.armed.includes(entry)) this.armed.push(entry);
  }

  private fire(entry: Armed, at: number): void {
    const event = {
      Type: 'Timer',
      TriggerName: entry.trigger,
      Time: new Date(at).toISOString(),
      Message: '',
    };
    const run = this.functions
      .invoke(entry.fn, event, { source: 'timer', appid: this.appId })
      .then(
        () => this.record({ fn: entry.fn, trigger: entry.trigger, at, ok: true }),
        (err: Error) =>
          this.record({ fn: entry.fn, trigger: entry.trigger, at, ok: false, error: err.message }),
      )
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }

  private record(firing: TriggerFiring): void {
    this.firings.push(firing);
    if (this.firings.length > 1000) this.firings.shift();
  }
}
