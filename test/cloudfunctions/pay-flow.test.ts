/** @jest-environment node */
/**
 * The first payment end to end at the server: the built unifiedOrder and payCallback bundles run
 * in the sandbox through the real wx-server-sdk; the sandbox pays and calls back.
 */
import type { PaykitResponse } from '../../typings/paykit/errors';
import type { QueryOrderResult, UnifiedOrderResult } from '../../typings/paykit/functions';
import { callAs, eventually, get, post, query, readDoc, seed } from '../helpers/control';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox';

let sandbox: SandboxProcess;
let base: string;

const ALICE = 'o-alice-flow';
const BOB = 'o-bob-flow';

beforeAll(async () => {
  sandbox = await startSandboxProcess();
  base = sandbox.url;
  await seed(base, {
    paykit_products: [
      { _id: 'latte', name: '拿铁', price: 2800, active: true },
      { _id: 'retired', name: '停售品', price: 100, active: false },
    ],
  });
});

afterAll(async () => {
  await sandbox?.stop();
});

async function order(openid: string, data: unknown): Promise<PaykitResponse<UnifiedOrderResult>> {
  return callAs<PaykitResponse<UnifiedOrderResult>>(base, openid, 'unifiedOrder', data);
}

function ok<T>(res: PaykitResponse<T>): T {
  if (!res.ok) throw new Error(`expected ok, got ${res.code}: ${res.message}`);
  return res.data;
}

interface StoredOrder {
  _id: string;
  openid: string;
  status: string;
  totalFee: number;
  version: number;
  paidAt?: unknown;
  transactionId?: string;
}

describe('unifiedOrder', () => {
  test('prices from the catalogue and takes the payer from the context, ignoring the client', async () => {
    const res = ok(
      await order(ALICE, { items: [{ sku: 'latte', quantity: 2 }], totalFee: 1, amount: 1, openid: BOB }),
    );
    expect(res.totalFee).toBe(5600);
    expect(res.orderNo).toMatch(/^PK\d{22}$/);
    expect(res.payment).toEqual(
      expect.objectContaining({ package: expect.stringMatching(/^prepay_id=wx/), signType: 'MD5' }),
    );
    expect(res.payment.paySign).toMatch(/^[0-9A-F]{32}$/);
    const stored = await readDoc<StoredOrder>(base, 'paykit_orders', res.orderNo);
    expect(stored).toEqual(expect.objectContaining({ openid: ALICE, status: 'NOTPAY', totalFee: 5600 }));
  });

  test('bad input answers a code and writes nothing', async () => {
    const before = (await query(base, 'paykit_orders')).length;
    const cases: Array<[unknown, string]> = [
      [{ items: 'latte' }, 'INVALID_PARAM'],
      [{ items: [] }, 'INVALID_PARAM'],
      [{ items: [{ sku: 'latte', quantity: 0 }] }, 'INVALID_PARAM'],
      [{ items: [{ sku: 'latte', quantity: 1.5 }] }, 'INVALID_PARAM'],
      [{ items: [{ sku: 'nope', quantity: 1 }] }, 'PRODUCT_NOT_FOUND'],
      [{ items: [{ sku: 'retired', quantity: 1 }] }, 'PRODUCT_NOT_FOUND'],
      [{ orderNo: 'PK123' }, 'INVALID_PARAM'],
    ];
    for (const [data, code] of cases) {
      const res = await order(ALICE, data);
      expect(res).toEqual(expect.objectContaining({ ok: false, code }));
      if (!res.ok) expect(res.message).toEqual(expect.any(String));
    }
    expect((await query(base, 'paykit_orders')).length).toBe(before);
  });

  test('the same request key returns the same order and payment', async () => {
    const data = { items: [{ sku: 'latte', quantity: 1 }], requestKey: 'tap-0001-alice' };
    const first = ok(await order(ALICE, data));
    const again = ok(await order(ALICE, data));
    expect(again.orderNo).toBe(first.orderNo);
    expect(again.payment).toEqual(first.payment);
    expect(await query(base, 'paykit_orders', { requestKey: 'tap-0001-alice' })).toHaveLength(1);
  });
});

