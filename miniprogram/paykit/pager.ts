/**
 * Cursor paging for a list page (the shop, the orders list, the admin's to-ship list): the first
 * page replaces the list, each next page is appended by path (rows already shown are never sent to
 * the view again), and an answer that a reload overtook (pull-down, another tab) is dropped. A page
 * gets its pager with `CursorPager.of(this, …)`, one per page instance, and shows what it sets in
 * its data. A page that brings no rows but is not the last (the server left out every row of it, as
 * `listProducts` does with products not for sale) is not the end: the next is asked for at once.
 *
 * - `loaded`: the first page answered (or failed) since the last reload started;
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

  private cursor: string | null = null;
  /** Every load takes a ticket: a reload drops the answers of the loads before it. */
  private readonly loads = new LatestLoad();

  constructor(
    private readonly view: PagedView,
    private readonly list: PagedList<T>,
  ) {}

  /** The first page, replacing what is shown. */
  async reload(): Promise<void> {
    const ticket = this.loads.next();
    this.cursor = null;
    this.view.setData({ loading: true, error: '' });
    try {
      const page = await this.list.fetch(null);
      if (!this.loads.isLatest(ticket)) return;
      this.cursor = page.nextCursor;
      this.view.setData({
        [this.list.key]: page.rows,
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
      const shown = this.shown();
      const update: Record<string, unknown> = { loading: false, finished: page.nextCursor === null };
      page.rows.forEach((row, i) => (update[`${this.list.key}[${shown + i}]`] = row));
      this.view.setData(update);
      this.followEmpty(page);
    } catch (err) {
      if (!this.loads.isLatest(ticket)) return;
      this.view.setData({ loading: false, error: asPaykitError(err).message });
    }
  }

  /** The retry button: the page that failed, which is the first when nothing is shown. */
  retry(): Promise<void> {
    return this.cursor !== null && this.shown() > 0 ? this.loadMore() : this.reload();
  }

  /** A page with no rows that is not the last: the next one, at once. */
  private followEmpty(page: CursorPage<T>): void {
    if (!page.rows.length && page.nextCursor !== null) void this.loadMore();
  }

  private shown(): number {
    const rows = this.view.data[this.list.key];
    return Array.isArray(rows) ? rows.length : 0;
  }
}
