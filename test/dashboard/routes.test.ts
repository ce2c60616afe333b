/** @jest-environment node */
/**
 * The dashboard's server side over HTTP, as the page uses it: the orders list pages through every
 * order exactly once, newest first, whatever the ties in creation time, and filters by state, user
 * and Beijing day; the live stream says what changed as a purchase and a payment happen, and replays
 * what a reconnecting client missed (Last-Event-ID).
 */
import * as http from 'http';
import type {
  LiveEvent,
  OrdersPage,
  OrderTimeline,
  Overview,
  TimelineEntry,
  TradesPage,
} from '../../typings/sandbox/dashboard';
import { get, seedOrderNo, seedOrders, type SeedOrder } from '../helpers/control';
import { KitClient } from '../helpers/kit';
import { sseReader } from '../helpers/sse';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox';
import { TRADE_DAY_NOON } from '../helpers/constants';

const BUYER = 'oPaykitLocalBuyer';
const ADMIN = 'oPaykitLocalUser';

/** An entry as the test reads it: a notification by its callback, an invocation by its function. */
const labelOf = (e: TimelineEntry): string =>
  e.kind === 'notification'
    ? `notification ${String(e.facts.callback)}`
    : e.kind === 'invocation'
      ? `invocation ${String(e.facts.functionName)}`
      : e.kind;

/** Reads `GET /sandbox/events` until `enough` says so; resolves with the events seen. */
function readEvents(
  base: string,
  headers: Record<string, string>,
  enough: (events: LiveEvent[]) => boolean,
): { done: Promise<LiveEvent[]>; abort: () => void } {
  const events: LiveEvent[] = [];
  let req: http.ClientRequest | undefined;
  const done = new Promise<LiveEvent[]>((resolve, reject) => {
    req = http.get(`${base}/sandbox/events`, { headers }, (res) => {
      expect(res.headers['content-type']).toContain('text/event-stream');
      const read = sseReader();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        events.push(...read(chunk));
        if (enough(events)) {
          resolve(events);
          req?.destroy();
        }
      });
    });
    req.on('error', reject);
  });
  return { done, abort: () => req?.destroy() };
}

