/** @jest-environment node */
/**
 * The kit on the `apiv3` provider, end to end through the sandbox's WeChat Pay APIv3 started as
 * `npm start -- --provider apiv3` does: a signed JSAPI order and an RSA paySign the payer's sheet
 * checks, the notification through the HTTP access route into payNotify (verified, decrypted,
 * confirmed by a query), close, refunds with their notifications into refundNotify, the trade bill
 * (SHA-1 checked) reconciled; and forged notifications refused.
 */
import { callAs, get, post, query } from '../helpers/control';
import { KitClient } from '../helpers/kit';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox';

let sandbox: SandboxProcess;
let kit: KitClient;
const ALICE = 'o-alice-v3';
const ADMIN = 'oPaykitLocalUser';

beforeAll(async () => {
  sandbox = await startSandboxProcess({ args: ['--provider', 'apiv3'] });
  kit = new KitClient(sandbox.url);
  await kit.clock('freeze');
});

afterAll(async () => {
  await sandbox?.stop();
});

const buy = (openid = ALICE, sku = 'coffee-latte') =>
  kit.ok(openid, 'unifiedOrder', { items: [{ sku, quantity: 1 }] });

async function buyAndPay(openid = ALICE) {
  const placed = await buy(openid);
  expect((await kit.pay(openid, placed.payment)).errMsg).toBe('requestPayment:ok');
  await kit.settle();
  expect((await kit.order(placed.orderNo))!.status).toBe('SUCCESS');
  return placed;
}

test('the order is signed with the merchant key and the payer gets an RSA paySign', async () => {
  const placed = await buy();
  expect(placed.totalFee).toBe(2800);
  expect(placed.payment).toEqual(
    expect.objectContaining({
      signType: 'RSA',
      package: expect.stringMatching(/^prepay_id=wx/),
      timeStamp: expect.stringMatching(/^\d{10}$/),
      paySign: expect.any(String),
    }),
  );
  expect(placed.payment).not.toHaveProperty('appId');
  // A paySign that is not the merchant's fails at the sheet, as WeChat's does.
  const forged = {
    ...placed.payment,
    paySign: placed.payment.paySign.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')),
  };
  expect((await kit.pay(ALICE, forged)).errMsg).toMatch(/^requestPayment:fail/);
  expect((await kit.order(placed.orderNo))!.status).toBe('NOTPAY');
});

test('paid: the notification reaches payNotify through the access route and the order is paid once', async () => {
  const placed = await buyAndPay();
  const view = await kit.ok(ALICE, 'queryOrder', { orderNo: placed.orderNo });
  expect(view.order).toEqual(
    expect.objectContaining({ status: 'SUCCESS', transactionId: expect.stringMatching(/^42/) }),
  );
  expect(
    await query(sandbox.url, 'paykit_hook_runs', { orderNo: placed.orderNo, hook: 'onPaid' }),
  ).toHaveLength(1);
  const logs = await get<{ logs: Array<{ name: string; result?: { statusCode?: number } }> }>(
    `${sandbox.url}/sandbox/logs?name=payNotify&limit=20`,
  );
  expect(logs.logs.some((l) => l.result?.statusCode === 204)).toBe(true);
  const outTradeNo = `${placed.orderNo}A01`;
  const { deliveries } = await get<{ deliveries: Array<Record<string, unknown>> }>(
    `${sandbox.url}/sandbox/pay/deliveries?kind=payment`,
  );
  // WeChat's side: one delivery to the notify URL on the access domain, signed, acknowledged with 204.
  expect(deliveries.filter((d) => d.outTradeNo === outTradeNo)).toEqual([
    expect.objectContaining({
      envId: '@apiv3',
      functionName: expect.stringMatching(/^https:\/\/.*\.app\.tcloudbase\.com\/paykit\/v3\/notify$/),
      outcome: 'ok',
      answer: expect.objectContaining({ status: 204 }),
    }),
  ]);
});

test('a notification payNotify answers too late for WeChat: settle waits for it; the retry changes nothing', async () => {
  // What a loaded machine does to WeChat's 5 s limit, made certain: no function answers within 1 ms.
  await post(`${sandbox.url}/sandbox/v3/config`, { notifyTimeoutMs: 1 });
  let placed: Awaited<ReturnType<typeof buy>>;
  try {
    placed = await buy();
    expect((await kit.pay(ALICE, placed.payment)).errMsg).toBe('requestPayment:ok');
    await kit.settle();
  } finally {
    await post(`${sandbox.url}/sandbox/v3/config`, { notifyTimeoutMs: 5000 });
  }
  const outTradeNo = `${placed.orderNo}A01`;
  const deliveries = async () =>
    (
      await get<{ deliveries: Array<{ outTradeNo: string; outcome: string; error?: string }> }>(
        `${sandbox.url}/sandbox/pay/deliveries?kind=payment`,
      )
    ).deliveries.filter((d) => d.outTradeNo === outTradeNo);
  expect(await deliveries()).toEqual([
    expect.objectContaining({ outcome: 'error', error: 'no answer within 1 ms' }),
  ]);
  // The function went on and finished before settle answered: paid, goods delivered, once.
  const order = await kit.order<{ status: string; fulfilment: { state: string } }>(placed.orderNo);
  expect(order).toEqual(
    expect.objectContaining({ status: 'SUCCESS', fulfilment: expect.objectContaining({ state: 'DONE' }) }),
  );
  const onPaidRuns = () =>
    query(sandbox.url, 'paykit_hook_runs', { orderNo: placed.orderNo, hook: 'onPaid' });
  expect(await onPaidRuns()).toHaveLength(1);
  // WeChat retries (15 s later, §3.1): acknowledged, and the goods are not delivered again.
  await kit.clock('advance', { ms: 60_000 });
  await kit.settle();
  expect((await deliveries()).map((d) => d.outcome)).toEqual(['error', 'ok']);
  expect(await onPaidRuns()).toHaveLength(1);
});

