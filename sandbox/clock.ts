/**
 * The sandbox clock: real time plus an offset, optionally frozen. Everything time-dependent in the
 * sandbox (prepay expiry, the 5-minute close rule, callback retries, timer triggers, bill days)
 * reads this clock and schedules on it, so a test can move time instead of waiting.
 */
import * as fs from 'fs';

export interface ClockState {
  now: number;
  frozen: boolean;
  offsetMs: number;
}

/** What survives a restart: the frozen instant, or the offset of a running clock from real time. */
export interface ClockSetting {
  frozenAt: number | null;
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
  private settingListeners: Array<(setting: ClockSetting) => void> = [];

  constructor(setting?: ClockSetting) {
    if (setting) {
      this.frozenAt = setting.frozenAt;
      this.offsetMs = setting.offsetMs;
    }
  }

  now(): number {
    return this.frozenAt ?? Date.now() + this.offsetMs;
  }

  state(): ClockState {
    return { now: this.now(), frozen: this.frozenAt !== null, offsetMs: this.offsetMs };
  }

  setting(): ClockSetting {
    return { frozenAt: this.frozenAt, offsetMs: this.offsetMs };
  }

  /** Called after every freeze, resume and set (advance sets), with what a restart needs. */
  onSettingChanged(listener: (setting: ClockSetting) => void): void {
    this.settingListeners.push(listener);
  }

  /** Stops time at its current reading (or at `at`). */
  freeze(at?: number): void {
    const before = this.now();
    this.frozenAt = at ?? before;
    this.settingChanged();
    this.changed(before);
  }

  /** Lets time run again from where it stands. */
  resume(): void {
    if (this.frozenAt === null) return;
    this.offsetMs = this.frozenAt - Date.now();
    this.frozenAt = null;
    this.settingChanged();
    this.changed();
  }

  /** Back to real time, running: no offset at all (a `set` to a time read elsewhere is off by its trip). */
  reset(): void {
    const before = this.now();
    this.frozenAt = null;
    this.offsetMs = 0;
    this.settingChanged();
    this.changed(before);
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
    this.settingChanged();
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

  private settingChanged(): void {
    const setting = this.setting();
    for (const listener of this.settingListeners) listener(setting);
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

/**
 * Keeps the clock's setting in `file` (the data folder's clock.json), so a restarted sandbox reads
 * the same time as the records it kept: a frozen clock stays at its instant, a moved one keeps its
 * offset from real time. A missing file is real time; an unreadable one is real time, with a warning.
 */
export function persistedClock(file: string): SandboxClock {
  let setting: ClockSetting | undefined;
  if (fs.existsSync(file)) {
    try {
      setting = parseSetting(JSON.parse(fs.readFileSync(file, 'utf8')));
    } catch (err) {
      console.warn(
        `[sandbox clock] ignoring ${file} (${(err as Error).message}): the clock runs on real time`,
      );
    }
  }
  const clock = new SandboxClock(setting);
  clock.onSettingChanged((next) => {
    const tmp = `${file}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(next)}\n`);
    fs.renameSync(tmp, file);
  });
  return clock;
}

function parseSetting(value: unknown): ClockSetting {
  const { frozenAt, offsetMs } = (value ?? {}) as Record<string, unknown>;
  if (frozenAt !== null && !(typeof frozenAt === 'number' && Number.isFinite(frozenAt)))
    throw new Error('frozenAt must be null or a time in ms');
  if (typeof offsetMs !== 'number' || !Number.isFinite(offsetMs))
    throw new Error('offsetMs must be a number');
  return { frozenAt, offsetMs };
}
