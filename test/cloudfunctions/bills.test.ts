/** @jest-environment node */
/**
 * Reconciliation end to end: a day with every kind of discrepancy, WeChat's bill from the
 * sandbox, the kit's downloadBill (admin only) and the daily reconcileBills timer with repair.
 */
import cloud from 'wx-server-sdk';
import type { Discrepancy } from '../../typings/paykit/bill';
import { post, query, readDoc, seed } from '../helpers/control';
import type { PaymentParams } from '../../typings/paykit/functions';
import { KitClient, merchantArgs, PROVIDER, providerArgs } from '../helpers/kit';
import { readMerchant, V3Client } from '../helpers/v3client';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox';
import { SUB_MCH_ID } from '../helpers/constants';

// Without it the SDK probes metadata.tencentyun.com on every request; SILENCE stops its slow-call timer.
process.env.TENCENTCLOUD = 'true';
process.env.SILENCE = 'true';

let sandbox: SandboxProcess;
let kit: KitClient;
const ALICE = 'o-alice-bill';
const ADMIN = 'o-admin-bill';

beforeAll(async () => {
  // Orders stay payable for a week here, so the sweep timer does not find the lost payment when it
  // closes expired orders: the bill must.
  sandbox = await startSandboxProcess({
    args: [...merchantArgs(ADMIN, ['PAYKIT_ORDER_TTL_MINUTES=10080']), ...providerArgs()],
  });
  kit = new KitClient(sandbox.url);
  await seed(sandbox.url, { paykit_products: [{ _id: 'cake', name: '蛋糕', price: 3200, active: true }] });
  // A fixed Beijing time after the daily 10:30 reconciliation, so the whole test day is one bill
  // day and the jump to the next morning does not pass a reconciliation.
  await kit.clock('freeze', { at: Date.UTC(2026, 10, 20, 11 - 8, 0, 0) });
  cloud.init({
    env: sandbox.envId,
    serviceUrl: `${sandbox.url}/admin`,
    secretId: 'x',
    secretKey: 'y',
  } as never);
});

afterAll(async () => {
  await sandbox?.stop();
});

/** Another system of the same merchant takes a payment through WeChat Pay, not through the kit. */
async function foreignPayment(outTradeNo: string, totalFee: number, openid: string): Promise<void> {
  if (PROVIDER === 'apiv3') {
    const v3 = v3Client();
    const order = await v3.order(outTradeNo, {
      amount: { total: totalFee, currency: 'CNY' },
      payer: { openid },
    });
    expect(order.status).toBe(200);
    await kit.pay(openid, v3.payment(String(order.json.prepay_id)) as unknown as PaymentParams);
    return;
  }
  const foreign = (await cloud.cloudPay.unifiedOrder({
    body: '别处的订单',
    outTradeNo,
    totalFee,
    spbillCreateIp: '127.0.0.1',
    subMchId: SUB_MCH_ID,
    envId: sandbox.envId,
    functionName: 'nowhere',
    nonceStr: 'n',
    tradeType: 'JSAPI',
    subOpenid: openid,
  })) as { payment?: { package: string } };
  await kit.pay(openid, foreign.payment!.package);
}

/** Someone refunds at WeChat Pay directly (the merchant platform, another system). */
async function refundBehindTheKit(
  outTradeNo: string,
  outRefundNo: string,
  totalFee: number,
  refundFee: number,
) {
  if (PROVIDER === 'apiv3') {
    const answer = await v3Client().post('/v3/refund/domestic/refunds', {
      out_trade_no: outTradeNo,
      out_refund_no: outRefundNo,
      amount: { refund: refundFee, total: totalFee, currency: 'CNY' },
    });
    expect(answer.status).toBe(200);
    return;
  }
  const refund = (await cloud.cloudPay.refund({
    subMchId: SUB_MCH_ID,
    outTradeNo,
    outRefundNo,
    totalFee,
    refundFee,
    envId: sandbox.envId,
    functionName: 'nowhere',
    nonceStr: 'n',
  })) as { resultCode?: string };
  expect(refund.resultCode).toBe('SUCCESS');
}

/** The sandbox's test merchant signing its own APIv3 requests. */
function v3Client(): V3Client {
  const merchant = readMerchant(sandbox.dataDir);
  return new V3Client(sandbox.url, merchant, merchant.publicKeyId);
}

async function paidOrder() {
  const placed = await kit.ok(ALICE, 'unifiedOrder', { items: [{ sku: 'cake', quantity: 1 }] });
  await kit.pay(ALICE, placed.payment);
  await kit.settle();
  await kit.orderReaches(placed.orderNo, 'SUCCESS');
  return placed;
}

