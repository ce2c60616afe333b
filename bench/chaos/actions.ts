/**
 * What the soak's users and admin do, one order at a time: place it (sometimes several identical
 * taps at once with one requestKey, retried like a client would), pay, cancel, fail or walk away,
 * pay again, close it, check it, and the admin refunds some paid orders (in full, in parts, with
 * repeated refund numbers). A few users forge callbacks. Each order draws from its own seeded stream.
 */
import type { UnifiedOrderResult } from '../../typings/paykit/functions';
import type { OrderView } from '../../typings/paykit/order';
import type { CallOutcome, SoakClient } from './client';
import { Rng, Tally } from './random';

export interface SoakContext {
  client: SoakClient;
  seed: number;
  users: string[];
  admin: string;
  skus: string[];
  tally: Tally;
  /** Order numbers each (openid, requestKey) got back, as the clients saw them. */
  keyAnswers: Map<string, Set<string>>;
}

/** Answers a client retries with the same requestKey or refund number. */
const RETRYABLE = new Set(['CLOUD_ERROR', 'PAY_PROVIDER_ERROR', 'INTERNAL', 'ORDER_STATE_CONFLICT']);
const FORGED_FIELD = 'x'.repeat(64 * 1024);

function note<T>(ctx: SoakContext, fn: string, outcome: CallOutcome<T>): CallOutcome<T> {
  ctx.tally.add(outcome.ok ? `calls.${fn} ok` : `answers.${fn} ${outcome.code}`);
  return outcome;
}

async function retrying<T>(
  ctx: SoakContext,
  fn: string,
  attempt: () => Promise<CallOutcome<T>>,
  tries = 3,
): Promise<CallOutcome<T>> {
  let outcome = note(ctx, fn, await attempt());
  for (let i = 1; i < tries && !outcome.ok && RETRYABLE.has(outcome.code); i++) {
    ctx.tally.add('client.retries');
    outcome = note(ctx, fn, await attempt());
  }
  return outcome;
}

async function place(
  ctx: SoakContext,
  openid: string,
  request: { items: Array<{ sku: string; quantity: number }>; requestKey: string },
): Promise<UnifiedOrderResult | undefined> {
  const outcome = await retrying(ctx, 'unifiedOrder', () => ctx.client.call(openid, 'unifiedOrder', request));
  if (!outcome.ok) return undefined;
  const key = `${openid}/${request.requestKey}`;
  if (!ctx.keyAnswers.has(key)) ctx.keyAnswers.set(key, new Set());
  ctx.keyAnswers.get(key)!.add(outcome.data.orderNo);
  return outcome.data;
}

async function payer(ctx: SoakContext, openid: string, pkg: string, action: string): Promise<boolean> {
  ctx.tally.add(`payer.${action}`);
  const errMsg = await ctx.client.pay(openid, pkg, action);
  return errMsg === 'requestPayment:ok';
}

async function status(ctx: SoakContext, openid: string, orderNo: string): Promise<OrderView | undefined> {
  const outcome = note(ctx, 'queryOrder', await ctx.client.call(openid, 'queryOrder', { orderNo }));
  return outcome.ok ? outcome.data.order : undefined;
}

