/**
 * Waiting for a change instead of being polled: `waitFor(list, …)` answers `list()` as soon as it is
 * not empty, re-reading it each time the owner says something `changed()`, or `[]` when the time is
 * up or the caller is gone. Bounded: past MAX_WAITERS a caller gets the current answer at once.
 */
const MAX_WAITERS = 1000;

export class StatusWatch<T> {
  private readonly watchers = new Set<() => void>();

  waitFor(list: () => T[], waitMs: number, gone: Promise<void>): Promise<T[]> {
    const now = list();
    if (now.length || waitMs <= 0 || this.watchers.size >= MAX_WAITERS) return Promise.resolve(now);
    return new Promise<T[]>((resolve) => {
      const stop = (answer: T[]) => {
        clearTimeout(timer);
        this.watchers.delete(watcher);
        resolve(answer);
      };
      const watcher = () => {
        const found = list();
        if (found.length) stop(found);
      };
      const timer = setTimeout(() => stop([]), waitMs);
      this.watchers.add(watcher);
      void gone.then(() => stop([]));
    });
  }

  changed(): void {
    for (const watcher of [...this.watchers]) watcher();
  }
}
