/** @jest-environment node */
/**
 * The shipping control routes as an attacker and a careless caller meet them: every bad input is a
 * 4xx in the one error shape naming the valid values, a web page cannot change anything, nothing is
 * half-written; and the settings and orders survive a restart of the sandbox (the data folder).
 */
import { send, type SandboxErrorAnswer } from '../helpers/control';
import { startSandboxProcess, runCli, type CliRun } from '../helpers/sandbox';
import { expressUpload, startShippingSdk, type PaidOrder, type ShippingSdk } from '../helpers/shipping';

let sdk: ShippingSdk;
let order: PaidOrder;

beforeAll(async () => {
  sdk = await startShippingSdk();
  order = await sdk.paid();
});

afterAll(async () => {
  await sdk?.stop();
});

type Case = [method: string, route: string, body: unknown, status: number, message: RegExp];

// prettier-ignore
const CASES: Case[] = [
  ['POST', 'config', { enrolled: 'yes' }, 400, /enrolled must be a boolean; got "yes"/],
  ['POST', 'config', { unknownWindowMs: -1 }, 400, /unknownWindowMs must be a whole number ≥ 0/],
  ['POST', 'config', { autoConfirmDaysExpress: 1.5 }, 400, /autoConfirmDaysExpress must be a whole number/],
  ['POST', 'config', { maxPageSize: 0 }, 400, /maxPageSize must be ≥ 1/],
  ['POST', 'config', { itemDescLimit: 'words' }, 400, /itemDescLimit must be one of chars, bytes/],
  ['POST', 'config', { eventFunction: '../evil' }, 400, /eventFunction must be a function name/],
  ['POST', 'config', { enrolled: false, bogus: 1 }, 400, /unknown setting bogus; the settings are enrolled, /],
  ['POST', 'config', '{not json', 400, /not valid JSON/],
  ['POST', 'config', '[1]', 400, /must be a JSON object/],
  ['GET', 'orders?state=9', undefined, 400, /state must be one of 1, 2, 3, 4, 5, 6/],
  ['POST', 'confirm', { openid: 'o' }, 400, /transaction_id, or merchant_trade_no and mchid, is required/],
  ['POST', 'confirm', { transaction_id: 'x' }, 400, /openid must be a non-empty string/],
  ['POST', 'confirm', { transaction_id: 42, openid: 'o' }, 400, /transaction_id must be a string/],
  ['POST', 'confirm', { merchant_trade_no: 'x', openid: 'o' }, 400, /merchant_trade_no and mchid/],
  ['GET', 'events?event=nope', undefined, 400, /event must be one of trade_manage_remind_access_api, /],
  ['POST', 'events/emit', { event: 'wxa_trade_controlled' }, 400, /event must be one of /],
  ['POST', 'events/emit', {}, 400, /event must be one of /],
  ['POST', 'events/emit', { event: 'trade_manage_remind_shipping' }, 400, /needs transaction_id/],
  ['POST', 'events/emit', { event: 'trade_manage_order_settlement', transaction_id: '4200' }, 404, /no paid order 4200/],
  ['DELETE', 'config', undefined, 404, /no shipping route DELETE config \(routes: GET config/],
  ['GET', 'confirm', undefined, 404, /no shipping route GET confirm/],
];

test.each(CASES)('%s /sandbox/shipping/%s %j → %i', async (method, route, body, status, message) => {
  const answer = await sdk.control(method, route, body);
  expect(answer.status).toBe(status);
  expect((answer.body as SandboxErrorAnswer).error.message).toMatch(message);
});

test('after all of it: the settings are the defaults, nothing was pushed or confirmed', async () => {
  const config = await sdk.shippingConfig();
  expect(config).toEqual(
    expect.objectContaining({ enrolled: true, unknownWindowMs: 60_000, eventFunction: 'shippingEvents' }),
  );
  expect(await sdk.events({ transactionId: order.transactionId })).toEqual([]);
  const [found] = await sdk.orders({ transactionId: order.transactionId });
  expect(found.order_state).toBe(1);
  expect(sdk.sandbox.output()).not.toMatch(/\n\s+at /);
});

test('a web page cannot change the settings or confirm receipt (Origin, body type)', async () => {
  const url = `${sdk.base}/sandbox/shipping/config`;
  const evil = { origin: 'https://evil.example' };
  expect((await send('POST', url, { enrolled: false }, evil)).status).toBe(403);
  const plain = { 'content-type': 'text/plain' };
  expect((await send('POST', url, JSON.stringify({ enrolled: false }), plain)).status).toBe(415);
  const confirm = `${sdk.base}/sandbox/shipping/confirm`;
  const body = { transaction_id: order.transactionId, openid: order.openid };
  expect((await send('POST', confirm, body, evil)).status).toBe(403);
  expect((await sdk.shippingConfig()).enrolled).toBe(true);
});

test('/admin: a malformed cloud call is the tcb error envelope, a foreign page is refused', async () => {
  const call = { action: 'wx.openApi', apiName: 'wxa.sec.order.getOrder', requestData: '\u0080' };
  const garbled = await send<{ code: string; message: string }>('POST', `${sdk.base}/admin`, call);
  expect(garbled.body).toEqual(
    expect.objectContaining({ code: 'INVALID_PARAM', message: expect.stringMatching(/varint/) }),
  );
  const evil = await send('POST', `${sdk.base}/admin`, call, { origin: 'https://evil.example' });
  expect(evil.status).toBe(403);
  expect((await sdk.ship('isTradeManaged', { appid: 'wx0000000000sandbox' })).ok).toBe(true);
  expect(sdk.sandbox.output()).not.toMatch(/\n\s+at /);
});

/** `paykit-sandbox <args>` against this suite's sandbox: exit code and output. */
function cli(...args: string[]): Promise<CliRun> {
  return runCli(args, { url: sdk.base });
}

test('the CLI: shipping orders, config, confirm, emit, events', async () => {
  const shipped = await sdk.paid();
  expect((await sdk.ship('uploadShippingInfo', expressUpload(shipped), { raw: true })).ok).toBe(true);
  const list = await cli('shipping', '--state', '2');
  expect(list.code).toBe(0);
  expect(list.stdout).toContain(shipped.transactionId);
  expect(list.stdout).toContain('2 已发货');
  expect(list.stdout).not.toContain(order.transactionId);
  const set = await cli('shipping', 'config', 'unknownWindowMs=10000');
  expect(set.stdout).toMatch(/unknownWindowMs\s+10000/);
  expect((await cli('shipping', 'config', 'enrolled=maybe')).stderr).toMatch(/enrolled must be a boolean/);
  await sdk.shippingConfig({ unknownWindowMs: 60_000 });
  const stranger = await cli('shipping', 'confirm', shipped.transactionId, '--as', 'o-stranger');
  expect({ code: stranger.code, out: stranger.stderr }).toEqual({
    code: 1,
    out: expect.stringContaining('获取用户订单失败'),
  });
  const confirmed = await cli('shipping', 'confirm', shipped.transactionId);
  expect(confirmed.stdout).toContain('weappOrderConfirm: success');
  const emitted = await cli('shipping', 'emit', 'trade_manage_remind_shipping', order.transactionId);
  expect(emitted.stdout).toMatch(/→ shippingEvents: delivered/);
  const events = await cli('shipping', 'events');
  expect(events.stdout).toContain('trade_manage_order_settlement');
  expect((await cli('shipping', 'ship')).stderr).toMatch(/use one of orders, events, confirm, emit, config/);
});

test('settings and orders are kept in the data folder across a restart', async () => {
  const fresh = await sdk.paid();
  expect((await sdk.ship('uploadShippingInfo', expressUpload(fresh), { raw: true })).ok).toBe(true);
  await sdk.shippingConfig({ autoConfirmDaysExpress: 7 });
  await sdk.sandbox.stop();
  const again = await startSandboxProcess({ dataDir: sdk.sandbox.dataDir });
  try {
    const config = await send<Record<string, unknown>>('GET', `${again.url}/sandbox/shipping/config`);
    expect(config.body.autoConfirmDaysExpress).toBe(7);
    const orders = await send<{ orders: Array<Record<string, unknown>> }>(
      'GET',
      `${again.url}/sandbox/shipping/orders?transactionId=${fresh.transactionId}`,
    );
    expect(orders.body.orders[0]).toEqual(
      expect.objectContaining({
        order_state: 2,
        shipping: expect.objectContaining({ finish_shipping_count: 1 }),
      }),
    );
  } finally {
    await again.stop();
  }
});
