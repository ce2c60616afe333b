/**
 * After the payment, through the real wx-server-sdk against the sandbox's shipping emulation:
 * shipOrder's latency for an admin (is_trade_managed cached, one upload_shipping_info, one
 * conditional update), and how fast the sweep ships a backlog of virtual orders WeChat did not know
 * at payment time (each answered 10060001 in the payment callback).
 */
import { post } from '../test/helpers/control';
import { KitClient, merchantArgs } from '../test/helpers/kit';
import { startSandboxProcess } from '../test/helpers/sandbox';
import { ShippingKit, zto } from '../test/helpers/shipping-kit';
import { row, summarize, withTarget } from './stats';

const ADMIN = 'o-bench-ship-admin';
const BUYER = 'o-bench-ship-buyer';
const EXPRESS = 40;
const VIRTUAL = 200;

export async function benchShipping(): Promise<void> {
  const sandbox = await startSandboxProcess({ args: merchantArgs(ADMIN) });
  const kit = new KitClient(sandbox.url);
  const ship = new ShippingKit(kit, BUYER);
  try {
    await kit.clock('freeze');
    const express = [];
    for (let i = 0; i < EXPRESS; i++) express.push(await ship.paid('tea-oolong'));
    await kit.clock('advance', { ms: 2 * 60_000 });
    const samples: number[] = [];
    for (const [i, order] of express.entries()) {
      const started = performance.now();
      await kit.ok(ADMIN, 'shipOrder', {
        orderNo: order.orderNo,
        packages: [zto(`ZT9${String(i).padStart(9, '0')}`)],
      });
      samples.push(performance.now() - started);
    }
    const s = summarize(samples);
    console.log(withTarget(row('shipOrder (express, enrolled)', s), 'p50 < 100 ms', s.p50 < 100));

    for (let i = 0; i < VIRTUAL; i++) await ship.paid('voucher-coffee');
    await kit.clock('advance', { ms: 5 * 60_000 });
    let shipped = 0;
    let runs = 0;
    const started = performance.now();
    while (shipped < VIRTUAL && runs < 10) {
      const { result } = await post<{ result: { ok: boolean; data?: { virtualShipped: number } } }>(
        `${sandbox.url}/sandbox/functions/closeExpiredOrders/invoke`,
        { data: {} },
      );
      if (!result.ok || !result.data) throw new Error(`sweep failed: ${JSON.stringify(result)}`);
      shipped += result.data.virtualShipped;
      runs++;
    }
    const seconds = (performance.now() - started) / 1000;
    const perMinute = Math.round((shipped / seconds) * 60);
    console.log(
      withTarget(
        `sweep: ${shipped} of ${VIRTUAL} virtual orders shipped in ${runs} run(s), ${seconds.toFixed(1)} s: ${perMinute} per minute`,
        'the whole backlog in one run',
        shipped === VIRTUAL && runs === 1,
      ),
    );
  } finally {
    await sandbox.stop();
  }
}
