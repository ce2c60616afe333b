/**
 * Answers that come back after something newer was shown: a page asks the server on a slow network
 * while the user acts, so answers do not arrive in the order they were asked for. The two rules the
 * pages keep, each in one place:
 *
 * - `LatestLoad`: of loads that overlap (a pull-down while the first page is on its way, a reload
 *   while an action's answer is shown), only the newest one's answer is shown;
 * - `RowAnswers`: what an action answered for one row (an order paid, shipped) is newer than a page
 *   of the list asked for before it, which still has the row as it was.
 */

/** Tickets for overlapping loads: only the newest one's answer (or failure) is shown. */
export class LatestLoad {
  private latest = 0;

  /**
   * A load starts, or something newer than any load on its way is shown (an order an action
   * answered): the answers of every load before it are dropped. Its ticket.
   */
  next(): number {
    return ++this.latest;
  }

  /** Whether nothing newer started since the load of `ticket`: its answer may be shown. */
  isLatest(ticket: number): boolean {
    return ticket === this.latest;
  }
}

/** What actions answered for single rows, newer than any page of the list asked for before them. */
export class RowAnswers<V> {
  private count = 0;
  private readonly answers = new Map<string, { value: V; at: number }>();

  /** Taken when a page is asked for: the answers after it are newer than that page. */
  asked(): number {
    return this.count;
  }

  /** An action answered `value` for the row of `key`. */
  answer(key: string, value: V): void {
    this.answers.set(key, { value, at: ++this.count });
  }

  /** What an action answered for the row of `key` after a page was `asked` for, if anything. */
  since(key: string, asked: number): V | undefined {
    const answered = this.answers.get(key);
    return answered && answered.at > asked ? answered.value : undefined;
  }
}
