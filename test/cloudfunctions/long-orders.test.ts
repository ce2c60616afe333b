/** @jest-environment node */
/**
 * Orders that live longer than WeChat's 2-hour prepay (PAYKIT_ORDER_TTL_MINUTES=240): paying again
 * after 2 hours closes the spent attempt at WeChat and starts a new one.
 * - The owner closing the order meanwhile from another device must never record CLOSED while WeChat
 *   holds the new attempt as payable (a payment to it would land on a closed order).
 * - A payment of the new attempt whose notifications are all lost is found by the sweep within
 *   minutes, as for a new order, not only when the order expires hours later.
 */
import { del, eventually, get, post, seed } from '../helpers/control';
import { KitClient, merchantArgs, providerArgs, providerFault } from '../helpers/kit';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox';

let sandbox: SandboxProcess;
let kit: KitClient;

beforeAll(async () => {
  sandbox = await startSandboxProcess({
    args: [...merchantArgs('o-admin-attempts', ['PAYKIT_ORDER_TTL_MINUTES=240']), ...providerArgs()],
  });
  kit = new KitClient(sandbox.url);
  await seed(sandbox.url, { paykit_products: [{ _id: 'tea', name: '乌龙茶', price: 1600, active: true }] });
  await kit.clock('freeze');
});

afterAll(async () => {
  await sandbox?.stop();
});

const later = <T>(ms: number, run: () => Promise<T>) =>
  new Promise<T>((resolve, reject) => setTimeout(() => run().then(resolve, reject), ms));

test('a close racing a new payment attempt never ends closed here with a trade WeChat still takes', async () => {
  const orders = [];
  for (let i = 0; i < 60; i++) {
    const openid = `o-attempts-${i % 6}`;
    orders.push({
      openid,
      ...(await kit.ok(openid, 'unifiedOrder', { items: [{ sku: 'tea', quantity: 1 }] })),
    });
  }
  // The first prepay is spent (2 hours); the orders themselves are still payable.
  await kit.clock('advance', { ms: 2 * 3600_000 + 60_000 });
  const outcomes = [];
  for (let batch = 0; batch < orders.length; batch += 6) {
    outcomes.push(
      ...(await Promise.all(
        orders.slice(batch, batch + 6).map(async (o, j) => {
          const i = batch + j;
          // Staggers from 0 to 60 ms either way, so the close lands on every step of the new attempt.
          const stagger = (i * 7) % 61;
          const [closed, again] = await Promise.all([
            later(i % 2 ? stagger : 0, () => kit.call(o.openid, 'closeOrder', { orderNo: o.orderNo })),
            later(i % 2 ? 0 : stagger, () => kit.call(o.openid, 'unifiedOrder', { orderNo: o.orderNo })),
          ]);
          return { closed, again };
        }),
      )),
    );
  }
  // The payer pays whatever payment unifiedOrder handed out.
  for (const [i, o] of orders.entries()) {
    const again = outcomes[i].again;
    if (again.ok) await kit.pay(o.openid, again.data.payment);
  }
  await kit.settle();
  const { trades } = await get<{ trades: Array<{ outTradeNo: string; state: string }> }>(
    `${sandbox.url}/sandbox/pay/trades`,
  );
  const wrong: string[] = [];
  let closedCount = 0;
  for (const [i, o] of orders.entries()) {
    const doc = (await kit.order<{ status: string }>(o.orderNo))!;
    const open = trades.filter((t) => t.outTradeNo.startsWith(o.orderNo) && t.state === 'NOTPAY');
    const paid = trades.find((t) => t.outTradeNo.startsWith(o.orderNo) && t.state === 'SUCCESS');
    if (paid && doc.status !== 'SUCCESS')
      wrong.push(`${o.orderNo} ${doc.status} here, ${paid.outTradeNo} paid`);
    if (doc.status === 'CLOSED') {
      closedCount++;
      if (open.length) wrong.push(`${o.orderNo} CLOSED here, ${open[0].outTradeNo} NOTPAY at WeChat`);
      if (outcomes[i].again.ok) wrong.push(`${o.orderNo} CLOSED here after unifiedOrder answered a payment`);
    }
  }
  expect(wrong).toEqual([]);
  // Both sides won some races, or the race proved only one path.
  expect({ closed: closedCount > 0, open: closedCount < orders.length }).toEqual({
    closed: true,
    open: true,
  });
}, 120_000);

