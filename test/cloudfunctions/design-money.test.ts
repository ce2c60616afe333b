/** @jest-environment node */
/**
 * DESIGN.md's money claims that no other suite held the kit to: the callback checks the amount
 * WeChat took against the order before it moves it (§3 Callback); an order outliving its prepay is
 * paid through a new attempt, the old one closed at WeChat first (§3 Business order vs payment
 * attempt); and a refund number names one refund of one order (§8: idempotency keys are enforced,
 * never answered for something else).
 */
import { get, post, query, seed } from '../helpers/control';
import { KitClient, merchantArgs, PROVIDER, providerArgs, providerFault } from '../helpers/kit';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox';

let sandbox: SandboxProcess;
let kit: KitClient;
const ALICE = 'o-alice-design';
const BOB = 'o-bob-design';
const ADMIN = 'o-admin-design';

beforeAll(async () => {
  // Orders stay payable for 4 hours here, past a prepay's 2 hours, so an order outlives its prepay.
  sandbox = await startSandboxProcess({
    args: [...merchantArgs(ADMIN, ['PAYKIT_ORDER_TTL_MINUTES=240']), ...providerArgs()],
  });
  kit = new KitClient(sandbox.url);
  await seed(sandbox.url, { paykit_products: [{ _id: 'latte', name: '拿铁', price: 2800, active: true }] });
  await kit.clock('freeze');
});

afterAll(async () => {
  await sandbox?.stop();
});

const buy = (openid = ALICE) => kit.ok(openid, 'unifiedOrder', { items: [{ sku: 'latte', quantity: 1 }] });

/** A stored order as the export has it (EJSON), to import again changed. */
async function exported(orderNo: string): Promise<Record<string, unknown>> {
  const { paykit_orders: orders } = await get<{ paykit_orders: Array<Record<string, unknown>> }>(
    `${sandbox.url}/sandbox/db/export?collections=paykit_orders`,
  );
  return orders.find((o) => o._id === orderNo)!;
}

type Delivery = { outcome: string; answer?: unknown };

/** The callback deliveries of one trade, once none is still pending. */
async function deliveriesOf(outTradeNo: string): Promise<Delivery[]> {
  const { deliveries } = await get<{ deliveries: Delivery[] }>(
    `${sandbox.url}/sandbox/pay/deliveries?outTradeNo=${encodeURIComponent(outTradeNo)}`,
  );
  return deliveries;
}

describe('§3 Callback: it checks the amount before it moves the order', () => {
  test('a payment of another amount than the order is not recorded, by the callback or by a query', async () => {
    const placed = await buy();
    // The order here says 1 fen more than the trade WeChat holds (a record changed after its prepay).
    const doc = await exported(placed.orderNo);
    const outTradeNo = doc.outTradeNo as string;
    await post(`${sandbox.url}/sandbox/db/import`, { paykit_orders: [{ ...doc, totalFee: 2801 }] });

    expect((await kit.pay(ALICE, placed.payment)).errMsg).toBe('requestPayment:ok');
    await kit.settle();
    const notes = await query(sandbox.url, 'paykit_notifications', { orderNo: placed.orderNo });
    expect(notes.map((n) => n.verdict)).toContain('MISMATCH');
    // Acknowledged once what WeChat said is kept on the order for an admin: a delivery again would
    // tell the kit nothing (mismatched-payment.test.ts), and the bill shows the payment.
    const first = (await deliveriesOf(outTradeNo))[0];
    if (PROVIDER === 'cloudpay') expect(first.answer).toEqual(expect.objectContaining({ errcode: 0 }));
    else expect(first.answer).toEqual(expect.objectContaining({ status: 204 }));

    // What WeChat said is kept for an admin (PAYERROR, mismatched-payment.test.ts), not as a payment.
    const view = await kit.ok(ALICE, 'queryOrder', { orderNo: placed.orderNo });
    expect(view.order.status).toBe('PAYERROR');
    expect(view.order.totalFee).toBe(2801);
    const stored = await kit.order<{ status: string; transactionId?: string }>(placed.orderNo);
    expect(stored).toEqual(expect.objectContaining({ status: 'PAYERROR' }));
    expect(stored?.transactionId).toBeUndefined();
    const runs = await query(sandbox.url, 'paykit_hook_runs', { orderNo: placed.orderNo });
    expect(runs).toEqual([]);
  });
});

