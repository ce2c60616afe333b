/**
 * The server side: cloud API calls each kit operation makes (counted by the sandbox per
 * invocation), and a storm of duplicate payment callbacks with its exactly-once result.
 */
import { get, post, query, seed } from '../test/helpers/control';
import { KitClient } from '../test/helpers/kit';
import { startSandboxProcess } from '../test/helpers/sandbox';

interface LogRecord {
  requestId: string;
  name: string;
  calls: { database: number; pay: number; functions: number };
}

async function callsOf(base: string, name: string): Promise<LogRecord['calls']> {
  const { logs } = await get<{ logs: LogRecord[] }>(`${base}/sandbox/logs?name=${name}&limit=1`);
  return logs[0].calls;
}

function show(label: string, calls: LogRecord['calls']): void {
  console.log(`${label.padEnd(46)} database ${String(calls.database).padStart(2)}   pay ${calls.pay}`);
}

export async function benchServer(): Promise<void> {
  const sandbox = await startSandboxProcess();
  try {
    const base = sandbox.url;
    const kit = new KitClient(base);
    await seed(base, { paykit_products: [{ _id: 'tea', name: '乌龙茶', price: 1600, active: true }] });
    await kit.clock('freeze');

    console.log('cloud API calls per operation (one invocation each):');
    const placed = await kit.ok('o-bench', 'unifiedOrder', { items: [{ sku: 'tea', quantity: 1 }] });
    show('unifiedOrder, new order', await callsOf(base, 'unifiedOrder'));
    await kit.ok('o-bench', 'unifiedOrder', { orderNo: placed.orderNo });
    show('unifiedOrder, pay again (prepay reused)', await callsOf(base, 'unifiedOrder'));
    await kit.ok('o-bench', 'queryOrder', { orderNo: placed.orderNo });
    show('queryOrder, unpaid (synced with WeChat)', await callsOf(base, 'queryOrder'));
    await kit.pay('o-bench', placed.payment.package);
    await kit.settle();
    await kit.orderReaches(placed.orderNo, 'SUCCESS');
    show('payCallback, first delivery (incl. onPaid)', await callsOf(base, 'payCallback'));
    await kit.ok('o-bench', 'queryOrder', { orderNo: placed.orderNo });
    show('queryOrder, paid', await callsOf(base, 'queryOrder'));
    const toClose = await kit.ok('o-bench', 'unifiedOrder', { items: [{ sku: 'tea', quantity: 2 }] });
    await kit.clock('advance', { ms: 6 * 60_000 });
    await kit.ok('o-bench', 'closeOrder', { orderNo: toClose.orderNo });
    show('closeOrder (query, close, record)', await callsOf(base, 'closeOrder'));
    await kit.ok('o-bench', 'listOrders', {});
    show('listOrders, one page', await callsOf(base, 'listOrders'));

    // The storm: WeChat's own deliveries are dropped, then every notification arrives ten times.
    const orders = [];
    for (let i = 0; i < 100; i++) {
      const openid = `o-storm-${i % 10}`;
      orders.push({
        openid,
        ...(await kit.ok(openid, 'unifiedOrder', { items: [{ sku: 'tea', quantity: 1 }] })),
      });
    }
    await post(`${base}/sandbox/pay/callbacks`, { mode: 'drop', kind: 'payment', count: 100 });
    for (const o of orders) await kit.pay(o.openid, o.payment.package);
    await kit.settle();
    const { deliveries } = await get<{ deliveries: Array<{ outcome: string; event: unknown }> }>(
      `${base}/sandbox/pay/deliveries?kind=payment`,
    );
    const events = deliveries.filter((d) => d.outcome === 'dropped').map((d) => d.event);
    const storm = Array.from({ length: 1000 }, (_, i) => events[(i * 37) % events.length]);
    let next = 0;
    let acked = 0;
    const started = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < storm.length) {
          const event = storm[next++];
          const res = await post<{ result: { errcode: number } }>(
            `${base}/sandbox/functions/payCallback/invoke`,
            {
              data: event,
              source: 'wx_pay',
            },
          );
          if (res.result.errcode === 0) acked++;
        }
      }),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const runs = await query(base, 'paykit_hook_runs', {
      hook: 'onPaid',
      orderNo: { $in: orders.map((o) => o.orderNo) },
    });
    const paid = await query(base, 'paykit_orders', {
      _id: { $in: orders.map((o) => o.orderNo) },
      status: 'SUCCESS',
    });
    console.log(
      `callback storm: 1000 duplicate callbacks for 100 orders, 32 in flight: ${(1000 / seconds).toFixed(0)} callbacks/s ` +
        `(${seconds.toFixed(2)} s); acknowledged ${acked}/1000; orders paid ${paid.length}/100; onPaid runs ${runs.length} (exactly once: ${runs.length === 100})`,
    );
  } finally {
    await sandbox.stop();
  }
}
