/** @jest-environment node */
/**
 * Shipments racing each other and refunds: WeChat allows one shipment and one re-shipment per
 * payment, so what the kit records must be what WeChat holds, however the calls interleave.
 */
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
