/**
 * The sandbox clock: real time plus an offset, optionally frozen. Everything time-dependent in the
 * sandbox (prepay expiry, the 5-minute close rule, callback retries, timer triggers, bill days)
 * reads this clock and schedules on it, so a test can move time instead of waiting.
 */
export interface ClockState {
  now: number;
  frozen: boolean;
  offsetMs: number;
}

interface Timer {
  id: number;
  at: number;
  fire: () => void;
}

export class SandboxClock {
  private offsetMs = 0;
  private frozenAt: number | null = null;
  private timers: Timer[] = [];
  private nextId = 1;
  private wake: NodeJS.Timeout | null = null;
  private backListeners: Array<() => void> = [];

  now(): number {
    return this.frozenAt ?? Date.now() + this.offsetMs;
  }

  state(): ClockState {
    return { now: this.now(), frozen: this.frozenAt !== null, offsetMs: this.offsetMs };
  }

  /** Stops time at its current reading (or at `at`). */
  freeze(at?: number): void {
    const before = this.now();
    this.frozenAt = at ?? before;
    this.changed(before);
  }

  /** Lets time run again from where it stands. */
  resume(): void {
    if (this.frozenAt === null) return;
    this.offsetMs = this.frozenAt - Date.now();
    this.frozenAt = null;
    this.changed();
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way, in order. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('advance takes a non-negative number of ms');
    this.set(this.now() + ms);
  }

  /** Sets the time. Moving backwards is allowed; timers then simply wait longer. */
  set(at: number): void {
    if (!Number.isFinite(at)) throw new RangeError('set takes a time in ms since the epoch');
    const before = this.now();
    if (this.frozenAt !== null) this.frozenAt = at;
    else this.offsetMs = at - Date.now();
    this.changed(before);
  }

  /**
   * Called when time is moved backwards. Timers keep their absolute times (a retry due at 10:00
   * stays due at 10:00), but schedules computed from "now", such as cron triggers, re-arm.
   */
  onMovedBack(listener: () => void): void {
    this.backListeners.push(listener);
  }

  /** Runs `fire` once the sandbox time reaches `at`. Returns an id for `cancel`. */
  at(at: number, fire: () => void): number {
    const timer = { id: this.nextId++, at, fire };
    const index = this.timers.findIndex((t) => t.at > at);
    if (index === -1) this.timers.push(timer);
    else this.timers.splice(index, 0, timer);
    this.changed();
    return timer.id;
  }

  /** Runs `fire` after `ms` of sandbox time. */
  after(ms: number, fire: () => void): number {
    return this.at(this.now() + ms, fire);
  }

  cancel(id: number): void {
    this.timers = this.timers.filter((t) => t.id !== id);
  }

  /** Number of timers waiting. */
  pending(): number {
    return this.timers.length;
  }

  stop(): void {
    if (this.wake) clearTimeout(this.wake);
    this.wake = null;
    this.timers = [];
  }

  private changed(before?: number): void {
    const now = this.now();
    if (before !== undefined && now < before) for (const listener of this.backListeners) listener();
    while (this.timers.length && this.timers[0].at <= now) {
      const timer = this.timers.shift()!;
      try {
        timer.fire();
      } catch (err) {
        console.error('[sandbox clock] timer failed:', err);
      }
    }
    if (this.wake) clearTimeout(this.wake);
    this.wake = null;
    if (this.timers.length && this.frozenAt === null) {
      // setTimeout caps at ~24.8 days; re-check at least that often.
      const delay = Math.min(this.timers[0].at - now, 2 ** 31 - 1);
      this.wake = setTimeout(() => this.changed(), delay);
      this.wake.unref();
    }
  }
}