describe('§3 Callback: a payment not recorded for its amount is not taken twice', () => {
  test.each([
    ['paid', false],
    ['paid, then refunded on the merchant platform', true],
  ])(
    'while WeChat holds the mismatched trade %s, paying the order again is refused',
    async (_state, refund) => {
      const placed = await buy();
      const doc = await exported(placed.orderNo);
      const outTradeNo = doc.outTradeNo as string;
      await post(`${sandbox.url}/sandbox/db/import`, { paykit_orders: [{ ...doc, totalFee: 2801 }] });
      expect((await kit.pay(ALICE, placed.payment)).errMsg).toBe('requestPayment:ok');
      await kit.settle();
      if (refund) {
        await post(`${sandbox.url}/sandbox/pay/refunds`, { outTradeNo });
        await kit.settle();
      }
      expect((await kit.trade(outTradeNo))!.state).toBe(refund ? 'REFUND' : 'SUCCESS');

      // Past the prepay's life the kit would start a new attempt: not while the old one is paid.
      await kit.clock('advance', { ms: 2 * 3600_000 });
      await post(`${sandbox.url}/sandbox/triggers/settle`, {});
      expect(await kit.call(ALICE, 'unifiedOrder', { orderNo: placed.orderNo })).toEqual(
        expect.objectContaining({
          ok: false,
          code: 'ORDER_STATE_CONFLICT',
          message: expect.stringMatching(/does not match/),
        }),
      );
      const after = await exported(placed.orderNo);
      expect((after.attempts as unknown[]).length).toBe(1);
      expect(after.status).toBe('PAYERROR');
      expect(await kit.trade(`${placed.orderNo}A02`)).toBeUndefined();
    },
  );
});

describe('§3 Business order vs payment attempt', () => {
  test('an order that outlived its prepay is paid through a new attempt; the old one is closed at WeChat first', async () => {
    const placed = await buy();
    const before = await exported(placed.orderNo);
    const [firstTrade] = before.attempts as Array<{ outTradeNo: string }>;
    // Within the prepay's life, paying again hands out the same payment.
    const again = await kit.ok(ALICE, 'unifiedOrder', { orderNo: placed.orderNo });
    expect(again.payment.package).toBe(placed.payment.package);

    // Two hours on, the prepay has lapsed but the order is still payable.
    await kit.clock('advance', { ms: 2 * 3600_000 });
    await post(`${sandbox.url}/sandbox/triggers/settle`, {});
    const renewed = await kit.ok(ALICE, 'unifiedOrder', { orderNo: placed.orderNo });
    expect(renewed.orderNo).toBe(placed.orderNo);
    expect(renewed.totalFee).toBe(2800);
    expect(renewed.payment.package).not.toBe(placed.payment.package);
    const after = await exported(placed.orderNo);
    const attempts = after.attempts as Array<{ outTradeNo: string }>;
    expect(attempts.map((a) => a.outTradeNo)).toEqual([firstTrade.outTradeNo, `${placed.orderNo}A02`]);
    expect(after.outTradeNo).toBe(`${placed.orderNo}A02`);
    expect(await kit.trade(firstTrade.outTradeNo)).toEqual(expect.objectContaining({ state: 'CLOSED' }));
    expect(await kit.trade(`${placed.orderNo}A02`)).toEqual(expect.objectContaining({ state: 'NOTPAY' }));

    await kit.payAndConfirm(ALICE, renewed);
    const view = await kit.ok(ALICE, 'queryOrder', { orderNo: placed.orderNo });
    expect(view.order).toEqual(expect.objectContaining({ status: 'SUCCESS', totalFee: 2800 }));
    expect(await kit.trade(firstTrade.outTradeNo)).toEqual(expect.objectContaining({ state: 'CLOSED' }));
  });
});

describe('§3 Query and close: both sync from WeChat first', () => {
  test('a close within the 5 minutes of an order paid meanwhile (callback lost) records the payment', async () => {
    const placed = await buy();
    await post(`${sandbox.url}/sandbox/pay/callbacks`, { mode: 'drop', count: 1 });
    expect((await kit.pay(ALICE, placed.payment)).errMsg).toBe('requestPayment:ok');
    await kit.settle();
    expect((await kit.order(placed.orderNo))!.status).toBe('NOTPAY');
    // Within WeChat's 5 minutes: the payment WeChat has is the answer, not "try again later".
    expect(await kit.call(ALICE, 'closeOrder', { orderNo: placed.orderNo })).toEqual(
      expect.objectContaining({ ok: false, code: 'ORDER_PAID' }),
    );
    expect((await kit.order(placed.orderNo))!.status).toBe('SUCCESS');
    const runs = await query(sandbox.url, 'paykit_hook_runs', { orderNo: placed.orderNo });
    expect(runs.map((r) => r.hook)).toEqual(['onPaid']);
  });

  test('a close within the 5 minutes of an unpaid order still says when it can be closed', async () => {
    const placed = await buy();
    expect(await kit.call(ALICE, 'closeOrder', { orderNo: placed.orderNo })).toEqual(
      expect.objectContaining({ ok: false, code: 'CLOSE_TOO_EARLY', retryAt: expect.any(Number) }),
    );
    expect((await kit.order(placed.orderNo))!.status).toBe('NOTPAY');
  });
});