describe('payment and callback', () => {
  test('paying marks the order SUCCESS once; a duplicate callback changes nothing', async () => {
    const placed = ok(await order(ALICE, { items: [{ sku: 'latte', quantity: 1 }] }));
    const paid = await post<{ errMsg: string }>(`${base}/gateway/pay`, {
      package: placed.payment.package,
      openid: ALICE,
      action: 'pay',
    });
    expect(paid.errMsg).toBe('requestPayment:ok');

    const stored = await eventually(async () => {
      const doc = await readDoc<StoredOrder>(base, 'paykit_orders', placed.orderNo);
      return doc?.status === 'SUCCESS' ? doc : undefined;
    });
    expect(stored.transactionId).toMatch(/^42\d{26}$/);

    // WeChat delivers the same notification again: nothing changes, and it is acknowledged.
    const outTradeNo = (stored as StoredOrder & { outTradeNo: string }).outTradeNo;
    type Delivery = { event: Record<string, unknown>; outcome: string; answer?: unknown };
    // The order is recorded inside the callback; the sandbox logs the answer once it returns.
    const deliveries = await eventually(async () => {
      const res = await get<{ deliveries: Delivery[] }>(
        `${base}/sandbox/pay/deliveries?outTradeNo=${outTradeNo}`,
      );
      return res.deliveries.every((d) => d.outcome !== 'pending') ? res.deliveries : undefined;
    });
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0].outcome).toBe('ok');
    expect(deliveries[0].answer).toEqual({ errcode: 0, errmsg: '' });
    const event = deliveries[0].event;
    expect(event).toEqual(expect.objectContaining({ outTradeNo, resultCode: 'SUCCESS', totalFee: 2800 }));
    // The first delivery has finished (goods delivered too): this is the state to keep.
    const settled = await readDoc<StoredOrder>(base, 'paykit_orders', placed.orderNo);
    const answer = await post<{ result: unknown }>(`${base}/sandbox/functions/payCallback/invoke`, {
      data: event,
    });
    expect(answer.result).toEqual({ errcode: 0, errmsg: '' });
    const after = await readDoc<StoredOrder>(base, 'paykit_orders', placed.orderNo);
    expect(after).toEqual(settled);
    const notes = await query(base, 'paykit_notifications', { orderNo: placed.orderNo });
    expect(notes.map((n) => n.verdict).sort()).toEqual(['ALREADY_PAID', 'PAID']);
  });

  test('a forged success from a client changes nothing', async () => {
    const placed = ok(await order(ALICE, { items: [{ sku: 'latte', quantity: 1 }] }));
    const stored = await readDoc<StoredOrder & { outTradeNo: string }>(base, 'paykit_orders', placed.orderNo);
    const forged = await callAs<{ errcode: number }>(base, BOB, 'payCallback', {
      returnCode: 'SUCCESS',
      resultCode: 'SUCCESS',
      outTradeNo: stored!.outTradeNo,
      totalFee: 2800,
      transactionId: '4200000000202611280000000000',
    });
    expect(forged.errcode).not.toBe(0);
    expect((await readDoc<StoredOrder>(base, 'paykit_orders', placed.orderNo))!.status).toBe('NOTPAY');
  });

  test('a cancelled payment leaves the order payable with the same prepay', async () => {
    const placed = ok(await order(ALICE, { items: [{ sku: 'latte', quantity: 1 }] }));
    const cancelled = await post<{ errMsg: string }>(`${base}/gateway/pay`, {
      package: placed.payment.package,
      openid: ALICE,
      action: 'cancel',
    });
    expect(cancelled.errMsg).toBe('requestPayment:fail cancel');
    expect((await readDoc<StoredOrder>(base, 'paykit_orders', placed.orderNo))!.status).toBe('NOTPAY');
    const again = ok(await order(ALICE, { orderNo: placed.orderNo }));
    expect(again.payment.package).toBe(placed.payment.package);
  });
});

describe('queryOrder', () => {
  test('answers the owner and hides the order from anyone else', async () => {
    const placed = ok(await order(ALICE, { items: [{ sku: 'latte', quantity: 1 }] }));
    const mine = await callAs<PaykitResponse<QueryOrderResult>>(base, ALICE, 'queryOrder', {
      orderNo: placed.orderNo,
    });
    expect(ok(mine).order).toEqual(
      expect.objectContaining({ orderNo: placed.orderNo, status: 'NOTPAY', totalFee: 2800 }),
    );
    const theirs = await callAs<PaykitResponse<QueryOrderResult>>(base, BOB, 'queryOrder', {
      orderNo: placed.orderNo,
    });
    expect(theirs).toEqual(expect.objectContaining({ ok: false, code: 'ORDER_NOT_FOUND' }));
  });

  test('a payment whose callback was lost is recovered by the query', async () => {
    await post(`${base}/sandbox/pay/callbacks`, { mode: 'drop', count: 1 });
    const placed = ok(await order(ALICE, { items: [{ sku: 'latte', quantity: 3 }] }));
    await post(`${base}/gateway/pay`, { package: placed.payment.package, openid: ALICE, action: 'pay' });
    const res = ok(
      await callAs<PaykitResponse<QueryOrderResult>>(base, ALICE, 'queryOrder', { orderNo: placed.orderNo }),
    );
    expect(res.order.status).toBe('SUCCESS');
    expect(res.order.totalFee).toBe(8400);
  });
});
