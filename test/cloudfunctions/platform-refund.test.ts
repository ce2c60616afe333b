/** @jest-environment node */
/**
 * A refund the merchant made by hand on WeChat Pay's merchant platform of a payment the kit HAS
 * recorded. Wherever the kit learns of it (APIv3's refund notification; a refundCallback naming it,
 * as anyone can call one; the day's bill, the only word cloudPay gives) it asks WeChat and records
 * WeChat's refund on the order, marked made on the platform: onRefunded runs once, what is left is
 * still the admin's to refund and no more, a refund of all of it makes the order REFUND and ends its
 * shipment. Learners racing record it once; a refund WeChat does not have, or of another order's
 * trade, is recorded nowhere.
 */
import type { BillReport, Discrepancy } from '../../typings/paykit/bill';
import { callAs, get, post, query } from '../helpers/control';
import { PROVIDER, providerFault, startKitSandbox, type KitClient } from '../helpers/kit';
import type { SandboxProcess } from '../helpers/sandbox';

let sandbox: SandboxProcess;
let kit: KitClient;
const ALICE = 'o-alice-platform';
const ADMIN = 'o-admin-platform';
const HOUR = 3600_000;
/** Beijing is UTC+8. */
const BEIJING = 8 * HOUR;

/** 11:00 Beijing time, after the daily 10:30 reconciliation. */
const START = Date.UTC(2026, 10, 20, 11 - 8, 0);

beforeAll(async () => {
  ({ sandbox, kit } = await startKitSandbox(ADMIN, { freeze: false }));
  await kit.clock('freeze', { at: START });
});

afterAll(async () => {
  await sandbox?.stop();
});

interface Paid {
  orderNo: string;
  outTradeNo: string;
}

interface StoredRefund {
  outRefundNo: string;
  refundFee: number;
  status: string;
  by: string;
  onPlatform?: boolean;
  hook?: { state: string };
}

interface StoredOrder {
  status: string;
  refunds: StoredRefund[];
  shipping?: { state: string };
}

/** A latte (¥28.00) placed and paid, its payment recorded by the kit. */
async function paidOrder(): Promise<Paid> {
  const placed = await kit.payAndConfirm(
    ALICE,
    await kit.ok(ALICE, 'unifiedOrder', { items: [{ sku: 'latte', quantity: 1 }] }),
  );
  return { orderNo: placed.orderNo, outTradeNo: String((await kit.order(placed.orderNo))!.outTradeNo) };
}

/** The merchant refunds `refundFee` of the trade by hand on the merchant platform; WeChat carries it out. */
async function refundOnPlatform(outTradeNo: string, refundFee: number): Promise<string> {
  const { refund } = await post<{ refund: { outRefundNo: string } }>(`${sandbox.url}/sandbox/pay/refunds`, {
    outTradeNo,
    refundFee,
  });
  await kit.settle();
  return refund.outRefundNo;
}

/** A refundCallback naming a refund of a trade, as WeChat's or anyone's (the function is callable by anyone). */
const refundCallback = (outTradeNo: string, outRefundNo: string, claims: Record<string, unknown> = {}) =>
  callAs<{ errcode: number; errmsg: string }>(sandbox.url, ALICE, 'refundCallback', {
    outTradeNo,
    outRefundNo,
    ...claims,
  });

/** On APIv3 the platform's refund notifications go to the kit's refundNotify while `on`. */
async function platformNotifications(on: boolean): Promise<void> {
  if (PROVIDER !== 'apiv3') return;
  const { domain } = await get<{ domain: string }>(`${sandbox.url}/sandbox/access/routes`);
  await post(`${sandbox.url}/sandbox/v3/config`, {
    refundNotifyUrl: on ? `https://${domain}/paykit/v3/notify/refund` : '',
  });
}

const order = async (orderNo: string): Promise<StoredOrder> => (await kit.order<StoredOrder>(orderNo))!;

const onRefundedRuns = (orderNo: string) =>
  query(sandbox.url, 'paykit_hook_runs', { orderNo, hook: 'onRefunded' });

/** The platform refund as the kit records it: WeChat's amount and state, made on the platform. */
const platformRecord = (outRefundNo: string, refundFee: number) =>
  expect.objectContaining({
    outRefundNo,
    refundFee,
    status: 'SUCCESS',
    by: 'merchant-platform',
    onPlatform: true,
    hook: expect.objectContaining({ state: 'DONE' }),
  });

