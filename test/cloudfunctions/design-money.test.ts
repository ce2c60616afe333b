/** @jest-environment node */
/**
 * DESIGN.md's money claims that no other suite held the kit to: the callback checks the amount
 * WeChat took against the order before it moves it (§3 Callback), and a refund number names one
 * refund of one order (§8: idempotency keys are enforced, never answered for something else).
 */
import { get, post, query } from '../helpers/control';
import { PROVIDER, providerFault, startKitSandbox, type KitClient } from '../helpers/kit';
import type { SandboxProcess } from '../helpers/sandbox';

let sandbox: SandboxProcess;
let kit: KitClient;
const ALICE = 'o-alice-design';
const BOB = 'o-bob-design';
const ADMIN = 'o-admin-design';

beforeAll(async () => {
  ({ sandbox, kit } = await startKitSandbox(ADMIN));
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
    // Not acknowledged: WeChat keeps the payment on its retry schedule, and the bill shows it.
    const first = (await deliveriesOf(outTradeNo))[0];
    if (PROVIDER === 'cloudpay') expect(first.answer).toEqual(expect.objectContaining({ errcode: 1 }));
    else expect(first.answer).toEqual(expect.objectContaining({ status: 500 }));

    const view = await kit.ok(ALICE, 'queryOrder', { orderNo: placed.orderNo });
    expect(view.order.status).toBe('NOTPAY');
    expect(view.order.totalFee).toBe(2801);
    const stored = await kit.order<{ status: string; transactionId?: string }>(placed.orderNo);
    expect(stored).toEqual(expect.objectContaining({ status: 'NOTPAY' }));
    expect(stored?.transactionId).toBeUndefined();
    const runs = await query(sandbox.url, 'paykit_hook_runs', { orderNo: placed.orderNo });
    expect(runs).toEqual([]);
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
