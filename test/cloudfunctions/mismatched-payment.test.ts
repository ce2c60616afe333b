/** @jest-environment node */
/**
 * A trade WeChat holds paid for one of an order's attempts, with another amount than the order's
 * (the order record changed after its prepay, as design-money's mismatch test makes one). The kit
 * does not record it as the order's payment; it keeps what WeChat said on the order, once, and the
 * order (PAYERROR) leaves the sweep's queries: closing, paying again and refunding it are refused
 * with a message saying an admin must look, the buyer sees 支付异常, and the day's bill reports it
 * once as PAYMENT_NOT_MATCHING. Only WeChat's own answer to the kit's query marks an order. Its
 * notifications are acknowledged once that is kept; so is one naming another attempt of the order
 * held (only a forged call can: WeChat closed that attempt first), which moves nothing. The way
 * out: the merchant refunds the payment on the merchant platform, and wherever the kit learns it (a
 * query, the refund notification, the daily bill) the order becomes REFUND, refunded outside the
 * kit, keeping what WeChat said.
 */
import type { Discrepancy } from '../../typings/paykit/bill';
import type { DeliveryView } from '../../typings/sandbox/callbacks';
import { callAs, get, post, query, storeOrderAmount } from '../helpers/control';
import { PROVIDER, providerFault, startKitSandbox, type KitClient } from '../helpers/kit';
import { expectLeftToMerchantPlatform } from '../helpers/refunded-outside';
import type { SandboxProcess } from '../helpers/sandbox';
import { deliverPayment, namingAttempt } from '../helpers/wechat-delivery';

let sandbox: SandboxProcess;
let kit: KitClient;
const ALICE = 'o-alice-mismatch';
const ADMIN = 'o-admin-mismatch';

/** 11:00 Beijing time, after the daily 10:30 reconciliation: every test of the file is on this bill day. */
const START = Date.UTC(2026, 10, 20, 11 - 8, 0);
const BILL_DATE = '20261120';
const ADMIN_MUST_LOOK = /does not match.*admin/;
/** What paying, closing and refunding such an order answer. */
const ADMIN_MUST_LOOK_ANSWER = expect.objectContaining({
  ok: false,
  code: 'ORDER_STATE_CONFLICT',
  message: expect.stringMatching(ADMIN_MUST_LOOK),
});

beforeAll(async () => {
  ({ sandbox, kit } = await startKitSandbox(ADMIN, { freeze: false }));
  await kit.clock('freeze', { at: START });
});

afterAll(async () => {
  await sandbox?.stop();
});

interface Mismatched {
  orderNo: string;
  outTradeNo: string;
}

/**
 * Placed, its stored amount then changed to 1 fen more than the trade WeChat holds, and paid:
 * WeChat has the trade paid with 2800 fen, the order says 2801. With `hold`, WeChat's payment
 * notification is held, so the kit has heard nothing of the payment yet. With `secondAttempt`, it is
 * paid on its second attempt: the buyer closed the first after 5 minutes, WeChat closed it but its
 * answer was lost, so the order stayed unpaid and the next pay started another attempt.
 */
async function paidNotMatching(hold: boolean, secondAttempt = false): Promise<Mismatched> {
  let placed = await kit.ok(ALICE, 'unifiedOrder', { items: [{ sku: 'latte', quantity: 1 }] });
  if (secondAttempt) {
    await kit.moveClock('advance', { ms: 5 * 60_000 });
    const lost = { ...providerFault('closeOrder', 'SYSTEMERROR'), afterProcessing: true, count: 1 };
    await post(`${sandbox.url}/sandbox/pay/faults`, lost);
    expect(await kit.call(ALICE, 'closeOrder', { orderNo: placed.orderNo })).toEqual(
      expect.objectContaining({ ok: false, code: 'PAY_PROVIDER_ERROR' }),
    );
    placed = await kit.ok(ALICE, 'unifiedOrder', { orderNo: placed.orderNo });
  }
  await storeOrderAmount(sandbox.url, placed.orderNo, 2801);
  if (hold) await post(`${sandbox.url}/sandbox/pay/callbacks`, { mode: 'hold', kind: 'payment', count: 1 });
  expect((await kit.pay(ALICE, placed.payment)).errMsg).toBe('requestPayment:ok');
  await kit.settle();
  const { outTradeNo } = (await kit.order<{ outTradeNo: string }>(placed.orderNo))!;
  expect((await kit.trade(outTradeNo))!.state).toBe('SUCCESS');
  return { orderNo: placed.orderNo, outTradeNo };
}

