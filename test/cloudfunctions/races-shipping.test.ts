/** @jest-environment node */
/**
 * Shipments racing each other and refunds: WeChat allows one shipment and one re-shipment per
 * payment, so what the kit records must be what WeChat holds, however the calls interleave.
 */
import { eventually, get, post } from '../helpers/control';
import { startKitSandbox, type KitClient } from '../helpers/kit';
import type { SandboxProcess } from '../helpers/sandbox';
import { ShippingKit, zto } from '../helpers/shipping-kit';

const ADMIN = 'o-admin-ship-race';
const BUYER = 'o-buyer-ship-race';
let sandbox: SandboxProcess;
let kit: KitClient;
let shipping: ShippingKit;

beforeAll(async () => {
  ({ sandbox, kit } = await startKitSandbox(ADMIN));
  shipping = new ShippingKit(kit, BUYER);
  await kit.clock('resume');
});

afterAll(async () => {
  await sandbox?.stop();
});

test('two different shipments of one order at once: what the kit records is what WeChat holds', async () => {
  const wrong: string[] = [];
  for (let i = 0; i < 6; i++) {
    const order = await shipping.paidAndKnown('latte');
    const ship = (trackingNo: string) =>
      kit.call(ADMIN, 'shipOrder', { orderNo: order.orderNo, packages: [zto(trackingNo, '拿铁')] });
    const answers = await Promise.all([ship(`SFA${i}`), ship(`SFB${i}`)]);
    const here = (await shipping.stored(order.orderNo)).shipping!;
    const there = await shipping.atWeChat(order.transactionId);
    const count = there?.shipping?.finish_shipping_count;
    if ('uploadingSince' in here) wrong.push(`${order.orderNo}: the upload claim was left behind`);
    if (here.count !== count)
      wrong.push(
        `${order.orderNo}: ${here.count} shipment(s) here, ${count} at WeChat (${JSON.stringify(answers)})`,
      );
  }
  expect(wrong).toEqual([]);
}, 120_000);

test('an order paid before shipping existed, shipped while a refund of it is asked: the shipment WeChat took is recorded', async () => {
  const order = await shipping.paidAndKnown('latte');
  // The order as the kit stored it before its shipping record existed.
  const { paykit_orders: docs } = await get<{ paykit_orders: Array<Record<string, unknown>> }>(
    `${sandbox.url}/sandbox/db/export?collections=paykit_orders`,
  );
  const { shipping: _record, ...legacy } = docs.find((d) => d._id === order.orderNo)!;
  await post(`${sandbox.url}/sandbox/db/import`, { paykit_orders: [legacy] });
  expect((await shipping.stored(order.orderNo)).shipping).toBeUndefined();
  // WeChat takes the upload at once and answers it late; the refund is asked meanwhile.
  const upload = { api: 'shipping.uploadShippingInfo', error: 'SLOW', delayMs: 6000, count: 1 };
  await post(`${sandbox.url}/sandbox/pay/faults`, upload);
  const packages = [zto('ZTLEGACY0001', '拿铁')];
  const shipped = kit.call(ADMIN, 'shipOrder', { orderNo: order.orderNo, packages });
  await eventually(async () => {
    const { api } = await get<{ api: Array<{ api: string; remaining: number }> }>(
      `${sandbox.url}/sandbox/pay/faults`,
    );
    return api.some((f) => f.api === upload.api && f.remaining > 0) ? undefined : true;
  });
  await kit.ok(ADMIN, 'refund', { orderNo: order.orderNo, refundFee: 100, refundNo: `${order.orderNo}L1` });
  const answer = await shipped;
  if (!answer.ok) throw new Error(`shipOrder answered ${answer.code}: ${answer.message}`);
  const here = (await shipping.stored(order.orderNo)).shipping!;
  expect(here).toEqual(expect.objectContaining({ state: 'SHIPPED', count: 1 }));
  expect(here).not.toHaveProperty('uploadingSince');
  expect((await shipping.atWeChat(order.transactionId))?.shipping?.finish_shipping_count).toBe(1);
});
