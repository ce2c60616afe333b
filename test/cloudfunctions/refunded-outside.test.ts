/** @jest-environment node */
/**
 * A trade the merchant refunded by hand on WeChat Pay's merchant platform before the kit recorded its
 * payment (the payment notification held at WeChat). Wherever the kit learns the trade's state (the
 * sweep, the buyer's query, closeOrder, a late notification, the platform's refund notification on
 * APIv3) the order becomes REFUND marked refunded outside the kit, without onPaid and without
 * shipping; the sweep stops asking about it; paying, closing and refunding it are refused; the day's
 * bill reports its refund once, for an admin to look at.
 */
import type { Discrepancy } from '../../typings/paykit/bill';
import type { DeliveryView } from '../../typings/sandbox/callbacks';
import { get, post, query } from '../helpers/control';
import { PROVIDER, startKitSandbox, type KitClient } from '../helpers/kit';
import { expectLeftToMerchantPlatform } from '../helpers/refunded-outside';
import type { SandboxProcess } from '../helpers/sandbox';

let sandbox: SandboxProcess;
let kit: KitClient;
const ALICE = 'o-alice-outside';
const ADMIN = 'o-admin-outside';

/** 11:00 Beijing time, after the daily 10:30 reconciliation: every test of the file is on this bill day. */
const START = Date.UTC(2026, 10, 20, 11 - 8, 0);
const BILL_DATE = '20261120';

beforeAll(async () => {
  ({ sandbox, kit } = await startKitSandbox(ADMIN, { freeze: false }));
  await kit.clock('freeze', { at: START });
});

afterAll(async () => {
  await sandbox?.stop();
});

interface Refunded {
  orderNo: string;
  outTradeNo: string;
  outRefundNo: string;
}

/**
 * Placed and paid, the payment notification held at WeChat, then refunded in full on the merchant
 * platform: the kit still has the order unpaid, WeChat has the trade refunded.
 */
async function refundedBehindTheKit(): Promise<Refunded> {
  const placed = await kit.ok(ALICE, 'unifiedOrder', { items: [{ sku: 'latte', quantity: 1 }] });
  await post(`${sandbox.url}/sandbox/pay/callbacks`, { mode: 'hold', kind: 'payment', count: 1 });
  expect((await kit.pay(ALICE, placed.payment)).errMsg).toBe('requestPayment:ok');
  await kit.settle();
  const outTradeNo = String((await kit.order(placed.orderNo))!.outTradeNo);
  const { refund } = await post<{ refund: { outRefundNo: string } }>(`${sandbox.url}/sandbox/pay/refunds`, {
    outTradeNo,
  });
  await kit.settle();
  expect((await kit.trade(outTradeNo))!.state).toBe('REFUND');
  return { orderNo: placed.orderNo, outTradeNo, outRefundNo: refund.outRefundNo };
}

/** The stored order is REFUND, marked refunded outside, with WeChat's payment facts; no hook ran. */
async function expectRefundedOutside({ orderNo, outTradeNo }: Refunded): Promise<void> {
  const doc = await kit.order(orderNo);
  expect(doc).toEqual(
    expect.objectContaining({
      status: 'REFUND',
      outTradeNo,
      transactionId: expect.stringMatching(/^42000\d{23}$/),
      paidAt: expect.anything(),
      refundedOutside: { seenAt: expect.anything() },
      refunds: [],
      shipping: expect.objectContaining({ state: 'REFUNDED' }),
    }),
  );
  expect(doc!.fulfilment).toBeUndefined();
  expect(await query(sandbox.url, 'paykit_hook_runs', { orderNo })).toEqual([]);
}