test('a day with every kind of discrepancy is reconciled, and the timer repairs the missed payment', async () => {
  // 1. A normal payment: no discrepancy.
  const normal = await paidOrder();
  // 3. An amount that differs: the local record was damaged after payment.
  const damaged = await paidOrder();
  const damagedDoc = (await readDoc<Record<string, unknown>>(sandbox.url, 'paykit_orders', damaged.orderNo))!;
  await post(`${sandbox.url}/sandbox/db/import`, { paykit_orders: [{ ...damagedDoc, totalFee: 3100 }] });
  // 4. Recorded paid here, never paid at WeChat.
  const ghostNo = 'PK2026112011300000000001';
  const t = Date.UTC(2026, 10, 20, 11 - 8, 30);
  await post(`${sandbox.url}/sandbox/db/import`, {
    paykit_orders: [
      {
        _id: ghostNo,
        openid: ALICE,
        appid: 'wx',
        items: [],
        totalFee: 500,
        description: 'ghost',
        status: 'SUCCESS',
        attempts: [
          { outTradeNo: `${ghostNo}A01`, prepayId: 'wx1', createdAt: t, prepayExpiresAt: t, payment: {} },
        ],
        outTradeNo: `${ghostNo}A01`,
        createdAt: { $date: new Date(t).toISOString() },
        updatedAt: { $date: new Date(t).toISOString() },
        expiresAt: { $date: new Date(t).toISOString() },
        paidAt: { $date: new Date(t).toISOString() },
        refunds: [],
        version: 2,
      },
    ],
  });
  // 5. A trade at WeChat that is not one of the kit's, and 6. a refund the kit never heard of.
  await foreignPayment('OTHERSHOP000123', 999, 'o-stranger');
  const normalTrade = String((await kit.order(normal.orderNo))!.outTradeNo);
  await refundBehindTheKit(normalTrade, 'MANUALREFUND01', 3200, 200);
  await kit.settle();
  // 2. Last, a payment whose notification never arrives (held at WeChat for good): paid at
  // WeChat, not here.
  const lost = await kit.ok(ALICE, 'unifiedOrder', { items: [{ sku: 'cake', quantity: 2 }] });
  await post(`${sandbox.url}/sandbox/pay/callbacks`, { mode: 'hold', kind: 'payment', count: 1 });
  await kit.pay(ALICE, lost.payment);
  await kit.settle();
  expect((await kit.order(lost.orderNo))!.status).toBe('NOTPAY');

  // Before 10:00 the next day there is no bill yet; a day not over yet is refused.
  expect(await kit.call(ADMIN, 'downloadBill', { billDate: '20261120' })).toEqual(
    expect.objectContaining({ ok: false, code: 'INVALID_PARAM' }),
  );
  await kit.moveClock('set', { at: Date.UTC(2026, 10, 21, 10 - 8, 5) });
  expect(await kit.call(ALICE, 'downloadBill', { billDate: '20261120' })).toEqual(
    expect.objectContaining({ ok: false, code: 'FORBIDDEN' }),
  );
  const { report } = await kit.ok(ADMIN, 'downloadBill', { billDate: '20261120' });
  expect(report.billExists).toBe(true);
  expect(report.summaryMatches).toBe(true);
  const kinds = (d: Discrepancy[]) => d.map((x) => `${x.kind}:${x.orderNo ?? x.outTradeNo}`).sort();
  expect(kinds(report.discrepancies)).toEqual(
    [
      `AMOUNT_MISMATCH:${damaged.orderNo}`,
      `PAID_AT_WECHAT_NOT_HERE:${lost.orderNo}`,
      `PAID_HERE_NOT_AT_WECHAT:${ghostNo}`,
      `REFUND_NOT_HERE:${normal.orderNo}`,
      'UNKNOWN_TRADE:OTHERSHOP000123',
    ].sort(),
  );
  const mismatch = report.discrepancies.find((d) => d.kind === 'AMOUNT_MISMATCH')!;
  expect([mismatch.wechatFee, mismatch.localFee]).toEqual([3200, 3100]);
  expect(report.payments.count).toBe(4);
  expect((await kit.order(lost.orderNo))!.status).toBe('NOTPAY');

  // At 10:30 the daily timer reconciles yesterday with repair: the lost payment is recorded, and
  // the timer stores its report once the repair is done.
  await kit.moveClock('advance', { ms: 30 * 60_000 });
  expect((await kit.order(lost.orderNo))!.status).toBe('SUCCESS');
  const [day] = await query<{ discrepancies: Discrepancy[] }>(sandbox.url, 'paykit_bills', {
    _id: '20261120',
  });
  expect(day.discrepancies.find((d) => d.kind === 'PAID_AT_WECHAT_NOT_HERE')).toEqual(
    expect.objectContaining({ orderNo: lost.orderNo, repaired: true }),
  );
  expect(
    await query(sandbox.url, 'paykit_hook_runs', { orderNo: lost.orderNo, hook: 'onPaid' }),
  ).toHaveLength(1);

  // A day without trades: no bill at WeChat, nothing recorded here either.
  const quiet = await kit.ok(ADMIN, 'downloadBill', { billDate: '20261118' });
  expect(quiet.report).toEqual(expect.objectContaining({ billExists: false, discrepancies: [] }));
}, 60_000);

