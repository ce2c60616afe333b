/** @jest-environment node */
/**
 * paykit/late-answers.ts: the two rules the pages keep for answers that come back after something
 * newer was shown (the pages' own suites run them against the sandbox, on a slow network).
 */
import { LatestLoad, RowAnswers } from '../../../miniprogram/paykit/late-answers';

test('only the newest load may show its answer; something newer shown drops them all', () => {
  const loads = new LatestLoad();
  const first = loads.next();
  expect(loads.isLatest(first)).toBe(true);
  const second = loads.next();
  expect(loads.isLatest(first)).toBe(false);
  expect(loads.isLatest(second)).toBe(true);
  // An action's answer shown meanwhile: the load on its way is older than it.
  loads.next();
  expect(loads.isLatest(second)).toBe(false);
});

test('an action’s answer for a row is newer than a page asked for before it, not than one asked after', () => {
  const answers = new RowAnswers<string>();
  const before = answers.asked();
  answers.answer('PK1', 'paid');
  const after = answers.asked();
  expect(answers.since('PK1', before)).toBe('paid');
  expect(answers.since('PK1', after)).toBeUndefined();
  expect(answers.since('PK2', before)).toBeUndefined();
  // Another answer for the row: the latest is what counts, newer than the page asked in between.
  answers.answer('PK1', 'refunded');
  expect(answers.since('PK1', after)).toBe('refunded');
  expect(answers.since('PK1', before)).toBe('refunded');
});
