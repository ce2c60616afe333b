/**
 * paykit/pager.ts on a real component (miniprogram-simulate's own setData and view): pages by
 * cursor, appended by path; a refresh asks again for the pages shown and sends only the rows that
 * changed; answers that a reload or refresh overtook are dropped; a failed page is retried where it
 * failed. The server is a function of the test's that answers when the test says so, so the
 * order of answers is the test's to choose; the pages' own suites run the pager against the sandbox.
 */
import { PaykitError } from '../../../miniprogram/paykit/errors';
import { CursorPager, type CursorPage, type PagedView } from '../../../miniprogram/paykit/pager';
import { recordSetData, simulate, type SetDataCall, type SimComponent } from '../../helpers/simulate';

/** One fetch the pager made, answered (or failed) when the test says. */
interface Asked {
  cursor: string | null;
  answer(page: CursorPage<string>): Promise<void>;
  fail(err: unknown): Promise<void>;
}

const LIST = simulate.load({
  template: `<view wx:for="{{ rows }}" wx:key="*this" class="row">{{ item }}</view>
<view wx:if="{{ error }}" class="error">{{ error }}</view>`,
  data: { rows: [] as string[], loaded: false, loading: false, finished: false, error: '' },
});

/** Lets the pager's continuation after an answered fetch run. */
const settled = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

function open(): {
  comp: SimComponent;
  pager: CursorPager<string>;
  asked: Asked[];
  calls: SetDataCall[];
} {
  const comp = simulate.render(LIST) as SimComponent;
  const { calls } = recordSetData(comp);
  const asked: Asked[] = [];
  const pager = new CursorPager<string>(comp.instance as unknown as PagedView, {
    key: 'rows',
    fetch: (cursor) =>
      new Promise((resolve, reject) =>
        asked.push({
          cursor,
          answer: (page) => {
            resolve(page);
            return settled();
          },
          fail: (err) => {
            reject(err);
            return settled();
          },
        }),
      ),
    withFirst: () => ({ firstAt: asked.length }),
  });
  return { comp, pager, asked, calls };
}

const shown = (comp: SimComponent) => comp.querySelectorAll('.row').map((row) => row.dom!.textContent);

test('the first page replaces the list, each next page is appended by path, and the end stops asking', async () => {
  const { comp, pager, asked, calls } = open();
  void pager.reload();
  expect(comp.data.loading).toBe(true);
  expect(asked.map((a) => a.cursor)).toEqual([null]);
  await asked[0].answer({ rows: ['a', 'b'], nextCursor: 'c1' });
  expect(shown(comp)).toEqual(['a', 'b']);
  expect(comp.data).toMatchObject({ loaded: true, loading: false, finished: false, firstAt: 1 });

  const mark = calls.length;
  void pager.loadMore();
  void pager.loadMore(); // while a page is on its way: nothing more is asked
  expect(asked.map((a) => a.cursor)).toEqual([null, 'c1']);
  await asked[1].answer({ rows: ['c'], nextCursor: null });
  expect(shown(comp)).toEqual(['a', 'b', 'c']);
  // Only the new row crossed to the view, by its path.
  const keys = calls.slice(mark).flatMap((c) => c.keys);
  expect(keys).toContain('rows[2]');
  expect(keys).not.toContain('rows');
  expect(comp.data.finished).toBe(true);

  await pager.loadMore();
  expect(asked).toHaveLength(2);
});

test('a page with no rows that is not the last is followed at once; an empty last page ends the list', async () => {
  const { comp, pager, asked } = open();
  void pager.reload();
  await asked[0].answer({ rows: [], nextCursor: 'c1' });
  expect(asked.map((a) => a.cursor)).toEqual([null, 'c1']);
  expect(comp.data.loading).toBe(true);
  await asked[1].answer({ rows: [], nextCursor: 'c2' });
  expect(asked.map((a) => a.cursor)).toEqual([null, 'c1', 'c2']);
  await asked[2].answer({ rows: ['a'], nextCursor: 'c3' });
  expect(shown(comp)).toEqual(['a']);
  expect(asked).toHaveLength(3);
  void pager.loadMore();
  await asked[3].answer({ rows: [], nextCursor: null });
  expect(asked).toHaveLength(4);
  expect(comp.data).toMatchObject({ loading: false, finished: true });
});