test('a missed payment the merchant refunded on the merchant platform: the daily run records it as refunded outside the kit and reports its refund for an admin', async () => {
  // The next day (11-21): paid, its notification held at WeChat, refunded in full on the platform.
  const placed = await kit.ok(ALICE, 'unifiedOrder', { items: [{ sku: 'cake', quantity: 1 }] });
  await post(`${sandbox.url}/sandbox/pay/callbacks`, { mode: 'hold', kind: 'payment', count: 1 });
  await kit.pay(ALICE, placed.payment);
  await kit.settle();
  const outTradeNo = String((await kit.order(placed.orderNo))!.outTradeNo);
  const { refund } = await post<{ refund: { outRefundNo: string } }>(`${sandbox.url}/sandbox/pay/refunds`, {
    outTradeNo,
  });
  await kit.settle();

  // The morning after, before the daily run: the bill has the payment and the refund, the kit neither.
  await kit.moveClock('set', { at: Date.UTC(2026, 10, 22, 10 - 8, 5) });
  expect((await kit.order(placed.orderNo))!.status).toBe('NOTPAY');
  const ofOrder = (d: Discrepancy[]) =>
    d.filter((x) => x.orderNo === placed.orderNo).map((x) => [x.kind, x.repaired ?? false]);
  const { report } = await kit.ok(ADMIN, 'downloadBill', { billDate: '20261121' });
  expect(ofOrder(report.discrepancies)).toEqual([
    ['PAID_AT_WECHAT_NOT_HERE', false],
    ['REFUND_NOT_HERE', false],
  ]);

  // At 10:30 the daily run asks WeChat: paid, and refunded already. Recorded so, without onPaid; its
  // refund is the merchant's, reported for an admin, not repaired.
  await kit.moveClock('advance', { ms: 30 * 60_000 });
  expect(await kit.order(placed.orderNo)).toEqual(
    expect.objectContaining({
      status: 'REFUND',
      refundedOutside: { seenAt: expect.anything() },
      refunds: [],
    }),
  );
  expect(await query(sandbox.url, 'paykit_hook_runs', { orderNo: placed.orderNo })).toEqual([]);
  const [day] = await query<{ discrepancies: Discrepancy[] }>(sandbox.url, 'paykit_bills', {
    _id: '20261121',
  });
  expect(ofOrder(day.discrepancies)).toEqual([
    ['PAID_AT_WECHAT_NOT_HERE', true],
    ['REFUNDED_OUTSIDE_KIT', false],
  ]);
  expect(day.discrepancies.find((d) => d.kind === 'REFUNDED_OUTSIDE_KIT')).toEqual(
    expect.objectContaining({ outTradeNo, outRefundNo: refund.outRefundNo, wechatFee: 3200 }),
  );
}, 60_000);

test('a bill not made yet is BILL_NOT_READY with when it is out, and a day WeChat keeps no bill of is INVALID_PARAM: neither is the service failing', async () => {
  // 09:30 Beijing: WeChat is making yesterday's bill (v2 Bill Creating, APIv3 STATEMENT_CREATING).
  await kit.moveClock('set', { at: Date.UTC(2026, 10, 23, 9 - 8, 30) });
  expect(await kit.call(ADMIN, 'downloadBill', { billDate: '20261122' })).toEqual({
    ok: false,
    code: 'BILL_NOT_READY',
    message: expect.stringContaining('10:00 Beijing time'),
    retryAt: Date.UTC(2026, 10, 23, 10 - 8, 0),
  });
  await kit.moveClock('set', { at: Date.UTC(2026, 10, 23, 10 - 8, 0) });
  const { report } = await kit.ok(ADMIN, 'downloadBill', { billDate: '20261122' });
  expect(report.billDate).toBe('20261122');

  // WeChat keeps 3 months of bills (v2 invalid bill_date, APIv3 INVALID_REQUEST): asking again cannot help.
  expect(await kit.call(ADMIN, 'downloadBill', { billDate: '20260815' })).toEqual({
    ok: false,
    code: 'INVALID_PARAM',
    message: expect.stringContaining('billDate 20260815: WeChat Pay has no bill of that day'),
  });
}, 60_000);