/** The stored order is PAYERROR with what WeChat said, and nothing of a payment of its own. */
async function expectMarked({ orderNo, outTradeNo }: Mismatched): Promise<void> {
  const doc = await kit.order<Record<string, unknown>>(orderNo);
  expect(doc).toEqual(
    expect.objectContaining({
      status: 'PAYERROR',
      totalFee: 2801,
      mismatchedPayment: expect.objectContaining({
        outTradeNo,
        totalFee: 2800,
        transactionId: expect.stringMatching(/^42000\d{23}$/),
        state: 'SUCCESS',
        seenAt: expect.anything(),
      }),
    }),
  );
  for (const field of ['transactionId', 'paidAt', 'fulfilment', 'shipping'])
    expect(doc![field]).toBeUndefined();
  expect(await query(sandbox.url, 'paykit_hook_runs', { orderNo })).toEqual([]);
}

/** The merchant refunds the whole trade by hand on the merchant platform; its refund number. */
async function refundOnPlatform(outTradeNo: string): Promise<string> {
  const { refund } = await post<{ refund: { outRefundNo: string } }>(`${sandbox.url}/sandbox/pay/refunds`, {
    outTradeNo,
  });
  await kit.settle();
  expect((await kit.trade(outTradeNo))!.state).toBe('REFUND');
  return refund.outRefundNo;
}

/**
 * The stored order is REFUND, refunded outside the kit, with what WeChat said kept (now REFUND) and
 * still nothing of a payment of its own: no hooks, nothing to ship.
 */
async function expectRefundedOutside({ orderNo, outTradeNo }: Mismatched): Promise<void> {
  const doc = await kit.order<Record<string, unknown>>(orderNo);
  expect(doc).toEqual(
    expect.objectContaining({
      status: 'REFUND',
      totalFee: 2801,
      refundedOutside: { seenAt: expect.anything() },
      mismatchedPayment: expect.objectContaining({ outTradeNo, totalFee: 2800, state: 'REFUND' }),
      refunds: [],
      shipping: expect.objectContaining({ state: 'REFUNDED' }),
    }),
  );
  for (const field of ['transactionId', 'paidAt', 'fulfilment']) expect(doc![field]).toBeUndefined();
  expect(await query(sandbox.url, 'paykit_hook_runs', { orderNo })).toEqual([]);
}

/** The payment notifications WeChat delivered for the trade, and how each was answered. */
async function paymentDeliveries(outTradeNo: string): Promise<string[]> {
  const { deliveries } = await get<{ deliveries: DeliveryView[] }>(
    `${sandbox.url}/sandbox/pay/deliveries?kind=payment&outTradeNo=${outTradeNo}`,
  );
  return deliveries.map((d) => d.outcome);
}

/** The last sweep's report. */
async function lastSweep(): Promise<Record<string, unknown> | undefined> {
  const { logs } = await get<{ logs: Array<{ result?: { data?: Record<string, unknown> } }> }>(
    `${sandbox.url}/sandbox/logs?name=closeExpiredOrders&limit=1000`,
  );
  return logs[logs.length - 1].result?.data;
}