test('a payment of a later attempt whose notifications are all lost is recorded by the next sweeps', async () => {
  const openid = 'o-attempts-lost';
  const placed = await kit.ok(openid, 'unifiedOrder', { items: [{ sku: 'tea', quantity: 1 }] });
  await kit.clock('advance', { ms: 2 * 3600_000 + 60_000 });
  const again = await kit.ok(openid, 'unifiedOrder', { orderNo: placed.orderNo });
  // Every notification of it is lost, and the payer's page never asks (closed right after paying).
  await post(`${sandbox.url}/sandbox/pay/callbacks`, { mode: 'drop', kind: 'payment', count: 50 });
  expect((await kit.pay(openid, again.payment)).errMsg).toBe('requestPayment:ok');
  await kit.settle();
  expect((await kit.order<{ status: string }>(placed.orderNo))?.status).toBe('NOTPAY');
  // Two sweeps later (every 5 minutes), well before the order's expiry 2 hours on.
  for (let i = 0; i < 2; i++) {
    await kit.clock('advance', { ms: 5 * 60_000 });
    await post(`${sandbox.url}/sandbox/triggers/settle`, {});
  }
  const order = await kit.order<{ status: string; outTradeNo: string; fulfilment: { state: string } }>(
    placed.orderNo,
  );
  expect(order).toEqual(
    expect.objectContaining({
      status: 'SUCCESS',
      outTradeNo: `${placed.orderNo}A02`,
      fulfilment: { state: 'DONE', runs: 1, claimedAt: expect.anything(), claimedUntil: expect.anything() },
    }),
  );
  // The drops this test did not use are not the next tests' to meet.
  await del(`${sandbox.url}/sandbox/pay/faults`);
});

test('paying again tapped twice while the spent attempt is being closed: both taps get the one new attempt, neither is told to try again', async () => {
  const openid = 'o-attempts-twice';
  const placed = await kit.ok(openid, 'unifiedOrder', { items: [{ sku: 'tea', quantity: 1 }] });
  await kit.clock('advance', { ms: 2 * 3600_000 + 60_000 });
  await kit.settleTimers();
  // WeChat closes the spent attempt at once for the first tap but answers it late; the second tap,
  // meanwhile, finds the attempt closed and starts the new one.
  const closeOrder = providerFault('closeOrder', 'SLOW');
  await post(`${sandbox.url}/sandbox/pay/faults`, { ...closeOrder, delayMs: 6000, count: 1 });
  const first = kit.call(openid, 'unifiedOrder', { orderNo: placed.orderNo });
  await eventually(async () => {
    const { api } = await get<{ api: Array<{ api: string; remaining: number }> }>(
      `${sandbox.url}/sandbox/pay/faults`,
    );
    return api.some((f) => f.api === closeOrder.api && f.remaining > 0) ? undefined : true;
  });
  const second = await kit.ok(openid, 'unifiedOrder', { orderNo: placed.orderNo });
  const answer = await first;
  if (!answer.ok) throw new Error(`the first tap answered ${answer.code}: ${answer.message}`);
  expect(answer.data.payment.package).toBe(second.payment.package);
  const order = await kit.order<{ attempts: Array<{ outTradeNo: string }> }>(placed.orderNo);
  expect(order!.attempts.map((a) => a.outTradeNo)).toEqual([`${placed.orderNo}A01`, `${placed.orderNo}A02`]);
  // The payment handed out is the one the order is paid by (the order page's query records it).
  expect((await kit.pay(openid, answer.data.payment)).errMsg).toBe('requestPayment:ok');
  const paid = await kit.ok(openid, 'queryOrder', { orderNo: placed.orderNo });
  expect(paid.order.status).toBe('SUCCESS');
});
