/** @jest-environment node */
/**
 * Bad input to the sandbox (issue 11 #4): every control route and the gateway answer a 4xx in the
 * one error shape `{ error: { code, message } }`, the message naming the valid values; the sandbox
 * stays up and prints no stack trace. The CLI prints the sandbox's message and exits 1.
 */
import { send, type SandboxErrorAnswer } from '../helpers/control';
import { startPaySdk, type PaySdk } from '../helpers/paysdk';
import { runCli, type CliRun } from '../helpers/sandbox';
import { SUB_MCH_ID } from '../helpers/constants';

let sdk: PaySdk;

beforeAll(async () => {
  sdk = await startPaySdk();
});

afterAll(async () => {
  await sdk?.stop();
});

type Case = [method: string, route: string, body: unknown, status: number, code: string, message: RegExp];

// One line per case: the table reads as the list of what is refused and why.
// prettier-ignore
const CASES: Case[] = [
  ['POST', '/sandbox/clock', { action: 'advance', ms: -100 }, 400, 'INVALID_PARAM', /ms must be a whole number ≥ 0/],
  ['POST', '/sandbox/clock', { action: 'advance', ms: 'soon' }, 400, 'INVALID_PARAM', /ms must be a whole number/],
  ['POST', '/sandbox/clock', { action: 'advance' }, 400, 'INVALID_PARAM', /advance needs ms/],
  ['POST', '/sandbox/clock', { action: 'rewind' }, 400, 'INVALID_PARAM', /action must be one of freeze, resume, advance, set, reset/],
  ['POST', '/sandbox/clock', {}, 400, 'INVALID_PARAM', /action must be one of freeze, resume, advance, set, reset/],
  ['POST', '/sandbox/clock', { action: 'set', at: 'tomorrow' }, 400, 'INVALID_PARAM', /at must be a whole number/],
  ['POST', '/sandbox/clock', { action: 'set', at: 1e20 }, 400, 'INVALID_PARAM', /at must be/],
  ['POST', '/sandbox/db/query', { where: 'x' }, 400, 'INVALID_PARAM', /collection must be a non-empty string/],
  ['POST', '/sandbox/db/query', { collection: 'paykit_orders', where: 'x' }, 400, 'INVALID_PARAM', /where must be an object/],
  ['POST', '/sandbox/db/query', { collection: 'paykit_orders', where: { $nope: 1 } }, 400, 'INVALID_PARAM', /where is not a valid query/],
  ['POST', '/sandbox/db/query', { collection: '../etc', where: {} }, 400, 'INVALID_PARAM', /invalid collection name/],
  ['POST', '/sandbox/db/import', { orders: 'x' }, 400, 'INVALID_PARAM', /orders must be an array of documents/],
  ['POST', '/sandbox/db/import', { orders: [1] }, 400, 'INVALID_PARAM', /must be an object/],
  ['POST', '/sandbox/db/import', { 'bad name!': [] }, 400, 'INVALID_PARAM', /invalid collection name/],
  ['POST', '/sandbox/db/import', '{"__proto__":[{"_id":"x"}]}', 400, 'INVALID_PARAM', /invalid collection name "__proto__"/],
  ['POST', '/sandbox/db/import?replace=yes', {}, 400, 'INVALID_PARAM', /replace must be one of 1, 0, true, false/],
  ['GET', '/sandbox/db/export?collections=a%20b', undefined, 400, 'INVALID_PARAM', /invalid collection name/],
  ['GET', '/sandbox/db/bad%20name/x', undefined, 400, 'INVALID_PARAM', /invalid collection name/],
  ['GET', '/sandbox/db/a/b/c', undefined, 404, 'NOT_FOUND', /GET export, POST import, POST query/],
  ['POST', '/sandbox/pay/callbacks', { mode: 'drop', count: 0 }, 400, 'INVALID_PARAM', /count must be a whole number ≥ 1/],
  ['POST', '/sandbox/pay/callbacks', { mode: 'scramble' }, 400, 'INVALID_PARAM', /mode must be one of drop, delay, duplicate, hold/],
  ['POST', '/sandbox/pay/callbacks', { mode: 'delay' }, 400, 'INVALID_PARAM', /mode delay needs delayMs/],
  ['POST', '/sandbox/pay/callbacks', { mode: 'drop', delayMs: 5 }, 400, 'INVALID_PARAM', /delayMs applies to mode delay/],
  ['POST', '/sandbox/pay/callbacks', { mode: 'drop', kind: 'both' }, 400, 'INVALID_PARAM', /kind must be one of payment, refund/],
  ['POST', '/sandbox/pay/callbacks/release', { order: 'random' }, 400, 'INVALID_PARAM', /order must be one of fifo, reverse/],
  ['POST', '/sandbox/pay/callbacks/resend', { id: -1 }, 400, 'INVALID_PARAM', /id must be a whole number ≥ 1/],
  ['POST', '/sandbox/pay/callbacks/resend', { id: 999999 }, 404, 'NOT_FOUND', /no notification 999999/],
  ['POST', '/sandbox/pay/faults', { api: 'foo', error: 'bar' }, 400, 'INVALID_PARAM', /unknown api "foo"; use one of \*, unifiedOrder, queryOrder, closeOrder, refund, queryRefund, downloadBill, v3.jsapi, .*, refundResult/],
  ['POST', '/sandbox/pay/faults', { api: 'refund', error: 'bar' }, 400, 'INVALID_PARAM', /unknown error "bar" for refund; use one of TIMEOUT, RETURN_FAIL, .*SYSTEMERROR/],
  ['POST', '/sandbox/pay/faults', { api: 'refundResult', error: 'SYSTEMERROR' }, 400, 'INVALID_PARAM', /use one of REFUNDCLOSE, CHANGE/],
  ['POST', '/sandbox/pay/faults', { api: 'refund', error: 'SYSTEMERROR', count: 0 }, 400, 'INVALID_PARAM', /count must be a whole number ≥ 1/],
  ['POST', '/sandbox/pay/faults', { api: 'refund', error: 'SYSTEMERROR', afterProcessing: 'yes' }, 400, 'INVALID_PARAM', /afterProcessing must be true or false/],
  ['POST', '/sandbox/pay/faults', { error: 'SYSTEMERROR' }, 400, 'INVALID_PARAM', /api must be a non-empty string/],
  ['POST', '/sandbox/pay/faults', { api: 'queryOrder', error: 'SLOW' }, 400, 'INVALID_PARAM', /SLOW needs delayMs, a whole number of ms from 1 to 60000; got undefined/],
  ['POST', '/sandbox/pay/faults', { api: 'v3.refund', error: 'SLOW', delayMs: '5s' }, 400, 'INVALID_PARAM', /delayMs must be a whole number ≥ 1; got "5s"/],
  ['POST', '/sandbox/pay/faults', { api: 'v3.refund', error: 'SLOW', delayMs: 0 }, 400, 'INVALID_PARAM', /delayMs must be a whole number ≥ 1; got 0/],
  ['POST', '/sandbox/pay/faults', { api: '*', error: 'SLOW', delayMs: 3_600_000 }, 400, 'INVALID_PARAM', /SLOW needs delayMs, a whole number of ms from 1 to 60000; got 3600000/],
  ['POST', '/sandbox/pay/faults', { api: 'refund', error: 'TIMEOUT', delayMs: 100 }, 400, 'INVALID_PARAM', /delayMs applies to SLOW, not TIMEOUT/],
  ['POST', '/sandbox/pay/faults', { api: 'refund', error: 'SLOW', delayMs: 100, afterProcessing: true }, 400, 'INVALID_PARAM', /afterProcessing does not apply/],
  ['POST', '/sandbox/pay/faults', { api: 'refundResult', error: 'SLOW', delayMs: 100 }, 400, 'INVALID_PARAM', /use one of REFUNDCLOSE, CHANGE/],
  ['POST', '/sandbox/pay/faults', { api: 'shipping.uploadShippingInfo', error: 'SLOW' }, 400, 'INVALID_PARAM', /SLOW needs delayMs, a whole number of ms from 1 to 60000; got undefined/],
  ['POST', '/sandbox/pay/faults', { api: 'shipping.getOrder', error: 'TIMEOUT' }, 400, 'INVALID_PARAM', /unknown error "TIMEOUT" for shipping.getOrder; use one of SLOW/],
  ['POST', '/sandbox/pay/faults', { api: 'shipping.uploadCombinedShippingInfo', error: 'SLOW', delayMs: 100 }, 400, 'INVALID_PARAM', /unknown api "shipping.uploadCombinedShippingInfo"; use one of \*, .*shipping\.isTradeManaged, refundResult/],
  ['POST', '/sandbox/pay/act', { package: 'prepay_id=wx1', openid: 'o', action: 'steal' }, 400, 'INVALID_PARAM', /action must be one of pay, cancel, fail, notenough, slow/],
  ['POST', '/sandbox/pay/refunds', {}, 400, 'INVALID_PARAM', /outTradeNo must be a non-empty string/],
  ['POST', '/sandbox/pay/refunds', { outTradeNo: 'NOSUCHTRADE01', refundFee: 0 }, 400, 'INVALID_PARAM', /refundFee must be a whole number ≥ 1/],
  ['POST', '/sandbox/pay/refunds', { outTradeNo: 'NOSUCHTRADE01', refundFee: 1.5 }, 400, 'INVALID_PARAM', /refundFee must be a whole number ≥ 1/],
  ['POST', '/sandbox/pay/refunds', { outTradeNo: 'NOSUCHTRADE01', subMchId: "1' OR 1=1" }, 400, 'INVALID_PARAM', /subMchId must be a merchant number/],
  ['POST', '/sandbox/pay/refunds', { outTradeNo: 'NOSUCHTRADE01', reason: '退'.repeat(30) }, 400, 'INVALID_PARAM', /reason must be at most 80 bytes/],
  ['POST', '/sandbox/pay/refunds', { outTradeNo: 'NOSUCHTRADE01' }, 404, 'NOT_FOUND', /no trade NOSUCHTRADE01/],
  ['POST', '/sandbox/pay/config', { queryRefundStyle: 'nah' }, 400, 'INVALID_PARAM', /queryRefundStyle must be one of lists, emptyLists, indexed/],
  ['POST', '/sandbox/pay/config', { refundProcessingMs: -1 }, 400, 'INVALID_PARAM', /refundProcessingMs must be a non-negative number/],
  ['POST', '/sandbox/pay/config', { retryScheduleMs: ['x'] }, 400, 'INVALID_PARAM', /retryScheduleMs must be an array of non-negative numbers/],
  ['POST', '/sandbox/pay/config', { bogus: 1 }, 400, 'INVALID_PARAM', /unknown setting bogus; the settings are providerMchId, .*refundAuthorized/],
  ['GET', '/sandbox/pay/trades?state=BOGUS', undefined, 400, 'INVALID_PARAM', /state must be one of NOTPAY, SUCCESS, REFUND, CLOSED/],
  ['GET', '/sandbox/pay/deliveries?kind=foo', undefined, 400, 'INVALID_PARAM', /kind must be one of payment, refund/],
  ['GET', '/sandbox/pay/notifications?status=lost', undefined, 400, 'INVALID_PARAM', /status must be one of pending, inflight, delivered, abandoned, held/],
  ['GET', '/sandbox/pay/nothing', undefined, 404, 'NOT_FOUND', /no pay route GET nothing \(routes: GET trades/],
  ['GET', '/sandbox/logs?limit=-3', undefined, 400, 'INVALID_PARAM', /limit must be a whole number ≥ 1/],
  ['POST', '/sandbox/functions/nope/invoke', {}, 404, 'NOT_FOUND', /no function "nope"; the functions are cloudpay, flakyCallback/],
  ['POST', '/sandbox/functions/cloudpay/invoke', { source: 'evil' }, 400, 'INVALID_PARAM', /source must be one of wx_devtools, wx_client, scf, timer, wx_pay/],
  ['GET', '/sandbox/functions/cloudpay/invoke', undefined, 405, 'METHOD_NOT_ALLOWED', /takes POST/],
  ['DELETE', '/sandbox/clock', undefined, 405, 'METHOD_NOT_ALLOWED', /takes GET or POST/],
  ['GET', '/sandbox/frobnicate', undefined, 404, 'NOT_FOUND', /areas: status, functions, triggers, logs, db, clock, pay/],
  ['POST', '/sandbox/clock', '{not json', 400, 'INVALID_PARAM', /not valid JSON/],
  ['POST', '/sandbox/clock', '[1]', 400, 'INVALID_PARAM', /must be a JSON object/],
  ['POST', '/gateway/call', { openid: 'o' }, 400, 'INVALID_PARAM', /name must be a non-empty string/],
  ['POST', '/gateway/call', { name: 'cloudpay', openid: 'o', data: 'x' }, 400, 'INVALID_PARAM', /data must be an object/],
  ['POST', '/gateway/call', { name: 'nope', openid: 'o' }, 404, 'FUNCTIONS_REQUEST_FAIL', /FunctionName parameter could not be found: nope/],
  ['POST', '/gateway/pay', { package: 'prepay_id=wx1', openid: 'o', action: 'steal' }, 400, 'INVALID_PARAM', /action must be one of pay, cancel, fail, notenough, slow/],
  ['GET', '/gateway/call', undefined, 405, 'METHOD_NOT_ALLOWED', /takes POST/],
  ['POST', '/gateway/nothing', {}, 404, 'NOT_FOUND', /POST \/gateway\/call, \/gateway\/pay/],
  ['GET', '/nothing', undefined, 404, 'NOT_FOUND', /no route for GET \/nothing/],
  ['GET', '/%E0%A4%A', undefined, 400, 'INVALID_PARAM', /the path holds a malformed percent-escape: "\/%E0%A4%A"/],
  ['GET', '/paykit/%E0%A4%A', undefined, 400, 'INVALID_PARAM', /the path holds a malformed percent-escape/],
  ['GET', '/sandbox/dashboard/orders?cursor=9999999999999999_PK', undefined, 400, 'INVALID_PARAM', /cursor is not one this route gave/],
  ['GET', '/sandbox/dashboard/orders/%E0%A4%A', undefined, 400, 'INVALID_PARAM', /the order number holds a malformed percent-escape: "%E0%A4%A"/],
];

describe('every bad input is a 4xx in the one error shape, naming the valid values', () => {
  test.each(CASES)('%s %s %j → %i %s', async (method, route, body, status, code, message) => {
    const answer = await send<SandboxErrorAnswer>(method, `${sdk.base}${route}`, body);
    expect({ status: answer.status, code: answer.body?.error?.code }).toEqual({ status, code });
    expect(answer.body.error.message).toMatch(message);
  });

  test('a failed gateway call also says what wx.cloud.callFunction would', async () => {
    const answer = await send<SandboxErrorAnswer>('POST', `${sdk.base}/gateway/call`, {
      name: 'nope',
      openid: 'o',
    });
    expect(answer.body.error).toMatchObject({
      errCode: -504001,
      errMsg: expect.stringMatching(/^cloud\.callFunction:fail/),
    });
  });

  test('after all of it the sandbox is up, unchanged, and printed no stack trace', async () => {
    const status = await send<{ clock: { now: number } }>('GET', `${sdk.base}/sandbox/status`);
    expect(status.status).toBe(200);
    const faults = await send<{ api: unknown[]; callbacks: unknown[] }>(
      'GET',
      `${sdk.base}/sandbox/pay/faults`,
    );
    expect(faults.body).toEqual({ api: [], callbacks: [] });
    const config = await send<{ queryRefundStyle: string }>('GET', `${sdk.base}/sandbox/pay/config`);
    expect(config.body.queryRefundStyle).toBe('lists');
    expect(sdk.sandbox.output()).not.toMatch(/\n\s+at /);
    expect(sdk.sandbox.output()).not.toContain('[sandbox]');
  });
});

function cli(...args: string[]): Promise<CliRun> {
  return runCli(args, { url: sdk.base });
}

describe('the CLI prints the sandbox message and exits 1', () => {
  test.each([
    [['fault', 'foo', 'bar'], /unknown api "foo"; use one of \*, unifiedOrder, queryOrder/],
    [
      ['fault', 'queryOrder', 'bogus'],
      /unknown error "bogus" for queryOrder; use one of TIMEOUT, RETURN_FAIL/,
    ],
    [['deliveries', '--kind', 'foo'], /kind must be one of payment, refund/],
    [['trades', '--state', 'BOGUS'], /state must be one of NOTPAY, SUCCESS, REFUND, CLOSED/],
  ])('%j', async (args, message) => {
    const run = await cli(...args);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toMatch(/^the sandbox refused .* \(400 INVALID_PARAM\): /);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  test('a mistyped option is refused, naming the options of the command', async () => {
    const run = await cli('trades', '--stat', 'SUCCESS');
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      'trades has no option --stat: its options are --out-trade-no, --state (and --url, --token, --json)',
    );
  });

  test('fault names are matched without regard to case: "queryorder timeout" is queryOrder TIMEOUT, a platform time-out', async () => {
    const run = await cli('fault', 'queryorder', 'timeout');
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('the next 1 queryOrder call will fail with TIMEOUT');
    // The SDK sees the platform's time-out (tcb -501002), not a business FAIL named "timeout".
    const answer = await sdk.cloudPay('queryOrder', {
      subMchId: SUB_MCH_ID,
      outTradeNo: 'NOSUCHTRADE',
      nonceStr: 'n',
    });
    expect(answer).toMatchObject({ ok: false, errCode: -501002, errMsg: expect.stringMatching(/timeout/) });
    expect(sdk.sandbox.output()).not.toMatch(/\n\s+at /);
  });
});
