/** Use cases around one order: place it and get paying, read it (synced with the provider). */
import type { QueryOrderResult, UnifiedOrderResult } from '../../typings/paykit/functions';
import type { Kit } from './context';
import { PaykitError } from './errors';
import { newOrderNo, outTradeNoFor } from './ids';
import {
  assertPayable,
  describe,
  priceItems,
  reusableAttempt,
  toView,
  type OrderDoc,
  type PaymentAttempt,
} from './model';
import { applyTradeStatus } from './payments';
import { closeCurrentTrade } from './close';

export interface PlaceOrderInput {
  openid: string;
  appid: string;
  items?: Array<{ sku: string; quantity: number }>;
  orderNo?: string;
  requestKey?: string;
}

/** unifiedOrder: a new order from catalogue items, or another payment attempt for an unpaid one. */
export async function placeOrder(kit: Kit, input: PlaceOrderInput): Promise<UnifiedOrderResult> {
  const now = Date.now();
  if (input.orderNo) return payExisting(kit, await ownedOrder(kit, input.orderNo, input.openid), now);
  if (input.requestKey) {
    const previous = await kit.store.orderByRequestKey(input.openid, input.requestKey);
    if (previous) return payExisting(kit, previous, now);
  }
  if (!input.items) throw new PaykitError('INVALID_PARAM', 'give items or an orderNo');

  const catalogue = await kit.store.products([...new Set(input.items.map((i) => i.sku))]);
  const { items, totalFee } = priceItems(input.items, catalogue);
  const orderNo = newOrderNo(now);
  const expiresAt = now + kit.config.orderTtlMs;
  const description = describe(items, kit.config.bodyPrefix);
  const attempt = await newAttempt(
    kit,
    { orderNo, totalFee, description, openid: input.openid, expiresAt },
    1,
    now,
  );
  const order: OrderDoc = {
    _id: orderNo,
    openid: input.openid,
    appid: input.appid,
    items,
    totalFee,
    description,
    status: 'NOTPAY',
    attempts: [attempt],
    outTradeNo: attempt.outTradeNo,
    createdAt: new Date(now),
    updatedAt: new Date(now),
    expiresAt: new Date(expiresAt),
    ...(input.requestKey ? { requestKey: input.requestKey } : {}),
    refunds: [],
    version: 1,
  };
  // One write, after the prepay exists: a failure before it leaves nothing behind.
  await kit.store.insertOrder(order);
  return { orderNo, totalFee, payment: attempt.payment };
}

async function payExisting(kit: Kit, order: OrderDoc, now: number): Promise<UnifiedOrderResult> {
  assertPayable(order, now);
  const reusable = reusableAttempt(order, now);
  if (reusable) return { orderNo: order._id, totalFee: order.totalFee, payment: reusable.payment };
  // The old prepay is spent: make sure it cannot be paid any more before starting a new attempt.
  try {
    const { order: synced } = await closeCurrentTrade(kit, order);
    if (synced.status !== 'NOTPAY') assertPayable(synced, now);
  } catch (err) {
    if (err instanceof PaykitError && err.code === 'CLOSE_TOO_EARLY') {
      throw new PaykitError(
        'ORDER_STATE_CONFLICT',
        'the previous payment is still open; try again in a few minutes',
      );
    }
    throw err;
  }
  const attempt = await newAttempt(
    kit,
    {
      orderNo: order._id,
      totalFee: order.totalFee,
      description: order.description,
      openid: order.openid,
      expiresAt: order.expiresAt.getTime(),
    },
    order.attempts.length + 1,
    now,
  );
  if (!(await kit.store.addAttempt(order, attempt))) {
    throw new PaykitError('ORDER_STATE_CONFLICT', 'the order changed meanwhile; try again');
  }
  return { orderNo: order._id, totalFee: order.totalFee, payment: attempt.payment };
}

async function newAttempt(
  kit: Kit,
  o: { orderNo: string; totalFee: number; description: string; openid: string; expiresAt: number },
  sequence: number,
  now: number,
): Promise<PaymentAttempt> {
  const outTradeNo = outTradeNoFor(o.orderNo, sequence);
  const prepay = await kit.provider.createPrepay({
    outTradeNo,
    totalFee: o.totalFee,
    body: o.description,
    openid: o.openid,
    expiresAt: o.expiresAt,
  });
  return { outTradeNo, createdAt: now, ...prepay };
}

export async function ownedOrder(kit: Kit, orderNo: string, openid: string): Promise<OrderDoc> {
  const order = await kit.store.order(orderNo);
  // Someone else's order looks exactly like a missing one.
  if (!order || order.openid !== openid) throw new PaykitError('ORDER_NOT_FOUND', `no order ${orderNo}`);
  return order;
}

/** queryOrder: the caller's order, synced from the provider while it is unpaid. */
export async function readOrder(kit: Kit, orderNo: string, openid: string): Promise<QueryOrderResult> {
  let order = await ownedOrder(kit, orderNo, openid);
  if (order.status === 'NOTPAY' && order.outTradeNo) {
    order = await applyTradeStatus(kit, order, await kit.provider.queryTrade(order.outTradeNo));
  }
  return { order: toView(order) };
}