test('a reload overtaking a first page drops the older answer, whichever comes back first', async () => {
  const { comp, pager, asked } = open();
  void pager.reload();
  void pager.reload();
  await asked[1].answer({ rows: ['new'], nextCursor: null });
  await asked[0].answer({ rows: ['old'], nextCursor: 'stale' });
  expect(shown(comp)).toEqual(['new']);
  expect(comp.data.finished).toBe(true);
  // The older failure is dropped as well.
  void pager.reload();
  void pager.reload();
  await asked[3].answer({ rows: ['newer'], nextCursor: null });
  await asked[2].fail(new PaykitError('NETWORK_ERROR'));
  expect(comp.data.error).toBe('');
  expect(shown(comp)).toEqual(['newer']);
});

test('a next page that lands after a reload is not appended to the new list', async () => {
  const { comp, pager, asked } = open();
  void pager.reload();
  await asked[0].answer({ rows: ['a1', 'a2'], nextCursor: 'a-next' });
  void pager.loadMore();
  void pager.reload(); // pull-down, another tab
  await asked[1].answer({ rows: ['a3'], nextCursor: null });
  expect(comp.data.loading).toBe(true);
  await asked[2].answer({ rows: ['b1'], nextCursor: 'b-next' });
  expect(shown(comp)).toEqual(['b1']);
  // Paging goes on from the new list's cursor.
  void pager.loadMore();
  expect(asked[3].cursor).toBe('b-next');
});

test('a failed first page shows why and retries the first page', async () => {
  const { comp, pager, asked } = open();
  void pager.reload();
  await asked[0].fail(new PaykitError('NETWORK_ERROR'));
  expect(comp.data).toMatchObject({
    loaded: true,
    loading: false,
    error: new PaykitError('NETWORK_ERROR').message,
  });
  expect(comp.querySelector('.error')!.dom!.textContent).toMatch(/[\u4e00-\u9fff]/);
  void pager.retry();
  expect(asked[1].cursor).toBeNull();
  expect(comp.data.error).toBe('');
  await asked[1].answer({ rows: ['a'], nextCursor: null });
  expect(shown(comp)).toEqual(['a']);
});

test('a failed next page keeps the rows shown, and retry asks for that page again', async () => {
  const { comp, pager, asked } = open();
  void pager.reload();
  await asked[0].answer({ rows: ['a'], nextCursor: 'p2' });
  void pager.loadMore();
  await asked[1].fail(new Error('socket hang up'));
  expect(comp.data.error).toBe(new PaykitError('INTERNAL').message);
  expect(shown(comp)).toEqual(['a']);
  expect(comp.data.finished).toBe(false);
  void pager.retry();
  expect(asked[2].cursor).toBe('p2');
  await asked[2].answer({ rows: ['b'], nextCursor: null });
  expect(shown(comp)).toEqual(['a', 'b']);
  expect(comp.data).toMatchObject({ error: '', finished: true });
});

test('refresh asks again for every page shown, from the first, and sends only the rows that changed', async () => {
  const { comp, pager, asked, calls } = open();
  void pager.refresh(); // nothing shown yet: the first page
  await asked[0].answer({ rows: ['a', 'b'], nextCursor: 'p2' });
  void pager.loadMore();
  await asked[1].answer({ rows: ['c', 'd'], nextCursor: 'p3' });
  void pager.loadMore();
  await asked[2].answer({ rows: ['e'], nextCursor: 'p4' });
  expect(shown(comp)).toEqual(['a', 'b', 'c', 'd', 'e']);

  const mark = calls.length;
  void pager.refresh();
  expect(comp.data.loading).toBe(true);
  await asked[3].answer({ rows: ['a', 'b'], nextCursor: 'p2' });
  // The rows stay shown until every page answered.
  expect(shown(comp)).toEqual(['a', 'b', 'c', 'd', 'e']);
  await asked[4].answer({ rows: ['c', 'D'], nextCursor: 'p3' });
  await asked[5].answer({ rows: ['e', 'f'], nextCursor: 'p4' });
  expect(asked.slice(3).map((a) => a.cursor)).toEqual([null, 'p2', 'p3']);
  expect(shown(comp)).toEqual(['a', 'b', 'c', 'D', 'e', 'f']);
  const keys = calls.slice(mark).flatMap((c) => c.keys);
  expect(keys.filter((k) => k.startsWith('rows'))).toEqual(['rows[3]', 'rows[5]']);
  expect(comp.data).toMatchObject({ loading: false, finished: false, firstAt: 6 });

  // Paging goes on after the pages refreshed.
  void pager.loadMore();
  expect(asked[6].cursor).toBe('p4');
});