describe('a payment WeChat holds that does not match its order', () => {
  test('the sweep asks WeChat once, keeps what it said on the order, and asks no more', async () => {
    const seen = await paidNotMatching(true);
    expect((await kit.order(seen.orderNo))!.status).toBe('NOTPAY');
    const start = await kit.sweepPayCalls();
    // The sweep asks about unpaid orders whose attempt is 2 to 12 minutes old.
    await kit.moveClock('advance', { ms: 5 * 60_000 });
    await expectMarked(seen);
    const first = await kit.sweepPayCalls();
    expect(first.payCalls - start.payCalls).toBe(1);

    // Past the lost-callback window and past expiry, the sweeps that run leave it alone.
    await kit.moveClock('advance', { ms: 10 * 60_000 });
    await kit.moveClock('advance', { ms: 60 * 60_000 });
    const after = await kit.sweepPayCalls();
    expect(after.sweeps).toBeGreaterThan(first.sweeps);
    expect(after.payCalls).toBe(first.payCalls);
    expect(await lastSweep()).toEqual(expect.objectContaining({ closed: 0, errors: [] }));
    await expectMarked(seen);
  });

  test('the sweep that first finds it expired keeps it, reports it once, and no error', async () => {
    const seen = await paidNotMatching(true);
    // One jump past its expiry: the sweep that runs meets it as an expired order.
    await kit.moveClock('advance', { ms: 60 * 60_000 });
    await expectMarked(seen);
    expect(await lastSweep()).toEqual(
      expect.objectContaining({ closed: 0, recoveredPaid: 0, paymentsNotMatching: 1, errors: [] }),
    );
  });

  test("closeOrder answers ORDER_STATE_CONFLICT for an admin to look, and the buyer's query shows 支付异常", async () => {
    const seen = await paidNotMatching(false);
    expect(await kit.call(ALICE, 'closeOrder', { orderNo: seen.orderNo })).toEqual(ADMIN_MUST_LOOK_ANSWER);
    const { order } = await kit.ok(ALICE, 'queryOrder', { orderNo: seen.orderNo });
    expect(order).toEqual(expect.objectContaining({ status: 'PAYERROR', totalFee: 2801, refundedFee: 0 }));
    expect(order.transactionId).toBeUndefined();
    expect(order.paidAt).toBeUndefined();
    await expectMarked(seen);
    expect((await kit.trade(seen.outTradeNo))!.state).toBe('SUCCESS');
  });

  test('paying it again and refunding it are refused, saying an admin must look', async () => {
    const seen = await paidNotMatching(false);
    // Within its prepay's life: the kit would hand the same payment out again.
    expect(await kit.call(ALICE, 'unifiedOrder', { orderNo: seen.orderNo })).toEqual(ADMIN_MUST_LOOK_ANSWER);
    expect(await kit.ok(ADMIN, 'queryOrder', { orderNo: seen.orderNo })).toEqual(
      expect.objectContaining({ refundable: 0 }),
    );
    expect(await kit.call(ADMIN, 'refund', { orderNo: seen.orderNo, refundFee: 100 })).toEqual(
      ADMIN_MUST_LOOK_ANSWER,
    );
    await expectMarked(seen);
  });

  test('forged callbacks claiming another amount mark nothing: only WeChat answering the kit does', async () => {
    const placed = await kit.ok(ALICE, 'unifiedOrder', { items: [{ sku: 'latte', quantity: 1 }] });
    const { outTradeNo } = (await kit.order<{ outTradeNo: string }>(placed.orderNo))!;
    const forged = {
      outTradeNo,
      resultCode: 'SUCCESS',
      returnCode: 'SUCCESS',
      totalFee: 1,
      transactionId: '4200000000000000000000000001',
    };
    for (const fn of ['payCallback', 'refundCallback'] as const) {
      expect(await callAs(sandbox.url, ALICE, fn, forged)).toEqual(expect.objectContaining({ errcode: 1 }));
    }
    const doc = await kit.order<Record<string, unknown>>(placed.orderNo);
    expect(doc).toEqual(expect.objectContaining({ status: 'NOTPAY' }));
    expect(doc!.mismatchedPayment).toBeUndefined();
  });
});

