/** Use cases around one order: place it and get paying, read it (synced with the provider). */
import type { PaymentParams, QueryOrderResult, UnifiedOrderResult } from '../../typings/paykit/functions';
import type { OrderItem, OrderView } from '../../typings/paykit/order';
import { isAdmin, ownedOrder, readableOrder } from './access';
import { closeCurrentTrade, syncedUnpaid } from './close';
import type { Kit } from './context';
import { invalid, ServerError } from './errors';
import { newOrderNo, outTradeNoFor, requestKeyId } from './ids';
import {
  awaitingPrepay,
  currentAttempt,
  describe,
  orderDelivery,
  NEW_ATTEMPT_MIN_LEFT_MS,
  PREPAY_LIFETIME_MS,
  prepayUsable,
  priceItems,
  refundableFee,
  reusablePayment,
  toView,
  type OrderDoc,
  type PaymentAttempt,
} from './model';
import {
  addAttempt,
  assertPayable,
  awaitsAdmin,
  failPrepay,
  isPaid,
  mismatchedPaymentError,
  setPrepay,
} from './order-states';
import { applyTradeStatus, recheckMismatch } from './payments';
import { learnPlatformRefunds } from './refunds';
import type { RequestKeyDoc } from './store';

export interface PlaceOrderInput {
  openid: string;
  appid: string;
  items?: Array<{ sku: string; quantity: number }>;
  orderNo?: string;
  requestKey?: string;
}

/** How long a call with a request key waits for the order another call is writing under that key. */
const KEY_WAIT_MS = 3000;
/**
 * A key whose order is still missing this long after it was claimed, and past the end of the
 * claiming call's invocation (a merchant may give unifiedOrder up to 900 s; the kit's is 10 s),
 * belongs to a call that died: the next call with the key takes it over. A key that recorded no
 * lapse (claimed before lapses were) is taken over after this alone.
 */
const KEY_ABANDONED_MS = 30_000;

/** unifiedOrder: a new order from catalogue items, or another payment attempt for an unpaid one. */
export async function placeOrder(kit: Kit, input: PlaceOrderInput): Promise<UnifiedOrderResult> {
  const now = Date.now();
  if (input.orderNo) return payExisting(kit, await ownedOrder(kit, input.orderNo, input.openid), now);
  if (!input.items) throw new ServerError('INVALID_PARAM', 'give items or an orderNo');

  const catalogue = await kit.store.products([...new Set(input.items.map((i) => i.sku))]);
  const { items, totalFee } = priceItems(input.items, catalogue);
  const orderNo = newOrderNo(now);
  if (input.requestKey) {
    const existing = await orderForKey(kit, input.openid, input.requestKey, orderNo);
    if (existing) return payExisting(kit, keyedOrder(existing, items), now);
  }
  const description = describe(items, kit.config.bodyPrefix);
  const attempt: PaymentAttempt = { outTradeNo: outTradeNoFor(orderNo, 1), createdAt: now };
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
    expiresAt: new Date(now + kit.config.orderTtlMs),
    ...(input.requestKey ? { requestKey: input.requestKey } : {}),
    refunds: [],
    version: 1,
    delivery: orderDelivery(items),
  };
  // Write-ahead: the order and its attempt exist before WeChat hears of the trade, so a crash
  // after WeChat answered leaves an attempt the sweep closes when the order expires.
  await kit.store.insertOrder(order);
  return { orderNo, totalFee, payment: await prepayFor(kit, order, 0) };
}

/**
 * The order a request key stands for: undefined when this call claimed the key for `orderNo`
 * (and must write that order), the existing order otherwise. The key document is inserted
 * conditionally, so concurrent retries of one tap agree on one order.
 */