describe('refunded on the merchant platform before the kit recorded the payment', () => {
  test('the sweep records it as refunded outside, runs no onPaid, ships nothing, and asks WeChat no more', async () => {
    const refunded = await refundedBehindTheKit();
    expect((await kit.order(refunded.orderNo))!.status).toBe('NOTPAY');
    // The sweep asks about unpaid orders whose attempt is 2 to 12 minutes old.
    await kit.moveClock('advance', { ms: 5 * 60_000 });
    await expectRefundedOutside(refunded);
    const toShip = await kit.ok(ADMIN, 'listToShip', {});
    expect(toShip.orders.map((o) => o.orderNo)).not.toContain(refunded.orderNo);

    // Past the lost-callback window and past expiry, the sweeps that run leave it alone.
    const before = await kit.sweepPayCalls();
    await kit.moveClock('advance', { ms: 10 * 60_000 });
    await kit.moveClock('advance', { ms: 30 * 60_000 });
    const after = await kit.sweepPayCalls();
    expect(after.sweeps).toBeGreaterThan(before.sweeps);
    expect(after.payCalls).toBe(before.payCalls);
    await expectRefundedOutside(refunded);
  });

  test('the sweep that first finds it expired records it, and does not count it as a payment recovered', async () => {
    const refunded = await refundedBehindTheKit();
    // One jump past its expiry: the sweep that runs meets it as an expired order, not a recent one.
    await kit.moveClock('advance', { ms: 60 * 60_000 });
    await expectRefundedOutside(refunded);
    const { logs } = await get<{ logs: Array<{ result?: { data?: Record<string, unknown> } }> }>(
      `${sandbox.url}/sandbox/logs?name=closeExpiredOrders&limit=1000`,
    );
    expect(logs[logs.length - 1].result?.data).toEqual(
      expect.objectContaining({ closed: 0, recoveredPaid: 0, errors: [] }),
    );
  });

  test("the buyer's query shows it refunded; paying again, closing and refunding it are refused", async () => {
    const refunded = await refundedBehindTheKit();
    const { order } = await kit.ok(ALICE, 'queryOrder', { orderNo: refunded.orderNo });
    expect(order).toEqual(
      expect.objectContaining({ status: 'REFUND', refundedOutside: true, refundedFee: 0, refunds: [] }),
    );
    await expectRefundedOutside(refunded);
    // The admin is offered nothing to refund, and a refund is refused: the kit never held the money.
    expect(await kit.ok(ADMIN, 'queryOrder', { orderNo: refunded.orderNo })).toEqual(
      expect.objectContaining({ refundable: 0 }),
    );
    await expectLeftToMerchantPlatform(kit, { admin: ADMIN, buyer: ALICE }, refunded);
    await expectRefundedOutside(refunded);
  });

  test('closeOrder within its 5 minutes finds it at WeChat: ORDER_PAID, and the order recorded', async () => {
    const refunded = await refundedBehindTheKit();
    expect(await kit.call(ALICE, 'closeOrder', { orderNo: refunded.orderNo })).toEqual(
      expect.objectContaining({ ok: false, code: 'ORDER_PAID' }),
    );
    await expectRefundedOutside(refunded);
    expect((await kit.trade(refunded.outTradeNo))!.state).toBe('REFUND');
  });

  test('a late payment notification records it and is acknowledged, so WeChat stops retrying', async () => {
    const refunded = await refundedBehindTheKit();
    await post(`${sandbox.url}/sandbox/pay/callbacks/release`, {});
    await kit.settle();
    await expectRefundedOutside(refunded);
    const { deliveries } = await get<{ deliveries: DeliveryView[] }>(
      `${sandbox.url}/sandbox/pay/deliveries?kind=payment&outTradeNo=${refunded.outTradeNo}`,
    );
    expect(deliveries.map((d) => d.outcome)).toEqual(['ok']);
    const { notifications } = await get<{ notifications: Array<{ status: string }> }>(
      `${sandbox.url}/sandbox/pay/notifications?outTradeNo=${refunded.outTradeNo}`,
    );
    expect(notifications.map((n) => n.status)).toEqual(['delivered']);
  });

  test("the platform's refund notification tells the kit on APIv3, where the merchant configured its URL; cloudPay sends none", async () => {
    const { domain } = await get<{ domain: string }>(`${sandbox.url}/sandbox/access/routes`);
    if (PROVIDER === 'apiv3') {
      await post(`${sandbox.url}/sandbox/v3/config`, {
        refundNotifyUrl: `https://${domain}/paykit/v3/notify/refund`,
      });
    }
    try {
      const refunded = await refundedBehindTheKit();
      const { deliveries } = await get<{ deliveries: DeliveryView[] }>(
        `${sandbox.url}/sandbox/pay/deliveries?kind=refund&outTradeNo=${refunded.outTradeNo}`,
      );
      if (PROVIDER === 'apiv3') {
        expect(deliveries.map((d) => [d.outRefundNo, d.outcome])).toEqual([[refunded.outRefundNo, 'ok']]);
        await expectRefundedOutside(refunded);
      } else {
        expect(deliveries).toEqual([]);
        expect((await kit.order(refunded.orderNo))!.status).toBe('NOTPAY');
        // The buyer's next look finds it.
        await kit.ok(ALICE, 'queryOrder', { orderNo: refunded.orderNo });
        await expectRefundedOutside(refunded);
      }
    } finally {
      if (PROVIDER === 'apiv3') await post(`${sandbox.url}/sandbox/v3/config`, { refundNotifyUrl: '' });
    }
  });
});

describe('the bill', () => {
  test("reports the day's refund made outside the kit once, for an admin, and its payment as recorded", async () => {
    const refunded = await refundedBehindTheKit();
    await kit.moveClock('advance', { ms: 5 * 60_000 });
    await expectRefundedOutside(refunded);
    const billDate = BILL_DATE;
    // The next Beijing morning at 10:05, before the daily reconciliation at 10:30.
    await kit.moveClock('set', { at: Date.UTC(2026, 10, 21, 10 - 8, 5) });
    const ofOrder = (d: Discrepancy[]) => d.filter((x) => x.orderNo === refunded.orderNo);
    const expected = [
      {
        kind: 'REFUNDED_OUTSIDE_KIT',
        orderNo: refunded.orderNo,
        outTradeNo: refunded.outTradeNo,
        outRefundNo: refunded.outRefundNo,
        wechatFee: 2800,
        transactionId: expect.stringMatching(/^42000/),
      },
    ];
    const { report } = await kit.ok(ADMIN, 'downloadBill', { billDate });
    expect(ofOrder(report.discrepancies)).toEqual(expected);

    // The daily run reports it the same way, and nothing is retried: the order is as it was.
    await kit.moveClock('advance', { ms: 30 * 60_000 });
    const [day] = await query<{ discrepancies: Discrepancy[] }>(sandbox.url, 'paykit_bills', {
      _id: billDate,
    });
    expect(ofOrder(day.discrepancies)).toEqual(expected);
    await expectRefundedOutside(refunded);
    // The next day's run is about the next day: the refund is not reported again.
    await kit.moveClock('advance', { ms: 86_400_000 });
    const later = await query<{ _id: string; discrepancies: Discrepancy[] }>(sandbox.url, 'paykit_bills', {});
    const reported = later.flatMap((b) => ofOrder(b.discrepancies).map(() => b._id));
    expect(reported).toEqual([billDate]);
  });
});