describe('its payment notifications', () => {
  test('the delivery that finds the payment not matching is acknowledged once that is kept', async () => {
    const seen = await paidNotMatching(false);
    await expectMarked(seen);
    expect(await paymentDeliveries(seen.outTradeNo)).toEqual(['ok']);
  });

  test('a delivery after the mark is acknowledged: WeChat delivers it no more', async () => {
    const seen = await paidNotMatching(true);
    await kit.moveClock('advance', { ms: 5 * 60_000 });
    await expectMarked(seen);
    await post(`${sandbox.url}/sandbox/pay/callbacks/release`, {});
    await kit.settle();
    expect(await paymentDeliveries(seen.outTradeNo)).toEqual(['ok']);
    const { notifications } = await get<{ notifications: Array<{ kind: string; status: string }> }>(
      `${sandbox.url}/sandbox/pay/notifications?outTradeNo=${seen.outTradeNo}`,
    );
    expect(notifications.filter((n) => n.kind === 'payment').map((n) => n.status)).toEqual(['delivered']);
    await expectMarked(seen);
  });
});

describe('a notification naming another attempt of the held order', () => {
  test('is acknowledged and moves nothing; WeChat never sends one (it closed that attempt before the one paid began): a forged call does', async () => {
    const held = await paidNotMatching(false, true);
    expect(held.outTradeNo).toBe(`${held.orderNo}A02`);
    const first = `${held.orderNo}A01`;
    expect((await kit.trade(first))!.state).toBe('CLOSED');
    await expectMarked(held);
    const before = await kit.order(held.orderNo);

    // Forged by any user, on either provider, and, as only WeChat could make it, WeChat's own
    // delivery of the paid attempt's notification made to name the closed one.
    const forged = {
      outTradeNo: first,
      resultCode: 'SUCCESS',
      returnCode: 'SUCCESS',
      totalFee: 2801,
      transactionId: '4200000000000000000000000001',
    };
    expect(await callAs(sandbox.url, ALICE, 'payCallback', forged)).toEqual({ errcode: 0, errmsg: '' });
    const { deliveries } = await get<{ deliveries: DeliveryView[] }>(
      `${sandbox.url}/sandbox/pay/deliveries?kind=payment&outTradeNo=${held.outTradeNo}`,
    );
    const { now } = await get<{ now: number }>(`${sandbox.url}/sandbox/clock`);
    const made = namingAttempt(sandbox, deliveries[0].event, first);
    expect(await deliverPayment(sandbox, made, now)).toEqual(expect.objectContaining({ acknowledged: true }));

    expect(await kit.order(held.orderNo)).toEqual(before);
    await expectMarked(held);
    expect((await kit.trade(first))!.state).toBe('CLOSED');
    const audit = await query<{ verdict: string }>(sandbox.url, 'paykit_notifications', {
      outTradeNo: first,
    });
    expect(audit.map((n) => n.verdict)).toEqual(['HELD', 'HELD']);
  });
});