/** The whole life of order `i`. */
export async function lifeOfOrder(ctx: SoakContext, i: number): Promise<void> {
  const rng = new Rng(ctx.seed, i + 1);
  const openid = rng.pick(ctx.users);
  const request = {
    items: [{ sku: rng.pick(ctx.skus), quantity: rng.between(1, 3) }],
    requestKey: `chaos-${ctx.seed}-${String(i).padStart(6, '0')}`,
  };
  // A double tap, a retry storm: identical requests at once must give one order.
  const copies = rng.chance(0.12) ? rng.between(2, 5) : 1;
  if (copies > 1) ctx.tally.add('client.same-requestKey bursts');
  const placed = (await Promise.all(Array.from({ length: copies }, () => place(ctx, openid, request)))).find(
    (p) => p !== undefined,
  );
  if (!placed) return;
  const { orderNo } = placed;

  const action = rng.weighted({ pay: 52, cancel: 16, fail: 7, slow: 5, none: 20 });
  let paid = false;
  if (action !== 'none')
    paid = (await payer(ctx, openid, placed.payment.package, action)) && action === 'pay';
  if (action === 'slow') paid = true;

  if (paid && rng.chance(0.6)) await status(ctx, openid, orderNo);
  if ((action === 'cancel' || action === 'fail') && rng.chance(0.4)) {
    // The payer changes their mind: pay the same order again.
    const again = await retrying(ctx, 'unifiedOrder', () =>
      ctx.client.call(openid, 'unifiedOrder', { orderNo }),
    );
    if (again.ok) paid = await payer(ctx, openid, again.data.payment.package, 'pay');
  } else if (!paid && rng.chance(0.35)) {
    note(ctx, 'closeOrder', await ctx.client.call(openid, 'closeOrder', { orderNo }));
  }
  if (rng.chance(0.05))
    note(ctx, 'listOrders', await ctx.client.call(openid, 'listOrders', { pageSize: 10 }));
  if (rng.chance(0.03)) await forgeCallbacks(ctx, rng, openid, orderNo);
  if (paid && rng.chance(0.3)) await refunds(ctx, rng, openid, orderNo);
}

/** The admin refunds a paid order: in full, in one part, or in two parts; sometimes twice at once. */
async function refunds(ctx: SoakContext, rng: Rng, openid: string, orderNo: string): Promise<void> {
  let order: OrderView | undefined;
  for (let i = 0; i < 3 && !order; i++) {
    const seen = await status(ctx, openid, orderNo);
    if (seen && (seen.status === 'SUCCESS' || seen.status === 'REFUND')) order = seen;
  }
  if (!order) return;
  const style = rng.weighted({ full: 40, part: 35, twoParts: 25 });
  const part = Math.max(1, Math.floor(order.totalFee * (0.2 + rng.float() * 0.3)));
  const fees =
    style === 'full' ? [order.totalFee] : style === 'part' ? [part] : [part, order.totalFee - part];
  for (const [k, refundFee] of fees.entries()) {
    const refundNo = `${orderNo}X${k}`;
    const ask = () => ctx.client.call(ctx.admin, 'refund', { orderNo, refundFee, refundNo, reason: 'chaos' });
    ctx.tally.add('admin.refunds asked');
    const copies = rng.chance(0.2) ? 2 : 1;
    await Promise.all(Array.from({ length: copies }, () => retrying(ctx, 'refund', ask)));
  }
}

/** Any user may call the callback functions: junk must not be trusted, nor stored without bound. */
async function forgeCallbacks(ctx: SoakContext, rng: Rng, openid: string, orderNo: string): Promise<void> {
  const foreign = `PK${String(rng.int(1e11)).padStart(11, '0')}${String(rng.int(1e11)).padStart(11, '0')}A01`;
  for (const outTradeNo of [`${orderNo}A01`, foreign]) {
    ctx.tally.add('users.forged callbacks');
    await ctx.client.callRaw(openid, rng.chance(0.7) ? 'payCallback' : 'refundCallback', {
      outTradeNo,
      outRefundNo: `${orderNo}R01`,
      resultCode: 'SUCCESS',
      refundStatus: 'SUCCESS',
      totalFee: 1,
      transactionId: FORGED_FIELD,
      subMchId: FORGED_FIELD,
    });
  }
}

/** Orders placed and walked away from, all at once: the backlog the expiry sweep must close. */
export async function abandonOrders(ctx: SoakContext, count: number, concurrency: number): Promise<number> {
  let next = 0;
  let placed = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const openid = ctx.users[i % ctx.users.length];
        const request = {
          items: [{ sku: ctx.skus[i % ctx.skus.length], quantity: 1 }],
          requestKey: `backlog-${ctx.seed}-${i}`,
        };
        if (await place(ctx, openid, request)) placed++;
      }
    }),
  );
  return placed;
}
