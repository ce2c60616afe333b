/**
 * In-memory bookkeeping that rolls back with SQLite: what a transaction added to the store's sets
 * (collections, indexed and tainted fields) is taken back if the transaction throws, so that the
 * sets never name a table the rollback removed.
 */
import type Database from 'better-sqlite3';

export class RollbackJournal {
  /** Inside run(): how to take back each addition made so far, oldest first. */
  private steps?: Array<() => void>;

  /**
   * Runs `fn` in one SQLite transaction (a savepoint when nested); if it throws, the additions it
   * made are taken back, latest first, and the error is thrown on.
   */
  run<T>(sqlite: Database.Database, fn: () => T): T {
    const outermost = this.steps === undefined;
    const steps = (this.steps ??= []);
    const mark = steps.length;
    try {
      return sqlite.transaction(fn)();
    } catch (err) {
      for (const step of steps.splice(mark).reverse()) step();
      throw err;
    } finally {
      if (outermost) this.steps = undefined;
    }
  }

  /** Adds `item` to `set`; inside run(), to be taken back if the transaction rolls back. */
  add(set: Set<string>, item: string): void {
    if (set.has(item)) return;
    set.add(item);
    this.steps?.push(() => set.delete(item));
  }
}