test('a lost notification is recovered by queryOrder', async () => {
  const placed = await buy();
  await post(`${sandbox.url}/sandbox/pay/callbacks`, { mode: 'drop', count: 1 });
  expect((await kit.pay(ALICE, placed.payment)).errMsg).toBe('requestPayment:ok');
  await kit.settle();
  expect((await kit.order(placed.orderNo))!.status).toBe('NOTPAY');
  expect((await kit.ok(ALICE, 'queryOrder', { orderNo: placed.orderNo })).order.status).toBe('SUCCESS');
});

test('close after five minutes closes the trade at WeChat', async () => {
  const placed = await buy();
  await kit.clock('advance', { ms: 6 * 60_000 });
  const closed = await kit.ok(ALICE, 'closeOrder', { orderNo: placed.orderNo });
  expect(closed.order.status).toBe('CLOSED');
  const outTradeNo = String((await kit.order(placed.orderNo))!.outTradeNo);
  expect((await kit.trade(outTradeNo))!.state).toBe('CLOSED');
});

test('refunds: refundNotify settles them after asking WeChat; onRefunded runs once', async () => {
  const placed = await buyAndPay();
  const { refundNo } = await kit.ok(ADMIN, 'refund', { orderNo: placed.orderNo, refundFee: 800 });
  await kit.settle();
  const order = (await kit.order<{
    status: string;
    refunds: Array<{ status: string; hook?: { state: string } }>;
  }>(placed.orderNo))!;
  expect(order.status).toBe('REFUND');
  expect(order.refunds[0]).toEqual(
    expect.objectContaining({ status: 'SUCCESS', hook: expect.objectContaining({ state: 'DONE' }) }),
  );
  expect(await query(sandbox.url, 'paykit_hook_runs', { orderNo: placed.orderNo, refundNo })).toHaveLength(1);
});

test('a forged notification is refused with 4xx and changes nothing', async () => {
  const placed = await buy();
  const body = JSON.stringify({ id: 'EV-forged', resource: { ciphertext: 'AAAA', nonce: 'abcdefghijkl' } });
  for (const fn of ['payNotify', 'refundNotify']) {
    const answer = await callAs<{ statusCode: number; body: string }>(sandbox.url, ALICE, fn, {
      httpMethod: 'POST',
      path: '/paykit/v3/notify',
      headers: {
        'wechatpay-timestamp': String(Math.floor(Date.now() / 1000)),
        'wechatpay-nonce': 'n',
        'wechatpay-serial': 'PUB_KEY_ID_0000',
        'wechatpay-signature': 'AAAA',
      },
      body,
      isBase64Encoded: false,
    });
    expect(answer.statusCode).toBe(401);
    expect(JSON.parse(answer.body)).toEqual({ code: 'FAIL', message: '验签失败' });
  }
  expect((await kit.order(placed.orderNo))!.status).toBe('NOTPAY');
  expect(await query(sandbox.url, 'paykit_notifications', { orderNo: placed.orderNo })).toHaveLength(0);
});

test("the day's trade bill is applied for, downloaded, SHA-1 checked and reconciled", async () => {
  const placed = await buyAndPay();
  const { now } = await kit.clock('advance', { ms: 0 });
  const day = new Date(now + 8 * 3600_000).toISOString().slice(0, 10);
  // Bills are out at 10:00 Beijing the next day.
  const next = Date.UTC(
    Number(day.slice(0, 4)),
    Number(day.slice(5, 7)) - 1,
    Number(day.slice(8, 10)) + 1,
    2,
    5,
  );
  await kit.clock('set', { at: next });
  const { report } = await kit.ok(ADMIN, 'downloadBill', { billDate: day.replace(/-/g, '') });
  expect(report.billExists).toBe(true);
  expect(report.payments.count).toBeGreaterThanOrEqual(1);
  expect(report.summaryMatches).toBe(true);
  expect(report.discrepancies.filter((d) => d.orderNo === placed.orderNo)).toEqual([]);
});