async function orderForKey(
  kit: Kit,
  openid: string,
  requestKey: string,
  orderNo: string,
): Promise<OrderDoc | undefined> {
  const keyId = requestKeyId(openid, requestKey);
  const until = () => kit.time.claimLapsesAt(new Date(), KEY_ABANDONED_MS);
  let held = await kit.store.claimRequestKey(keyId, openid, orderNo, until());
  if (held === orderNo) return undefined;
  const waitUntil = Date.now() + KEY_WAIT_MS;
  const started = performance.now();
  let found: OrderDoc | undefined;
  for (let pause = 25; ; pause = Math.min(pause * 2, 400)) {
    const order = await kit.store.order(held);
    if (order && order.openid !== openid) throw new ServerError('ORDER_NOT_FOUND', 'no such order');
    found = order ?? found;
    // The call that claimed the key is writing the order and then asking WeChat for its prepay:
    // wait for both, so a retry hands out the same payment instead of asking WeChat again. Not once
    // that ask recorded its failure: no prepay is coming, and the order is paid again at once.
    if (order && !awaitingPrepay(order)) return order;
    // Measured on a monotonic clock too: the function's Date may be a frozen test clock.
    if (Date.now() >= waitUntil || performance.now() - started >= KEY_WAIT_MS) break;
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
  if (found) return found;
  const key = await kit.store.requestKey(keyId);
  if (key && key.orderNo === held && abandoned(key, Date.now())) {
    if (await kit.store.takeOverRequestKey(keyId, held, orderNo, until())) return undefined;
    held = (await kit.store.requestKey(keyId))?.orderNo ?? held;
    const order = await kit.store.order(held);
    if (order?.openid === openid) return order;
  }
  throw new ServerError(
    'ORDER_STATE_CONFLICT',
    'the order for this request is still being created; try again',
  );
}

/**
 * The order a request key stands for, when the retry asks for the same items (lines in any order or
 * split). A key reused for another cart is refused: answered with the first order, the buyer would
 * pay its total believing it the new cart's.
 */
function keyedOrder(order: OrderDoc, items: OrderItem[]): OrderDoc {
  const cart = (lines: OrderItem[]) =>
    lines
      .map((l) => `${l.sku}×${l.quantity}`)
      .sort()
      .join(',');
  if (cart(order.items) === cart(items)) return order;
  throw invalid(
    `requestKey ${order.requestKey} stands for order ${order._id} of other items; a new cart needs a new requestKey`,
  );
}

/** Whether the call that claimed `key` has surely stopped at `now` without writing its order. */
function abandoned(key: RequestKeyDoc, now: number): boolean {
  return (
    now - key.claimedAt.getTime() >= KEY_ABANDONED_MS &&
    !(key.claimedUntil && key.claimedUntil.getTime() > now)
  );
}

/**
 * Hands out a payment of the unpaid `order`: its current prepay while it lasts, else a new attempt
 * (the spent one closed at WeChat first). `again` is false for the one retry on the order as it is
 * after another change won the race.
 */
async function payExisting(
  kit: Kit,
  order: OrderDoc,
  now: number,
  again = true,
): Promise<UnifiedOrderResult> {
  assertPayable(order, now);
  const answer = (payment: PaymentParams): UnifiedOrderResult => ({
    orderNo: order._id,
    totalFee: order.totalFee,
    payment,
  });
  const reusable = reusablePayment(order, now);
  if (reusable) return answer(reusable);
  const current = currentAttempt(order);
  if (
    current &&
    !current.payment &&
    current.closeAskedAt === undefined &&
    prepayUsable(current.createdAt + PREPAY_LIFETIME_MS, now)
  ) {
    // Recorded but never answered (a crash, a timeout, a concurrent first call): WeChat returns the
    // same prepay for the same parameters, so asking again is safe. Not once its close was asked
    // (the answer lost): WeChat may have closed the trade, and would refuse it for good.
    return answer(await prepayFor(kit, order, order.attempts.indexOf(current)));
  }
  await assertTimeForNewAttempt(kit, order, now);
  // The old prepay is spent: make sure it cannot be paid any more before starting a new attempt.
  try {
    const { order: synced, closed } = await closeCurrentTrade(kit, order);
    if (synced.status !== 'NOTPAY') assertPayable(synced, now);
    // Still unpaid here, yet WeChat holds the attempt payable or paid: a new attempt could take the
    // money a second time (a mismatched payment is refused above, by closeCurrentTrade).
    if (!closed) throw mismatchedPaymentError();
  } catch (err) {
    if (err instanceof ServerError && err.code === 'CLOSE_TOO_EARLY') {
      throw new ServerError(
        'ORDER_STATE_CONFLICT',
        'the previous payment is still open; try again in a few minutes',
      );
    }
    throw err;
  }
  const attempt: PaymentAttempt = {
    outTradeNo: outTradeNoFor(order._id, order.attempts.length + 1),
    createdAt: now,
  };
  if (!(await kit.store.apply(order._id, addAttempt(kit.store.command, order, attempt)))) {
    // Another call started the new attempt meanwhile (pay tapped twice, or on two devices), or the
    // order was paid or closed: answered from the order as it is now (its new attempt's payment,
    // or why it cannot be paid), not with a "try again" for the buyer.
    const latest = again ? await kit.store.order(order._id) : undefined;
    if (!latest) throw new ServerError('ORDER_STATE_CONFLICT', 'the order changed meanwhile; try again');
    return payExisting(kit, latest, now, false);
  }
  const withAttempt: OrderDoc = {
    ...order,
    attempts: [...order.attempts, attempt],
    outTradeNo: attempt.outTradeNo,
  };
  return answer(await prepayFor(kit, withAttempt, order.attempts.length));
}

/**
 * ORDER_EXPIRING, before the old trade is closed or a new attempt recorded, when the order expires
 * too soon for WeChat to take a new one: otherwise the buyer gets a retryable error for a payment
 * that can never be made. WeChat is asked first: a payment it has (callback lost) is the answer.
 */
async function assertTimeForNewAttempt(kit: Kit, order: OrderDoc, now: number): Promise<void> {
  if (order.expiresAt.getTime() - now >= NEW_ATTEMPT_MIN_LEFT_MS) return;
  const synced = await syncedUnpaid(kit, order);
  if (synced.status !== 'NOTPAY') assertPayable(synced, now);
  throw new ServerError(
    'ORDER_EXPIRING',
    'the order expires in less than 2 minutes: too soon for WeChat Pay to start another payment of it; place a new order',
  );
}

/**
 * Asks WeChat for the prepay of attempt `index` (already recorded) and stores it; a failed ask is
 * recorded too, so a retry with the order's request key stops waiting for it (orderForKey).
 */
async function prepayFor(kit: Kit, order: OrderDoc, index: number): Promise<PaymentParams> {
  const attempt = order.attempts[index];
  const prepay = await kit.provider
    .createPrepay({
      outTradeNo: attempt.outTradeNo,
      totalFee: order.totalFee,
      body: order.description,
      openid: order.openid,
      expiresAt: order.expiresAt.getTime(),
    })
    .catch(async (err: unknown) => {
      // The buyer is answered with WeChat's failure, not with a failure to record it.
      await kit.store.apply(order._id, failPrepay(index, attempt.outTradeNo, Date.now())).catch(() => false);
      throw err;
    });
  if (!(await kit.store.apply(order._id, setPrepay(index, attempt.outTradeNo, prepay)))) {
    throw new ServerError('ORDER_STATE_CONFLICT', 'the order changed meanwhile; try again');
  }
  return prepay.payment;
}

/**
 * queryOrder: the caller's order (any order for a merchant admin, with what is left to refund),
 * synced from the provider while it is unpaid or held for an admin (a payment not matching it); for
 * an admin, with the refunds made on the merchant platform where WeChat lists them (cloudPay).
 */
export async function readOrder(kit: Kit, orderNo: string, openid: string): Promise<QueryOrderResult> {
  let order = await readableOrder(kit, orderNo, openid);
  if (order.status === 'NOTPAY' && order.outTradeNo) {
    order = await applyTradeStatus(kit, order, await kit.provider.queryTrade(order.outTradeNo));
  } else if (awaitsAdmin(order)) {
    // Held for an admin: refunded on the merchant platform since, it moves on (the admin's reopening
    // after refunding there, or the buyer's look: one query, as for any unpaid order).
    order = await recheckMismatch(kit, order);
  } else if (isAdmin(kit, openid)) {
    // The admin is offered what is left to refund: refunds made on the merchant platform count.
    order = await learnPlatformRefunds(kit, order);
  }
  const admin = isAdmin(kit, openid);
  return {
    order: admin ? adminView(order) : toView(order),
    own: order.openid === openid,
    ...(admin && { refundable: isPaid(order.status) ? refundableFee(order) : 0 }),
  };
}

/** An error code APIv3 puts before WeChat's description (`NOT_ENOUGH 基本账户余额不足…`). */
const LEADING_CODE = /^[A-Z][A-Z0-9_]*\s+(?=\S)/;

/**
 * The order as a merchant admin reads it: each refund WeChat Pay turned down says why, in WeChat's
 * words (RefundRecord.failure, less APIv3's code), so the admin can put it right and ask again;
 * the buyer is not shown the merchant's business (a balance short, a permission missing).
 */
function adminView(order: OrderDoc): OrderView {
  const view = toView(order);
  const refunds = view.refunds.map((refund, i) => {
    const failure = order.refunds[i]?.failure;
    return refund.status === 'FAILED' && failure
      ? { ...refund, failure: failure.replace(LEADING_CODE, '') }
      : refund;
  });
  return { ...view, refunds };
}