describe('§8: a refund number names one refund of one order', () => {
  /** Two paid orders, the first refunded `refundFee` under `refundNo`. */
  async function refundedAndPaid(refundNo: string, refundFee: number) {
    const first = await kit.payAndConfirm(ALICE, await buy(ALICE));
    const second = await kit.payAndConfirm(BOB, await buy(BOB));
    await kit.ok(ADMIN, 'refund', { orderNo: first.orderNo, refundFee, refundNo });
    await kit.settle();
    await kit.orderReaches(first.orderNo, 'REFUND');
    return { first, second };
  }

  /** Nothing of `orderNo` was refunded: paid, all of it refundable, onPaid its only hook run. */
  async function notRefunded(orderNo: string) {
    const view = await kit.ok(ADMIN, 'queryOrder', { orderNo });
    expect(view.order.status).toBe('SUCCESS');
    expect(view.order.refundedFee).toBe(0);
    expect(view.order.refunds.filter((r) => r.status !== 'FAILED')).toEqual([]);
    expect(view.refundable).toBe(2800);
    const runs = await query(sandbox.url, 'paykit_hook_runs', { orderNo });
    expect(runs.map((r) => r.hook)).toEqual(['onPaid']);
  }

  /** Two sweeps: each re-asks WeChat about the refunds still open. */
  async function sweep() {
    for (let i = 0; i < 2; i++) {
      await kit.clock('advance', { ms: 6 * 60_000 });
      await post(`${sandbox.url}/sandbox/triggers/settle`, {});
      await kit.settle();
    }
  }

  test("a refund without a number is numbered past the one an admin gave in the kit's own pattern", async () => {
    const placed = await kit.payAndConfirm(ALICE, await buy(ALICE));
    const named = `${placed.orderNo}R02`;
    await kit.ok(ADMIN, 'refund', { orderNo: placed.orderNo, refundFee: 100, refundNo: named });
    // WeChat takes a second refund of one payment a minute after the first.
    await kit.clock('advance', { ms: 61_000 });
    const numbered = await kit.ok(ADMIN, 'refund', { orderNo: placed.orderNo, refundFee: 200 });
    expect(numbered.refundNo).toBe(`${placed.orderNo}R03`);
    await kit.settle();
    const stored = await kit.order<{ refunds: Array<{ outRefundNo: string; refundFee: number }> }>(
      placed.orderNo,
    );
    expect(stored!.refunds.map((r) => [r.outRefundNo, r.refundFee])).toEqual([
      [named, 100],
      [`${placed.orderNo}R03`, 200],
    ]);
  });

  test("a number already used on another order is refused, never recorded as this order's refund", async () => {
    const { first, second } = await refundedAndPaid('design-refund-1', 800);

    // The same number for the other order: WeChat refuses it (the number is the first order's),
    // and asking WeChat about the number finds the first order's refund, which is not this one.
    const answer = await kit.call(ADMIN, 'refund', {
      orderNo: second.orderNo,
      refundFee: 800,
      refundNo: 'design-refund-1',
    });
    expect(answer.ok).toBe(false);
    if (!answer.ok) expect(answer.message).toContain('design-refund-1');
    await kit.settle();
    await sweep();
    await notRefunded(second.orderNo);
    // And the first order's refund is as it was.
    const firstView = await kit.ok(ADMIN, 'queryOrder', { orderNo: first.orderNo });
    expect(firstView.order.refunds).toEqual([
      expect.objectContaining({ refundNo: 'design-refund-1', refundFee: 800, status: 'SUCCESS' }),
    ]);
  });

  test("a refund whose call failed is not settled by another order's refund of that number", async () => {
    const { second } = await refundedAndPaid('design-refund-2', 500);
    // WeChat never hears of this one (the call times out): the sweep asks about the number later.
    await post(`${sandbox.url}/sandbox/pay/faults`, { ...providerFault('refund', 'TIMEOUT'), count: 1 });
    const answer = await kit.call(ADMIN, 'refund', {
      orderNo: second.orderNo,
      refundFee: 500,
      refundNo: 'design-refund-2',
    });
    expect(answer).toEqual(expect.objectContaining({ ok: false, code: 'PAY_PROVIDER_ERROR' }));
    await sweep();
    await notRefunded(second.orderNo);
  });
});