describe('the way out: the merchant refunds it on the merchant platform', () => {
  test('the admin reopening the order finds it refunded outside the kit; it is refunded, not payable, not closable', async () => {
    const seen = await paidNotMatching(false);
    // Looked at before the refund: still for an admin.
    expect((await kit.ok(ADMIN, 'queryOrder', { orderNo: seen.orderNo })).order.status).toBe('PAYERROR');
    await refundOnPlatform(seen.outTradeNo);
    // Nothing told the kit yet (no refund notification is configured).
    await expectMarked(seen);

    const reopened = await kit.ok(ADMIN, 'queryOrder', { orderNo: seen.orderNo });
    expect(reopened).toEqual(expect.objectContaining({ refundable: 0 }));
    expect(reopened.order).toEqual(
      expect.objectContaining({ status: 'REFUND', refundedOutside: true, refundedFee: 0, refunds: [] }),
    );
    await expectRefundedOutside(seen);
    const toShip = await kit.ok(ADMIN, 'listToShip', {});
    expect(toShip.orders.map((o) => o.orderNo)).not.toContain(seen.orderNo);
    await expectLeftToMerchantPlatform(kit, { admin: ADMIN, buyer: ALICE }, seen);
    await expectRefundedOutside(seen);
  });

  test("the buyer's look finds it too", async () => {
    const seen = await paidNotMatching(true);
    await kit.moveClock('advance', { ms: 5 * 60_000 });
    await expectMarked(seen);
    await refundOnPlatform(seen.outTradeNo);
    const { order } = await kit.ok(ALICE, 'queryOrder', { orderNo: seen.orderNo });
    expect(order).toEqual(expect.objectContaining({ status: 'REFUND', refundedOutside: true }));
    await expectRefundedOutside(seen);
  });

  test('the refund notification tells the kit (APIv3, where the merchant configured its URL; on cloudPay, the callback naming it)', async () => {
    const { domain } = await get<{ domain: string }>(`${sandbox.url}/sandbox/access/routes`);
    if (PROVIDER === 'apiv3') {
      await post(`${sandbox.url}/sandbox/v3/config`, {
        refundNotifyUrl: `https://${domain}/paykit/v3/notify/refund`,
      });
    }
    try {
      const seen = await paidNotMatching(false);
      await expectMarked(seen);
      const outRefundNo = await refundOnPlatform(seen.outTradeNo);
      if (PROVIDER === 'apiv3') {
        const { deliveries } = await get<{ deliveries: DeliveryView[] }>(
          `${sandbox.url}/sandbox/pay/deliveries?kind=refund&outTradeNo=${seen.outTradeNo}`,
        );
        expect(deliveries.map((d) => [d.outRefundNo, d.outcome])).toEqual([[outRefundNo, 'ok']]);
      } else {
        // cloudPay sends none for a refund made on the platform: the callback, however it is
        // called, names the refund, and WeChat's answer to the kit's query decides.
        await callAs(sandbox.url, ALICE, 'refundCallback', {
          outTradeNo: seen.outTradeNo,
          outRefundNo,
          refundStatus: 'SUCCESS',
        });
      }
      await expectRefundedOutside(seen);
    } finally {
      if (PROVIDER === 'apiv3') await post(`${sandbox.url}/sandbox/v3/config`, { refundNotifyUrl: '' });
    }
  });

  test('learnt at once by queries and a notification, it moves once', async () => {
    const seen = await paidNotMatching(false);
    const outRefundNo = await refundOnPlatform(seen.outTradeNo);
    const { version } = (await kit.order<{ version: number }>(seen.orderNo))!;
    const answers = await Promise.all([
      kit.call(ADMIN, 'queryOrder', { orderNo: seen.orderNo }),
      kit.call(ALICE, 'queryOrder', { orderNo: seen.orderNo }),
      kit.call(ADMIN, 'queryOrder', { orderNo: seen.orderNo }),
      callAs(sandbox.url, ALICE, 'refundCallback', { outTradeNo: seen.outTradeNo, outRefundNo }),
    ]);
    for (const answer of answers.slice(0, 3)) {
      expect(answer).toEqual(
        expect.objectContaining({
          ok: true,
          data: expect.objectContaining({ order: expect.objectContaining({ status: 'REFUND' }) }),
        }),
      );
    }
    await expectRefundedOutside(seen);
    expect((await kit.order<{ version: number }>(seen.orderNo))!.version).toBe(version + 1);
  });

  test('forged events move nothing: only WeChat reporting the trade refunded does', async () => {
    const seen = await paidNotMatching(false);
    const forgedRefund = {
      outTradeNo: seen.outTradeNo,
      outRefundNo: `${seen.orderNo}R01`,
      refundStatus: 'SUCCESS',
      refundFee: 2800,
    };
    const forgedPay = {
      outTradeNo: seen.outTradeNo,
      resultCode: 'SUCCESS',
      returnCode: 'SUCCESS',
      totalFee: 2801,
      transactionId: '4200000000000000000000000001',
    };
    await callAs(sandbox.url, ALICE, 'refundCallback', forgedRefund);
    await callAs(sandbox.url, ALICE, 'payCallback', forgedPay);
    await kit.ok(ALICE, 'queryOrder', { orderNo: seen.orderNo });
    await expectMarked(seen);
    expect((await kit.trade(seen.outTradeNo))!.state).toBe('SUCCESS');
  });
});

