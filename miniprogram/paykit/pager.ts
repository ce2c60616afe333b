/**
 * Cursor paging for a list page (the shop, the orders list, the admin's to-ship list): the first
 * page replaces the list, each next page is appended by path (rows already shown are never sent to
 * the view again), and an answer that a newer load overtook (pull-down, another tab, a return to the
 * page) is dropped. A page gets its pager with `CursorPager.of(this, …)`, one per page instance, and
 * shows what it sets in its data. A page that brings no rows but is not the last (the server left out
 * every row of it, as `listProducts` does with products not for sale) is not the end: the next is
 * asked for at once.
 *
 * Two ways back to the top: `reload` (pull-down, another tab) shows the first page alone; `refresh`
 * (back on the page from another) asks again for every page shown, from the first, so the rows the
 * user scrolled through stay, as they now are, and only the rows that changed go to the view.
 *
 * - `loaded`: the pages from the first answered (or failed) since the last reload or refresh started;
 * - `loading`: a page is on its way;
 * - `finished`: the server has no more;
 * - `error`: why the last page failed, in the user's language ('' when it did not);
 * - and the list itself, under the data key the page names.
 */
import { asPaykitError } from './errors';
import { LatestLoad } from './late-answers';

/** One page from the server: its rows, and the cursor of the next (null at the end). */
export interface CursorPage<T> {
  rows: T[];
  nextCursor: string | null;
}

/** What the pager reads and writes of its page. */
export interface PagedView {
  data: { loading: boolean; finished: boolean } & Record<string, unknown>;
  setData(data: Record<string, unknown>): void;
}

export interface PagedList<T> {
  /** The data key of the list (`orders`, `products`). */
  key: string;
  /** The page after `cursor`; the first page when it is null. */
  fetch(cursor: string | null): Promise<CursorPage<T>>;
  /** Data set together with a first page (the orders list's clock for its countdowns). */
  withFirst?(): Record<string, unknown>;
}

/** Each page instance's pager, kept with the instance (never in its data). */
const pagers = new WeakMap<PagedView, CursorPager<unknown>>();

/** Rows are plain data (they crossed setData): equal when they serialize alike. */
function sameRow(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export class CursorPager<T> {
  /** The pager of `view`, made from `list()` on first use. */
  static of<T>(view: PagedView, list: () => PagedList<T>): CursorPager<T> {
    let pager = pagers.get(view) as CursorPager<T> | undefined;
    if (!pager) {
      pager = new CursorPager(view, list());
      pagers.set(view, pager as CursorPager<unknown>);
    }
    return pager;
  }

  /** The next page's cursor; null at the end, and while the pages from the first are asked for. */
  private cursor: string | null = null;
  /** The pages behind the rows shown (or being asked for from the first): what `refresh` asks again. */
  private pages = 0;
  /** Every load takes a ticket: a reload or refresh drops the answers of the loads before it. */
  private readonly loads = new LatestLoad();

  constructor(
    private readonly view: PagedView,
    private readonly list: PagedList<T>,
  ) {}

  /** The first page alone, in place of what is shown. */
  reload(): Promise<void> {
    return this.fromFirst(1);
  }

  /**
   * Every page shown, asked for again from the first (a place in the list is kept across a visit to
   * another page); the first page when none is. Rows the server no longer has there go.
   */
  refresh(): Promise<void> {
    return this.fromFirst(Math.max(1, this.pages));
  }

  /** The next page, appended by path; nothing while a page is on its way or after the last. */
  async loadMore(): Promise<void> {
    const { data } = this.view;
    if (data.loading || data.finished || this.cursor === null) return;
    const ticket = this.loads.next();
    this.view.setData({ loading: true, error: '' });
    try {
      const page = await this.list.fetch(this.cursor);
      if (!this.loads.isLatest(ticket)) return;
      this.cursor = page.nextCursor;
      this.pages++;
      const shown = this.shown().length;
      const update: Record<string, unknown> = { loading: false, finished: page.nextCursor === null };
      page.rows.forEach((row, i) => (update[`${this.list.key}[${shown + i}]`] = row));
      this.view.setData(update);
      this.followEmpty(page);
    } catch (err) {
      if (!this.loads.isLatest(ticket)) return;
      this.view.setData({ loading: false, error: asPaykitError(err).message });
    }
  }

  /** The retry button: the page that failed; after a failed reload or refresh, that one again. */
  retry(): Promise<void> {
    return this.cursor !== null && this.shown().length > 0 ? this.loadMore() : this.refresh();
  }

  /**
   * `pages` pages from the first (fewer when the list ends sooner), shown together once all have
   * answered: rows shown meanwhile stay until then, and one failure leaves them as they were.
   */
  private async fromFirst(pages: number): Promise<void> {
    const ticket = this.loads.next();
    this.cursor = null;
    this.pages = pages;
    this.view.setData({ loading: true, error: '' });
    try {
      let page = await this.list.fetch(null);
      if (!this.loads.isLatest(ticket)) return;
      const rows = [...page.rows];
      let asked = 1;
      for (; asked < pages && page.nextCursor !== null; asked++) {
        page = await this.list.fetch(page.nextCursor);
        if (!this.loads.isLatest(ticket)) return;
        rows.push(...page.rows);
      }
      this.cursor = page.nextCursor;
      this.pages = asked;
      this.view.setData({
        ...this.changesTo(rows),
        loaded: true,
        loading: false,
        finished: page.nextCursor === null,
        ...this.list.withFirst?.(),
      });
      this.followEmpty(page);
    } catch (err) {
      if (!this.loads.isLatest(ticket)) return;
      this.view.setData({ loading: false, loaded: true, error: asPaykitError(err).message });
    }
  }

  /**
   * The update that makes the list `rows`: the whole list in place of an empty or longer one (a
   * path cannot shorten it), else only the rows that differ from those shown, by path.
   */
  private changesTo(rows: T[]): Record<string, unknown> {
    const shown = this.shown();
    if (!shown.length || rows.length < shown.length) return { [this.list.key]: rows };
    const update: Record<string, unknown> = {};
    rows.forEach((row, i) => {
      if (i >= shown.length || !sameRow(row, shown[i])) update[`${this.list.key}[${i}]`] = row;
    });
    return update;
  }

  /** A page with no rows that is not the last: the next one, at once. */
  private followEmpty(page: CursorPage<T>): void {
    if (!page.rows.length && page.nextCursor !== null) void this.loadMore();
  }

  private shown(): unknown[] {
    const rows = this.view.data[this.list.key];
    return Array.isArray(rows) ? rows : [];
  }
}
