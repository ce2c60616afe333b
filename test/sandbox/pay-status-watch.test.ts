/** @jest-environment node */
/**
 * StatusWatch (sandbox/pay/status-watch.ts), behind `GET /sandbox/pay/notifications?waitMs=`: a waiter
 * re-reads its list only on a change that may concern it (its own order, or a change without a key),
 * so many waiters do not cost a query each on every other order's change.
 */
import { StatusWatch } from '../../sandbox/pay/status-watch';

const never = new Promise<void>(() => undefined);

/** A waiter on `key` whose list is `rows`, counting its reads. */
function waiter(watch: StatusWatch<string>, rows: string[], key?: string) {
  const counted = { reads: 0 };
  const answer = watch.waitFor(
    () => {
      counted.reads++;
      return [...rows];
    },
    10_000,
    never,
    key,
  );
  return { counted, answer };
}

test('a change of one order re-reads only the waiters on that order and the ones without a key', async () => {
  const watch = new StatusWatch<string>();
  const aRows: string[] = [];
  const bRows: string[] = [];
  const anyRows: string[] = [];
  const a = waiter(watch, aRows, 'ORDER-A');
  const b = waiter(watch, bRows, 'ORDER-B');
  const any = waiter(watch, anyRows);
  // Each read its list once when it started waiting.
  expect([a.counted.reads, b.counted.reads, any.counted.reads]).toEqual([1, 1, 1]);

  watch.changed('ORDER-B');
  expect([a.counted.reads, b.counted.reads, any.counted.reads]).toEqual([1, 2, 2]);

  aRows.push('delivered A');
  watch.changed('ORDER-A');
  await expect(a.answer).resolves.toEqual(['delivered A']);
  expect([a.counted.reads, b.counted.reads, any.counted.reads]).toEqual([2, 2, 3]);

  // A change without a key may concern anyone: every remaining waiter re-reads.
  bRows.push('delivered B');
  anyRows.push('something');
  watch.changed();
  await expect(b.answer).resolves.toEqual(['delivered B']);
  await expect(any.answer).resolves.toEqual(['something']);
  expect([a.counted.reads, b.counted.reads, any.counted.reads]).toEqual([2, 3, 4]);

  // Answered waiters are gone: a later change reads nothing.
  watch.changed('ORDER-A');
  expect([a.counted.reads, b.counted.reads, any.counted.reads]).toEqual([2, 3, 4]);
});

test('a waiter whose time is up answers an empty list and is no longer re-read', async () => {
  const watch = new StatusWatch<string>();
  let reads = 0;
  const answer = watch.waitFor(() => (reads++, []), 20, never, 'ORDER-C');
  await expect(answer).resolves.toEqual([]);
  watch.changed('ORDER-C');
  expect(reads).toBe(1);
});
