/**
 * `npm run bench -- chaos [--orders 300] [--seed 1] [--users 8] [--concurrency 6] [--kill-rate 0.03]
 * [--minutes 4] [--ttl 15] [--backlog 100] [--dump data.json]`: a bounded chaos soak of the kit on its own sandbox (loopback only). Users place and
 * pay orders while instances are killed, WeChat Pay APIs fail, callbacks are lost, doubled, delayed
 * and reordered, and the clock jumps; then it settles and checks every invariant (invariants.ts).
 * Exits non-zero when one fails.
 */
import * as fs from 'fs';
import { startSandboxProcess } from '../../test/helpers/sandbox';
import { abandonOrders, lifeOfOrder, type SoakContext } from './actions';
import { SoakClient } from './client';
import { checkInvariants } from './invariants';
import { Rng, Tally } from './random';
import { printReport } from './report';
import { settle } from './settle';
import { Storm } from './storm';

export interface SoakOptions {
  orders: number;
  seed: number;
  users: number;
  concurrency: number;
  killRate: number;
  /** Wall-time budget of the storm; the orders not started by then are skipped. */
  minutes: number;
  ttlMinutes: number;
  /** Orders abandoned at once after the storm, for the expiry sweep to close while settling. */
  backlog: number;
}

const ADMIN = 'o-chaos-admin';
const PRODUCTS = [
  { _id: 'chaos-tea', name: '乌龙茶', price: 1600, active: true },
  { _id: 'chaos-latte', name: '拿铁', price: 2800, active: true },
  { _id: 'chaos-cake', name: '芝士蛋糕', price: 4500, active: true },
];

export function soakOptions(argv: string[]): SoakOptions {
  const flag = (name: string, fallback: number, min: number, max: number): number => {
    const i = argv.indexOf(`--${name}`);
    const raw = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max)
      throw new Error(`--${name} must be a number from ${min} to ${max}`);
    return value;
  };
  return {
    orders: Math.floor(flag('orders', 300, 1, 5000)),
    seed: Math.floor(flag('seed', 1, 0, 2 ** 31)),
    users: Math.floor(flag('users', 8, 1, 100)),
    concurrency: Math.floor(flag('concurrency', 6, 1, 32)),
    killRate: flag('kill-rate', 0.03, 0, 1),
    minutes: flag('minutes', 4, 0.1, 30),
    ttlMinutes: Math.floor(flag('ttl', 15, 6, 120)),
    backlog: Math.floor(flag('backlog', 100, 0, 2000)),
  };
}

export async function benchChaos(argv = process.argv.slice(2)): Promise<void> {
  const opts = soakOptions(argv);
  const sandbox = await startSandboxProcess({
    args: [
      '--fn-env',
      `PAYKIT_SUB_MCH_ID=1900000109,PAYKIT_ADMIN_OPENIDS=${ADMIN},PAYKIT_ORDER_TTL_MINUTES=${opts.ttlMinutes}`,
    ],
  });
  // However the sandbox behaves, the soak ends: its storm budget, the settling bound, and a margin.
  const watchdog = setTimeout(
    () => {
      console.error('chaos soak: over its time bound, stopping the sandbox');
      void sandbox.stop('SIGKILL').then(() => process.exit(2));
    },
    (opts.minutes + 6) * 60_000,
  );
  watchdog.unref();
  try {
    const client = new SoakClient(sandbox.url);
    await client.post('/sandbox/db/import', { paykit_products: PRODUCTS });
    const tally = new Tally();
    const ctx: SoakContext = {
      client,
      seed: opts.seed,
      users: Array.from({ length: opts.users }, (_, i) => `o-chaos-user-${i}`),
      admin: ADMIN,
      skus: PRODUCTS.map((p) => p._id),
      tally,
      keyAnswers: new Map(),
    };
    console.log(
      `chaos soak: ${opts.orders} orders, seed ${opts.seed}, ${opts.users} users, ${opts.concurrency} in flight, ` +
        `kill rate ${opts.killRate}, order TTL ${opts.ttlMinutes} min, storm budget ${opts.minutes} min`,
    );
    const startedAt = await client.clock('read');
    await client.chaos({ killRate: opts.killRate, withinCalls: 10, seed: opts.seed });

    // The storm: users, and one chaos action or more after each finished order.
    const storm = new Storm(client, new Rng(opts.seed, 0), tally);
    const stormRng = new Rng(opts.seed, -1);
    const deadline = Date.now() + opts.minutes * 60_000;
    const driveStarted = Date.now();
    let next = 0;
    let done = 0;
    let stormed = 0;
    let finished = false;
    const weather = (async () => {
      while (!finished) {
        if (stormed < done * 1.5) {
          await storm.step().catch((err: Error) => tally.add(`soak.storm ${err.message.slice(0, 60)}`));
          stormed += stormRng.chance(0.5) ? 1 : 2;
        } else await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await Promise.all(
      Array.from({ length: opts.concurrency }, async () => {
        while (next < opts.orders && Date.now() < deadline) {
          await lifeOfOrder(ctx, next++).catch((err: Error) =>
            tally.add(`soak.order ${err.message.slice(0, 60)}`),
          );
          done++;
        }
      }),
    );
    finished = true;
    await weather;
    const driveMs = Date.now() - driveStarted;
    const chaosStats = (await client.chaos({ killRate: 0 })).stats;
    console.log(`storm over: ${done}/${opts.orders} orders in ${(driveMs / 1000).toFixed(1)} s`);
    const backlog = await abandonOrders(ctx, opts.backlog, opts.concurrency);
    console.log(`${backlog} more orders placed and abandoned (the expiry backlog); settling…`);

    const settled = await settle(client, 120_000);
    const now = await client.clock('read');
    const [orders, hookRuns, notifications, deliveries, trades, sweeps] = await Promise.all([
      client.collection('paykit_orders'),
      client.collection('paykit_hook_runs'),
      client.collection('paykit_notifications'),
      client.collection('paykit_deliveries'),
      client.trades(),
      client.logs('closeExpiredOrders'),
    ]);
    const dump = argv.indexOf('--dump');
    if (dump >= 0 && argv[dump + 1]) {
      const data = { orders, hookRuns, notifications, deliveries, trades, sweeps };
      fs.writeFileSync(argv[dump + 1], JSON.stringify(data, null, 1));
    }
    const results = checkInvariants({
      now,
      orders,
      hookRuns,
      notifications,
      deliveries,
      trades,
      keyAnswers: ctx.keyAnswers,
    });
    printReport({
      opts,
      tally,
      done,
      driveMs,
      sandboxMs: now - startedAt,
      stormJumpMs: storm.jumpedMs,
      chaos: chaosStats,
      settled,
      backlog,
      sweeps,
      orders: orders.length,
      trades: trades.length,
      results,
    });
    if (results.some((r) => r.violations > 0)) process.exitCode = 1;
    // A soak in which nothing was paid proves nothing.
    if (!trades.some((t) => t.state === 'SUCCESS' || t.state === 'REFUND')) {
      console.log('no payment went through: the soak exercised nothing');
      process.exitCode = 1;
    }
  } finally {
    clearTimeout(watchdog);
    await sandbox.stop();
  }
}