describe('dashboard routes', () => {
  let sandbox: SandboxProcess;
  let base: string;

  beforeAll(async () => {
    sandbox = await startSandboxProcess();
    base = sandbox.url;
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  test('the orders list pages through every order once, newest first, ties included, and filters', async () => {
    // 130 orders over two Beijing days, 10 of them in the same millisecond; two users; every state.
    const statuses: SeedOrder['status'][] = ['NOTPAY', 'SUCCESS', 'CLOSED', 'REFUND', 'PAYERROR'];
    const orders: SeedOrder[] = Array.from({ length: 130 }, (_, i) => {
      const createdAt = i < 10 ? TRADE_DAY_NOON : TRADE_DAY_NOON - i * 15 * 60_000;
      return {
        orderNo: seedOrderNo(createdAt, i),
        openid: i % 3 ? 'oUserA' : 'oUserB',
        status: statuses[i % statuses.length],
        totalFee: 100 * (i + 1),
        createdAt,
      };
    });
    await seedOrders(base, orders);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: OrdersPage = await get<OrdersPage>(
        `${base}/sandbox/dashboard/orders?limit=7${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.total).toBe(130);
      expect(page.orders.length).toBeLessThanOrEqual(7);
      seen.push(...page.orders.map((o) => o.orderNo));
      cursor = page.nextCursor;
    } while (cursor);
    const expected = [...orders]
      .sort((a, b) => b.createdAt - a.createdAt || (a.orderNo < b.orderNo ? 1 : -1))
      .map((o) => o.orderNo);
    expect(seen).toEqual(expected);

    const paid = await get<OrdersPage>(`${base}/sandbox/dashboard/orders?status=SUCCESS&limit=200`);
    expect(paid.total).toBe(orders.filter((o) => o.status === 'SUCCESS').length);
    expect(paid.orders.every((o) => o.status === 'SUCCESS')).toBe(true);
    const userB = await get<OrdersPage>(`${base}/sandbox/dashboard/orders?openid=oUserB&limit=200`);
    expect(userB.orders.map((o) => o.orderNo).sort()).toEqual(
      orders
        .filter((o) => o.openid === 'oUserB')
        .map((o) => o.orderNo)
        .sort(),
    );
    // The Beijing day 2024-03-15 starts at 16:00 UTC the day before.
    const day = await get<OrdersPage>(`${base}/sandbox/dashboard/orders?day=2024-03-15&limit=200`);
    const start = Date.UTC(2024, 2, 14, 16, 0, 0);
    expect(day.total).toBe(orders.filter((o) => o.createdAt >= start).length);
    expect(day.orders.every((o) => o.createdAt >= start && o.createdAt < start + 86_400_000)).toBe(true);

    const overview = await get<Overview>(`${base}/sandbox/dashboard/overview`);
    expect(overview.counts).toEqual(
      Object.fromEntries(statuses.map((s) => [s, orders.filter((o) => o.status === s).length])),
    );
  });

  test('the live stream says what changed while a user buys and pays, and replays what a client missed', async () => {
    const kit = new KitClient(base);
    const watch = readEvents(base, {}, (events) =>
      ['order', 'trade', 'notification', 'invocation'].every((k) => events.some((e) => e.kind === k)),
    );
    const placed = await kit.ok(BUYER, 'unifiedOrder', { items: [{ sku: 'coffee-latte', quantity: 1 }] });
    await kit.payAndConfirm(BUYER, placed);
    const events = await watch.done;
    expect(events.find((e) => e.kind === 'trade')?.key).toMatch(new RegExp(`^${placed.orderNo}A`));
    expect(events.find((e) => e.kind === 'invocation')?.key).toBe('unifiedOrder');
    expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id)].sort((a, b) => a - b));

    // A client that saw up to the first event gets the rest again on reconnecting.
    const first = events[0].id;
    const replay = readEvents(
      base,
      { 'last-event-id': String(first) },
      (seen) => seen.length >= events.length - 1,
    );
    const replayed = await replay.done;
    expect(replayed.slice(0, events.length - 1).map((e) => e.id)).toEqual(events.slice(1).map((e) => e.id));

    // WeChat Pay's side of that purchase: a cloudPay trade, newest first, none on APIv3.
    const cloudpay = await get<TradesPage>(`${base}/sandbox/dashboard/trades?api=cloudpay`);
    expect(cloudpay.trades[0]).toMatchObject({ api: 'cloudpay', state: 'SUCCESS', totalFee: 2800 });
    expect(cloudpay.trades[0].outTradeNo.startsWith(`${placed.orderNo}A`)).toBe(true);
    expect((await get<TradesPage>(`${base}/sandbox/dashboard/trades?api=apiv3`)).trades).toEqual([]);
  });

  test("paid and refunded in one frozen instant, as in the README's tour: the timeline reads the payment, then the refund", async () => {
    const kit = new KitClient(base);
    // Half a second past a whole one: WeChat's refund success time, in whole seconds, is earlier.
    const instant = Math.ceil(Date.now() / 1000) * 1000 + 500;
    await kit.clock('freeze', { at: instant });
    try {
      const placed = await kit.ok(BUYER, 'unifiedOrder', { items: [{ sku: 'cake-cheese', quantity: 2 }] });
      await kit.payAndConfirm(BUYER, placed);
      await kit.ok(ADMIN, 'refund', { orderNo: placed.orderNo, refundFee: 1000 });
      await kit.settle();
      const { entries } = await get<OrderTimeline>(`${base}/sandbox/dashboard/orders/${placed.orderNo}`);
      expect(new Set(entries.map((e) => e.at))).toEqual(new Set([instant]));
      const story = entries
        .map(labelOf)
        .filter((label) => !label.startsWith('invocation ') || label === 'invocation refund');
      expect(story).toEqual([
        'created',
        'attempt',
        'prepay',
        'payer',
        'notification payment',
        'paid',
        'hook',
        'invocation refund',
        'refund',
        'notification refund',
        'refunded',
        'hook',
      ]);
    } finally {
      await kit.clock('reset');
    }
  });
});