describe('the bill', () => {
  test("reports the day's payment not matching its order once, for an admin, and repairs nothing", async () => {
    const seen = await paidNotMatching(true);
    // The next Beijing morning at 10:05, before the daily reconciliation at 10:30: the sweeps of the
    // night have marked the order.
    await kit.moveClock('set', { at: Date.UTC(2026, 10, 21, 10 - 8, 5) });
    await expectMarked(seen);
    const ofOrder = (d: Discrepancy[]) => d.filter((x) => x.orderNo === seen.orderNo);
    const expected = [
      {
        kind: 'PAYMENT_NOT_MATCHING',
        orderNo: seen.orderNo,
        outTradeNo: seen.outTradeNo,
        wechatFee: 2800,
        localFee: 2801,
        transactionId: expect.stringMatching(/^42000/),
      },
    ];
    const { report } = await kit.ok(ADMIN, 'downloadBill', { billDate: BILL_DATE });
    expect(ofOrder(report.discrepancies)).toEqual(expected);

    // The daily run reports it the same way; the next day's run is about the next day.
    await kit.moveClock('advance', { ms: 30 * 60_000 });
    const [day] = await query<{ discrepancies: Discrepancy[] }>(sandbox.url, 'paykit_bills', {
      _id: BILL_DATE,
    });
    expect(ofOrder(day.discrepancies)).toEqual(expected);
    await kit.moveClock('advance', { ms: 86_400_000 });
    const later = await query<{ _id: string; discrepancies: Discrepancy[] }>(sandbox.url, 'paykit_bills', {});
    expect(later.flatMap((b) => ofOrder(b.discrepancies).map(() => b._id))).toEqual([BILL_DATE]);
    await expectMarked(seen);
  });

  test('refunded on the merchant platform, the daily run finds it and reports the refund as made outside the kit', async () => {
    const seen = await paidNotMatching(true);
    await kit.moveClock('advance', { ms: 5 * 60_000 });
    await expectMarked(seen);
    const outRefundNo = await refundOnPlatform(seen.outTradeNo);
    // The Beijing day of the payment and its refund; the daily run at 10:30 the morning after.
    const { now } = await get<{ now: number }>(`${sandbox.url}/sandbox/clock`);
    const beijingDay = Math.floor((now + 8 * 3600_000) / 86_400_000);
    const billDate = new Date(beijingDay * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
    await kit.moveClock('set', { at: (beijingDay + 1) * 86_400_000 + (10 - 8) * 3600_000 + 5 * 60_000 });
    await expectMarked(seen);
    await kit.moveClock('advance', { ms: 30 * 60_000 });
    const [day] = await query<{ discrepancies: Discrepancy[] }>(sandbox.url, 'paykit_bills', {
      _id: billDate,
    });
    expect(day.discrepancies.filter((d) => d.orderNo === seen.orderNo)).toEqual([
      expect.objectContaining({ kind: 'PAYMENT_NOT_MATCHING', outTradeNo: seen.outTradeNo, wechatFee: 2800 }),
      expect.objectContaining({
        kind: 'REFUNDED_OUTSIDE_KIT',
        outTradeNo: seen.outTradeNo,
        outRefundNo,
        wechatFee: 2800,
      }),
    ]);
    await expectRefundedOutside(seen);
  });
});
