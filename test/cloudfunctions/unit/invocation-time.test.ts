/** @jest-environment node */
/**
 * How long the kit waits for WeChat Pay: within the invocation's time limit (SCF's
 * context.time_limit_in_ms), keeping time to record and answer; a call with too little time left
 * is not started (PAY_PROVIDER_ERROR, as when WeChat does not answer). The time here is jest's fake
 * clock, which performance.now() follows.
 */
import {
  ANSWER_RESERVE_MS,
  InvocationTime,
  MIN_HOOK_MS,
  MIN_PAY_WAIT_MS,
  RUN_RESERVE_MS,
} from '../../../cloudfunctions/common/invocation-time';
import { ServerError } from '../../../cloudfunctions/common/errors';

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

/** What `run` throws (fails the test if it throws nothing). */
function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

test('a call may take what is left of the limit less the reserve', () => {
  const time = new InvocationTime();
  time.begin({ time_limit_in_ms: 10_000 });
  expect(time.payWaitMs('query')).toBe(10_000 - ANSWER_RESERVE_MS);
  jest.advanceTimersByTime(5000);
  expect(time.payWaitMs('close')).toBe(10_000 - 5000 - ANSWER_RESERVE_MS);
  jest.advanceTimersByTime(10_000 - 5000 - ANSWER_RESERVE_MS - MIN_PAY_WAIT_MS);
  expect(time.payWaitMs('jsapi')).toBe(MIN_PAY_WAIT_MS);
});

test('with too little time left the call is not started: a retryable PAY_PROVIDER_ERROR naming it', () => {
  const time = new InvocationTime();
  time.begin({ time_limit_in_ms: 10_000 });
  jest.advanceTimersByTime(10_000 - ANSWER_RESERVE_MS - MIN_PAY_WAIT_MS + 1);
  const err = thrown(() => time.payWaitMs('cloudPay.closeOrder'));
  expect(err).toBeInstanceOf(ServerError);
  expect(err).toMatchObject({
    code: 'PAY_PROVIDER_ERROR',
    message: expect.stringMatching(/^cloudPay\.closeOrder: too little of the function's time is left/),
  });
});

test("a shipping call's wait is the same, and undefined (not started) with too little left", () => {
  const time = new InvocationTime();
  time.begin({ time_limit_in_ms: 10_000 });
  expect(time.callWaitMs()).toBe(10_000 - ANSWER_RESERVE_MS);
  jest.advanceTimersByTime(10_000 - ANSWER_RESERVE_MS - MIN_PAY_WAIT_MS);
  expect(time.callWaitMs()).toBe(MIN_PAY_WAIT_MS);
  jest.advanceTimersByTime(1);
  expect(time.callWaitMs()).toBeUndefined();
  time.begin(undefined);
  expect(time.callWaitMs()).toBe(Infinity);
});

test('each invocation counts from its own start', () => {
  const time = new InvocationTime();
  time.begin({ time_limit_in_ms: 3000 });
  jest.advanceTimersByTime(2500);
  expect(thrown(() => time.payWaitMs('query'))).toBeInstanceOf(ServerError);
  time.begin({ time_limit_in_ms: 3000 });
  expect(time.payWaitMs('query')).toBe(3000 - ANSWER_RESERVE_MS);
});

test('a merchant hook starts only with MIN_HOOK_MS left beyond the reserve; without a limit, always', () => {
  const time = new InvocationTime();
  time.begin({ time_limit_in_ms: 10_000 });
  jest.advanceTimersByTime(10_000 - ANSWER_RESERVE_MS - MIN_HOOK_MS);
  expect(time.hasTimeForHook()).toBe(true);
  jest.advanceTimersByTime(1);
  expect(time.hasTimeForHook()).toBe(false);
  time.begin({});
  jest.advanceTimersByTime(3_600_000);
  expect(time.hasTimeForHook()).toBe(true);
});

test('a call not started for lack of time says so: WeChat was not asked', () => {
  const time = new InvocationTime();
  time.begin({ time_limit_in_ms: 10_000 });
  jest.advanceTimersByTime(9000);
  expect(thrown(() => time.payWaitMs('cloudPay.queryOrder'))).toMatchObject({ notStarted: true });
});

test("a run of many items (the sweep, the bill catch-up) keeps to the invocation's time less RUN_RESERVE_MS; the fixed figure only without a limit", () => {
  const time = new InvocationTime();
  time.begin({ time_limit_in_ms: 20_000 });
  expect(time.runBudgetMs(40_000)).toBe(20_000 - RUN_RESERVE_MS);
  jest.advanceTimersByTime(6000);
  expect(time.runBudgetMs(40_000)).toBe(14_000 - RUN_RESERVE_MS);
  jest.advanceTimersByTime(14_000 - RUN_RESERVE_MS + 1);
  expect(time.runBudgetMs(40_000)).toBeLessThan(0);
  time.begin({});
  jest.advanceTimersByTime(3_600_000);
  expect(time.runBudgetMs(40_000)).toBe(40_000);
});

test('a claim lapses when the platform stops its invocation, never sooner than the lease; the lease alone without a limit', () => {
  const time = new InvocationTime();
  // The claim's time is the function's Date (in the sandbox maybe a test clock), not performance.now().
  const claimedAt = new Date(Date.UTC(2024, 2, 15, 2, 30));
  const after = (ms: number) => new Date(claimedAt.getTime() + ms);
  time.begin({ time_limit_in_ms: 300_000 });
  jest.advanceTimersByTime(90_000);
  expect(time.claimLapsesAt(claimedAt, 60_000)).toEqual(after(210_000));
  jest.advanceTimersByTime(200_000);
  expect(time.claimLapsesAt(claimedAt, 60_000)).toEqual(after(60_000));
  time.begin({});
  expect(time.claimLapsesAt(claimedAt, 60_000)).toEqual(after(60_000));
});

test.each([[undefined], [null], [{}], [{ time_limit_in_ms: '10000' }], [{ time_limit_in_ms: -1 }]])(
  'a context without a usable limit (%j) bounds no call',
  (context) => {
    const time = new InvocationTime();
    time.begin(context);
    jest.advanceTimersByTime(3_600_000);
    expect(time.payWaitMs('query')).toBe(Infinity);
  },
);