test('a refresh of a list that got shorter replaces it, and stops at its end', async () => {
  const { comp, pager, asked } = open();
  void pager.reload();
  await asked[0].answer({ rows: ['a', 'b'], nextCursor: 'p2' });
  void pager.loadMore();
  await asked[1].answer({ rows: ['c', 'd'], nextCursor: null });

  void pager.refresh();
  await asked[2].answer({ rows: ['b', 'c'], nextCursor: null });
  expect(asked).toHaveLength(3);
  expect(shown(comp)).toEqual(['b', 'c']);
  expect(comp.data).toMatchObject({ loading: false, finished: true });
});

test('a next page on its way when a refresh starts is not appended; the refresh asks for the pages shown before it', async () => {
  const { comp, pager, asked } = open();
  void pager.reload();
  await asked[0].answer({ rows: ['a1'], nextCursor: 'a2' });
  void pager.loadMore();
  void pager.refresh(); // back on the page while the next page is on its way
  await asked[1].answer({ rows: ['a2'], nextCursor: 'a3' });
  expect(shown(comp)).toEqual(['a1']);
  expect(comp.data.loading).toBe(true);
  await asked[2].answer({ rows: ['b1'], nextCursor: 'b2' });
  expect(asked.map((a) => a.cursor)).toEqual([null, 'a2', null]);
  expect(shown(comp)).toEqual(['b1']);
  void pager.loadMore();
  expect(asked[3].cursor).toBe('b2');
});

/** A list showing two pages, `a` (cursor null) and `b` (cursor p2), with a third (p3) to come. */
async function twoPagesShown(): Promise<ReturnType<typeof open>> {
  const list = open();
  void list.pager.reload();
  await list.asked[0].answer({ rows: ['a'], nextCursor: 'p2' });
  void list.pager.loadMore();
  await list.asked[1].answer({ rows: ['b'], nextCursor: 'p3' });
  return list;
}

test('a pull-down overtaking a refresh drops it, even halfway through its pages', async () => {
  const { comp, pager, asked } = await twoPagesShown();

  void pager.refresh();
  await asked[2].answer({ rows: ['old-a'], nextCursor: 'p2' });
  void pager.reload();
  await asked[4].answer({ rows: ['new-a'], nextCursor: 'q2' });
  await asked[3].answer({ rows: ['old-b'], nextCursor: 'p3' });
  expect(asked).toHaveLength(5);
  expect(shown(comp)).toEqual(['new-a']);
  void pager.loadMore();
  expect(asked[5].cursor).toBe('q2');
});

test('a failed refresh keeps the rows shown, and retry asks for all their pages again', async () => {
  const { comp, pager, asked } = await twoPagesShown();

  void pager.refresh();
  await asked[2].answer({ rows: ['a'], nextCursor: 'p2' });
  await asked[3].fail(new PaykitError('NETWORK_ERROR'));
  expect(shown(comp)).toEqual(['a', 'b']);
  expect(comp.data).toMatchObject({ loading: false, error: new PaykitError('NETWORK_ERROR').message });
  // Nothing is appended to rows of unknown standing: reaching the bottom asks for nothing.
  void pager.loadMore();
  expect(asked).toHaveLength(4);

  void pager.retry();
  await asked[4].answer({ rows: ['a'], nextCursor: 'p2' });
  await asked[5].answer({ rows: ['B'], nextCursor: null });
  expect(asked.slice(4).map((a) => a.cursor)).toEqual([null, 'p2']);
  expect(shown(comp)).toEqual(['a', 'B']);
  expect(comp.data).toMatchObject({ error: '', finished: true });
});
