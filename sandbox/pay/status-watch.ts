/**
 * Waiting for a change instead of being polled: `waitFor(list, …)` answers `list()` as soon as it is
 * not empty, re-reading it each time the owner says something `changed()`, or `[]` when the time is
 * up or the caller is gone. Bounded: past MAX_WAITERS a caller gets the current answer at once.
 *
 * A waiter may name the key it waits on (an out_trade_no): a change of another key does not re-read
 * its list, so N waiters cost one read per change of their own order, not N reads per change of any
 * (at 16 bench cycles in flight that was most of the sandbox's queries). A change without a key, and
 * a waiter without one, still meet every change.
 */
const MAX_WAITERS = 1000;

interface Watcher {
  key?: string;
  check: () => void;
}

export class StatusWatch<T> {
  private readonly watchers = new Set<Watcher>();

  waitFor(list: () => T[], waitMs: number, gone: Promise<void>, key?: string): Promise<T[]> {
    const now = list();
    if (now.length || waitMs <= 0 || this.watchers.size >= MAX_WAITERS) return Promise.resolve(now);
    return new Promise<T[]>((resolve) => {
      const stop = (answer: T[]) => {
        clearTimeout(timer);
        this.watchers.delete(watcher);
        resolve(answer);
      };
      const watcher: Watcher = {
        key,
        check: () => {
          const found = list();
          if (found.length) stop(found);
        },
      };
      const timer = setTimeout(() => stop([]), waitMs);
      this.watchers.add(watcher);
      void gone.then(() => stop([]));
    });
  }

  /** Something changed (about `key`, when given): re-reads the lists of the waiters it may concern. */
  changed(key?: string): void {
    if (!this.watchers.size) return;
    for (const watcher of [...this.watchers]) {
      if (key === undefined || watcher.key === undefined || watcher.key === key) watcher.check();
    }
  }
}