/** yyyyMMdd of the Beijing day of `ms`. */
const beijingDay = (ms: number): string =>
  new Date(ms + BEIJING).toISOString().slice(0, 10).replace(/-/g, '');

/**
 * The clock to 10:`minute` the next Beijing morning (the day's bill is ready from 10:00, the daily
 * reconciliation runs at 10:30): answers the day the clock left, yyyyMMdd.
 */
async function nextMorning(minute: number): Promise<string> {
  const { now } = await kit.clock('advance', { ms: 0 });
  const day = Math.floor((now + BEIJING) / (24 * HOUR)) * 24 * HOUR - BEIJING;
  await kit.moveClock('set', { at: day + 24 * HOUR + 10 * HOUR + minute * 60_000 });
  return beijingDay(now);
}

/** The next morning past the daily reconciliation (it repairs): the report it stored for the day before. */
async function nextMorningsReconcile(): Promise<BillReport> {
  const [report] = await query<BillReport>(sandbox.url, 'paykit_bills', { _id: await nextMorning(35) });
  return report;
}

const ofOrder = (report: BillReport, orderNo: string): Discrepancy[] =>
  report.discrepancies.filter((d) => d.orderNo === orderNo);

describe('a refund made on the merchant platform of a payment the kit recorded', () => {
  test('a partial one is recorded as WeChat has it; onRefunded runs once; the admin can refund what is left and no more', async () => {
    await platformNotifications(true);
    try {
      const paid = await paidOrder();
      // Delivered twice (APIv3's notification; on cloudPay, a refundCallback naming it twice at once).
      if (PROVIDER === 'apiv3') {
        await post(`${sandbox.url}/sandbox/pay/callbacks`, { mode: 'duplicate', kind: 'refund', count: 1 });
      }
      const outRefundNo = await refundOnPlatform(paid.outTradeNo, 1000);
      if (PROVIDER === 'cloudpay') {
        // The event's claims are not what is recorded: WeChat's answer is.
        const answers = await Promise.all([
          refundCallback(paid.outTradeNo, outRefundNo, { refundFee: 2800, refundStatus: 'SUCCESS' }),
          refundCallback(paid.outTradeNo, outRefundNo),
        ]);
        // The one that lost the race to onRefunded finds it running: "retry", as for the kit's own
        // refunds; WeChat's next delivery is then acknowledged.
        const busy = { errcode: 1, errmsg: 'refund recorded, but the onRefunded hook is BUSY; retry' };
        expect(answers).toContainEqual({ errcode: 0, errmsg: '' });
        for (const answer of answers) expect([{ errcode: 0, errmsg: '' }, busy]).toContainEqual(answer);
        expect(await refundCallback(paid.outTradeNo, outRefundNo)).toEqual({ errcode: 0, errmsg: '' });
      } else {
        const { deliveries } = await get<{ deliveries: Array<{ outcome: string; duplicate: boolean }> }>(
          `${sandbox.url}/sandbox/pay/deliveries?kind=refund&outTradeNo=${paid.outTradeNo}`,
        );
        // Acknowledged (2xx), in whichever order they came; one that overlapped the other's onRefunded
        // finds the hook running and asks to be delivered again (5xx), as cloudPay's answers "retry".
        const outcomes = deliveries.map((d) => d.outcome);
        expect(outcomes).toHaveLength(2);
        expect(outcomes).toContain('ok');
        for (const outcome of outcomes) expect(['ok', 'rejected']).toContain(outcome);
        expect(deliveries.filter((d) => d.duplicate)).toHaveLength(1);
      }
      const doc = await order(paid.orderNo);
      expect(doc.status).toBe('REFUND');
      expect(doc.refunds).toEqual([platformRecord(outRefundNo, 1000)]);
      // Part of it is still paid for: still to be shipped.
      expect(doc.shipping?.state).toBe('AWAITING');
      expect(await onRefundedRuns(paid.orderNo)).toEqual([
        expect.objectContaining({ refundNo: outRefundNo }),
      ]);

      // The buyer sees the refund; the admin sees it made on the platform, and what is left.
      const { order: view } = await kit.ok(ALICE, 'queryOrder', { orderNo: paid.orderNo });
      expect(view).toEqual(
        expect.objectContaining({
          status: 'REFUND',
          refundedFee: 1000,
          refunds: [expect.objectContaining({ refundNo: outRefundNo, refundFee: 1000, onPlatform: true })],
        }),
      );
      expect(view.refundedOutside).toBeUndefined();
      expect(await kit.ok(ADMIN, 'queryOrder', { orderNo: paid.orderNo })).toEqual(
        expect.objectContaining({ refundable: 1800 }),
      );

      // WeChat takes one refund of a trade a minute.
      await kit.moveClock('advance', { ms: 61_000 });
      expect(await kit.call(ADMIN, 'refund', { orderNo: paid.orderNo, refundFee: 1801 })).toEqual(
        expect.objectContaining({ ok: false, code: 'INVALID_PARAM' }),
      );
      await kit.ok(ADMIN, 'refund', { orderNo: paid.orderNo, refundFee: 1800 });
      await kit.settle();
      const after = await order(paid.orderNo);
      expect(after.refunds.map((r) => [r.refundFee, r.status, r.onPlatform ?? false])).toEqual([
        [1000, 'SUCCESS', true],
        [1800, 'SUCCESS', false],
      ]);
      expect(after.shipping?.state).toBe('REFUNDED');
      expect(await onRefundedRuns(paid.orderNo)).toHaveLength(2);
    } finally {
      await platformNotifications(false);
    }
  });

  test('a full one, in the next day’s bill, makes the order REFUND and ends its shipment; the bill reports it repaired', async () => {
    const paid = await paidOrder();
    const outRefundNo = await refundOnPlatform(paid.outTradeNo, 2800);
    // No notification of it reached the kit (cloudPay sends none; APIv3's URL is not set).
    expect(await order(paid.orderNo)).toEqual(expect.objectContaining({ status: 'SUCCESS', refunds: [] }));

    const report = await nextMorningsReconcile();
    expect(ofOrder(report, paid.orderNo)).toEqual([
      expect.objectContaining({ kind: 'REFUND_NOT_HERE', outRefundNo, wechatFee: 2800, repaired: true }),
    ]);
    const doc = await order(paid.orderNo);
    expect(doc.status).toBe('REFUND');
    expect(doc.refunds).toEqual([platformRecord(outRefundNo, 2800)]);
    expect(doc.shipping?.state).toBe('REFUNDED');
    expect(await onRefundedRuns(paid.orderNo)).toHaveLength(1);
    const toShip = await kit.ok(ADMIN, 'listToShip', {});
    expect(toShip.orders.map((o) => o.orderNo)).not.toContain(paid.orderNo);
    expect(await kit.ok(ADMIN, 'queryOrder', { orderNo: paid.orderNo })).toEqual(
      expect.objectContaining({ refundable: 0 }),
    );
    expect(await kit.call(ADMIN, 'refund', { orderNo: paid.orderNo, refundFee: 1 })).toEqual(
      expect.objectContaining({ ok: false, code: 'INVALID_PARAM' }),
    );
  });

  test('its notification and the bill racing record it once', async () => {
    await platformNotifications(true);
    try {
      const paid = await paidOrder();
      if (PROVIDER === 'apiv3') {
        await post(`${sandbox.url}/sandbox/pay/callbacks`, { mode: 'hold', kind: 'refund', count: 1 });
      }
      const outRefundNo = await refundOnPlatform(paid.outTradeNo, 500);
      expect((await order(paid.orderNo)).refunds).toEqual([]);
      // The next morning before the daily run: an admin reconciles twice while the notification comes.
      const billDate = await nextMorning(5);
      const learners: Array<Promise<unknown>> = [
        kit.ok(ADMIN, 'downloadBill', { billDate, repair: true }),
        kit.ok(ADMIN, 'downloadBill', { billDate, repair: true }),
        PROVIDER === 'apiv3'
          ? post(`${sandbox.url}/sandbox/pay/callbacks/release`, {}).then(() => kit.settle())
          : refundCallback(paid.outTradeNo, outRefundNo),
      ];
      await Promise.all(learners);
      await kit.settle();
      const doc = await order(paid.orderNo);
      expect(doc.refunds).toEqual([platformRecord(outRefundNo, 500)]);
      expect(await onRefundedRuns(paid.orderNo)).toHaveLength(1);
      expect(await kit.ok(ADMIN, 'queryOrder', { orderNo: paid.orderNo })).toEqual(
        expect.objectContaining({ refundable: 2300 }),
      );
    } finally {
      await platformNotifications(false);
    }
  });

  test("an admin's look at the order learns it where WeChat lists a trade's refunds (cloudPay); a buyer's does not ask", async () => {
    const paid = await paidOrder();
    const outRefundNo = await refundOnPlatform(paid.outTradeNo, 1000);
    await kit.ok(ALICE, 'queryOrder', { orderNo: paid.orderNo });
    expect((await order(paid.orderNo)).refunds).toEqual([]);
    if (PROVIDER === 'cloudpay') {
      // WeChat not answering: the admin is shown the order as recorded.
      await post(`${sandbox.url}/sandbox/pay/faults`, { api: 'queryRefund', error: 'SYSTEMERROR', count: 1 });
      expect(await kit.ok(ADMIN, 'queryOrder', { orderNo: paid.orderNo })).toEqual(
        expect.objectContaining({ refundable: 2800 }),
      );
    }
    const { refundable } = await kit.ok(ADMIN, 'queryOrder', { orderNo: paid.orderNo });
    if (PROVIDER === 'cloudpay') {
      expect(refundable).toBe(1800);
      expect((await order(paid.orderNo)).refunds).toEqual([platformRecord(outRefundNo, 1000)]);
      expect(await onRefundedRuns(paid.orderNo)).toHaveLength(1);
      // Looked at again, it is not recorded twice, nor its hook run again.
      await kit.ok(ADMIN, 'queryOrder', { orderNo: paid.orderNo });
      expect((await order(paid.orderNo)).refunds).toHaveLength(1);
      expect(await onRefundedRuns(paid.orderNo)).toHaveLength(1);
    } else {
      // APIv3 lists no refunds of a trade: its notification (not configured here) or the bill tells.
      expect(refundable).toBe(2800);
      expect((await order(paid.orderNo)).refunds).toEqual([]);
    }
  });

  test('a refundCallback naming a refund WeChat does not have records nothing, and is acknowledged once asked', async () => {
    const paid = await paidOrder();
    const claim = { refundStatus: 'SUCCESS', refundFee: 2800, refundId: '50000000000000000000000000001' };
    expect(await refundCallback(paid.outTradeNo, 'PLATFORM-FORGED-1', claim)).toEqual({
      errcode: 0,
      errmsg: '',
    });
    expect(await order(paid.orderNo)).toEqual(
      expect.objectContaining({
        status: 'SUCCESS',
        refunds: [],
        shipping: expect.objectContaining({ state: 'AWAITING' }),
      }),
    );
    expect(await onRefundedRuns(paid.orderNo)).toEqual([]);
    expect(await kit.ok(ADMIN, 'queryOrder', { orderNo: paid.orderNo })).toEqual(
      expect.objectContaining({ refundable: 2800 }),
    );
  });

  test("a refund of another order's trade is not recorded on the order a refundCallback names", async () => {
    const named = await paidOrder();
    const other = await paidOrder();
    const outRefundNo = await refundOnPlatform(other.outTradeNo, 700);
    expect(await refundCallback(named.outTradeNo, outRefundNo, { refundFee: 700 })).toEqual({
      errcode: 0,
      errmsg: '',
    });
    expect(await order(named.orderNo)).toEqual(expect.objectContaining({ status: 'SUCCESS', refunds: [] }));
    expect(await onRefundedRuns(named.orderNo)).toEqual([]);
    // It is the other order's: its own learner records it there.
    expect(await refundCallback(other.outTradeNo, outRefundNo)).toEqual({ errcode: 0, errmsg: '' });
    expect((await order(other.orderNo)).refunds).toEqual([platformRecord(outRefundNo, 700)]);
  });

  test('a failure to ask WeChat is not acknowledged: the refundCallback is delivered again', async () => {
    const paid = await paidOrder();
    const outRefundNo = await refundOnPlatform(paid.outTradeNo, 300);
    await post(`${sandbox.url}/sandbox/pay/faults`, {
      ...providerFault('queryRefund', 'SYSTEMERROR'),
      count: 1,
    });
    expect(await refundCallback(paid.outTradeNo, outRefundNo)).toEqual(
      expect.objectContaining({ errcode: 1 }),
    );
    expect((await order(paid.orderNo)).refunds).toEqual([]);
    expect(await refundCallback(paid.outTradeNo, outRefundNo)).toEqual({ errcode: 0, errmsg: '' });
    expect((await order(paid.orderNo)).refunds).toEqual([platformRecord(outRefundNo, 300)]);
  });
});
