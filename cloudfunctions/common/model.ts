/**
 * The order model: the stored shape, pricing, and the views and sums read from it, as pure
 * functions (no wx-server-sdk here). Its states and moves live in `order-states.ts`.
 * An order (orderNo) is what the customer buys; each payment attempt has its own outTradeNo.
 */
import type { PaymentParams } from '../../typings/paykit/functions';
import type { OrderItem, OrderStatus, OrderView, Product, RefundStatus } from '../../typings/paykit/order';
import type { DeliveryMethod } from '../../typings/paykit/shipping';
import { ServerError } from './errors';
import { MAX_QUANTITY, SKU_PATTERN } from './requests';
import { DELIVERY_METHODS, shippingView, type ShippingRecord } from './shipping-states';

/**
 * One payment attempt. It is recorded before WeChat is asked for its prepay (write-ahead), so a
 * crash in between leaves an attempt the sweep can close at WeChat, never a trade the kit does not
 * know; the prepay fields are filled in once WeChat answered.
 */
export interface PaymentAttempt {
  outTradeNo: string;
  createdAt: number;
  prepayId?: string;
  /** The prepay stops being usable then (2 hours at WeChat, or the order's own expiry). */
  prepayExpiresAt?: number;
  payment?: PaymentParams;
  /** WeChat was asked to close this attempt's trade; it may have, its answer lost: the payment is not handed out again. */
  closeAskedAt?: number;
  /**
   * An ask for this attempt's prepay failed then (WeChat refused it, or its answer was lost): no
   * prepay is on its way from that call, so a retry with the order's request key stops waiting.
   */
  prepayFailedAt?: number;
}

export type Prepay = Required<Pick<PaymentAttempt, 'prepayId' | 'prepayExpiresAt' | 'payment'>>;

/** A merchant hook's progress: claimed by one runner at a time, DONE once it succeeded. */
export interface HookState {
  state: 'PENDING' | 'RUNNING' | 'DONE';
  claimedAt?: Date;
  /**
   * When that claim lapses: its runner's invocation is stopped by then (at least HOOK_LEASE_MS after
   * the claim). Absent on a claim made before lapses were recorded: the lease alone.
   */
  claimedUntil?: Date;
  runs: number;
  lastError?: string;
  /** When a hook that threw may run again (fulfil.ts hookRetryAt); absent until it first failed. */
  retryAt?: Date;
}

export interface RefundRecord {
  outRefundNo: string;
  refundFee: number;
  status: RefundStatus;
  reason?: string;
  refundId?: string;
  /** Admin who asked for it; PLATFORM_REFUNDER for a refund made on the merchant platform. */
  by: string;
  /**
   * Made by hand on WeChat Pay's merchant platform, not asked for by the kit: the kit learnt of it
   * (a refund notification, the bill), confirmed it with WeChat and recorded WeChat's amount and
   * state. `createdAt` is when the kit recorded it.
   */
  onPlatform?: true;
  createdAt: Date;
  settledAt?: Date;
  failure?: string;
  /** onRefunded, once the refund succeeded. */
  hook?: HookState;
}

/**
 * `by` of a refund made on the merchant platform: no admin of the kit asked for it. Not an openid
 * (those are 28 characters of base64url), so it is never taken for an admin's.
 */
export const PLATFORM_REFUNDER = 'merchant-platform';

/** An order as stored in `paykit_orders` (`_id` is the order number). */
export interface OrderDoc {
  _id: string;
  openid: string;
  appid: string;
  items: OrderItem[];
  totalFee: number;
  description: string;
  status: OrderStatus;
  attempts: PaymentAttempt[];
  /** The attempt WeChat may be paying right now. */
  outTradeNo: string | null;
  transactionId?: string;
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date;
  paidAt?: Date;
  closedAt?: Date;
  /** Client retry key: the same key from the same user returns the same order. */
  requestKey?: string;
  /** onPaid, once the order is paid. */
  fulfilment?: HookState;
  refunds: RefundRecord[];
  version: number;
  /** How the order is delivered (see orderDelivery); absent on orders made before it existed: express. */
  delivery?: DeliveryMethod;
  /** The fulfilment dimension beside the pay status, from payment on (shipping-states.ts). */
  shipping?: ShippingRecord;
  /**
   * WeChat reported the trade refunded (trade state REFUND) before the kit had recorded its payment:
   * the merchant refunded it by hand on the merchant platform. The kit holds none of those refunds
   * and knows none of their amounts; `seenAt` is when it learnt of them. With `mismatchedPayment`,
   * the payment refunded was that one (not the order's: no transactionId, no paidAt).
   */
  refundedOutside?: { seenAt: Date };
  /**
   * WeChat's own answer to the kit's query showed a payment of one of the order's attempts whose
   * amount or merchant is not the order's (a mixed-up or forged trade): not recorded as a payment,
   * and the order is PAYERROR until the merchant refunds it on the merchant platform (then REFUND,
   * `refundedOutside`). What WeChat said, as it said it; kept once the order is refunded.
   */
  mismatchedPayment?: MismatchedPayment;
}

/** A payment WeChat holds for an attempt of the order that does not match it (OrderDoc.mismatchedPayment). */
export interface MismatchedPayment {
  outTradeNo: string;
  /** What WeChat took, fen, when it says. */
  totalFee?: number;
  /** The merchant WeChat names, when it names one. */
  merchantId?: string;
  transactionId: string;
  /** WeChat's trade state: SUCCESS, or REFUND when refunded on the merchant platform since. */
  state: 'SUCCESS' | 'REFUND';
  seenAt: Date;
}

/** A product as stored in `paykit_products`, untrusted: the merchant edits it by hand. */
export interface ProductDoc {
  _id: string;
  name?: unknown;
  price?: unknown;
  active?: unknown;
  delivery?: unknown;
}

/**
 * The product as the kit sells it, or undefined when it cannot be sold: marked `active: false`, an
 * `_id` that is not a sku, no name, or a price that is not a whole positive number of fen.
 */
export function forSale(doc: ProductDoc): Product | undefined {
  const { _id, name, price, active } = doc;
  if (active === false || !SKU_PATTERN.test(_id)) return undefined;
  if (typeof name !== 'string' || !name.trim()) return undefined;
  if (typeof price !== 'number' || !Number.isInteger(price) || price <= 0) return undefined;
  // A delivery method the kit does not know could not be shipped: not for sale either.
  const delivery = doc.delivery ?? 'express';
  if (!DELIVERY_METHODS.includes(delivery as DeliveryMethod)) return undefined;
  return { sku: _id, name, price, active: true, delivery: delivery as DeliveryMethod };
}

/**
 * How an order is delivered: its items' one method, or, when they differ, the one that ships
 * physical goods (express first): WeChat takes one logistics type per payment.
 */
export function orderDelivery(items: OrderItem[]): DeliveryMethod {
  const methods = new Set(items.map((i) => i.delivery ?? 'express'));
  if (methods.size === 1) return [...methods][0];
  for (const m of ['express', 'same-city', 'self-pickup'] as const) if (methods.has(m)) return m;
  return 'express';
}

/** Prices the requested lines from the catalogue. The client's view of prices is never used. */
export function priceItems(
  lines: Array<{ sku: string; quantity: number }>,
  catalogue: Map<string, Product>,
): { items: OrderItem[]; totalFee: number } {
  const items: OrderItem[] = [];
  for (const line of lines) {
    const product = catalogue.get(line.sku);
    if (!product) throw new ServerError('PRODUCT_NOT_FOUND', `product ${line.sku} is not for sale`);
    const same = items.find((i) => i.sku === line.sku);
    if (same) same.quantity += line.quantity;
    else
      items.push({
        sku: product.sku,
        name: product.name,
        unitPrice: product.price,
        quantity: line.quantity,
        delivery: product.delivery,
      });
  }
  for (const item of items) {
    if (item.quantity > MAX_QUANTITY)
      throw new ServerError('INVALID_PARAM', `quantity of ${item.sku} over ${MAX_QUANTITY}`);
  }
  const totalFee = items.reduce((sum, i) => sum + i.unitPrice * i.quantity, 0);
  if (!Number.isSafeInteger(totalFee) || totalFee <= 0)
    throw new ServerError('INVALID_PARAM', 'order total out of range');
  return { items, totalFee };
}

/** WeChat's `body` (goods description): at most 128 bytes of UTF-8. */
export function describe(items: OrderItem[], prefix = ''): string {
  const names = items.map((i) => (i.quantity > 1 ? `${i.name}×${i.quantity}` : i.name)).join('、');
  return truncateUtf8(`${prefix}${names}`, 128);
}

export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let out = '';
  for (const ch of text) {
    if (Buffer.byteLength(out + ch + '…') > maxBytes) break;
    out += ch;
  }
  return out + '…';
}

/** The order's current attempt: the one WeChat may be paying right now. */
export function currentAttempt(order: OrderDoc): PaymentAttempt | undefined {
  return order.attempts.find((a) => a.outTradeNo === order.outTradeNo);
}

/** The prepay of the current attempt, while it can still be handed to wx.requestPayment. */
export function reusablePayment(order: OrderDoc, now: number): PaymentParams | undefined {
  const current = currentAttempt(order);
  if (!current?.payment || current.prepayExpiresAt === undefined || current.closeAskedAt !== undefined)
    return undefined;
  return prepayUsable(current.prepayExpiresAt, now) ? current.payment : undefined;
}

/**
 * Whether a prepay of the unpaid order's current attempt may still come: none stored, and no
 * failure of the ask recorded. A retry with the order's request key waits for it meanwhile, so it
 * hands out the same payment instead of asking WeChat again.
 */
export function awaitingPrepay(order: OrderDoc): boolean {
  const current = currentAttempt(order);
  return order.status === 'NOTPAY' && !current?.payment && current?.prepayFailedAt === undefined;
}

/** WeChat keeps a prepay for 2 hours: an attempt recorded but never answered may be asked again till then. */
export const PREPAY_LIFETIME_MS = 2 * 3600_000;

/** A prepay is handed out again only with at least this much of its life left, for the payer to pay. */
const PREPAY_SPARE_MS = 60_000;

/**
 * How much of the order's life a new payment attempt needs: WeChat takes no `time_expire` less than
 * a minute after the unifiedOrder (cloudPay refuses it; APIv3 moves it to a minute on, past the
 * order's expiry), and the payer needs the time a prepay handed out again must have left.
 */
export const NEW_ATTEMPT_MIN_LEFT_MS = 60_000 + PREPAY_SPARE_MS;

/** When a prepay asked for at `now` lapses: 2 hours on, never after the order itself expires. */
export function prepayExpiry(now: number, orderExpiresAt: number): number {
  return Math.min(now + PREPAY_LIFETIME_MS, orderExpiresAt);
}

/** Whether a prepay that lapses at `expiresAt` may still be handed to wx.requestPayment at `now`. */
export function prepayUsable(expiresAt: number, now: number): boolean {
  return expiresAt - PREPAY_SPARE_MS > now;
}

export function toView(order: OrderDoc): OrderView {
  return {
    orderNo: order._id,
    status: order.status,
    items: order.items,
    totalFee: order.totalFee,
    description: order.description,
    createdAt: order.createdAt.getTime(),
    expiresAt: order.expiresAt.getTime(),
    ...(order.paidAt ? { paidAt: order.paidAt.getTime() } : {}),
    ...(order.closedAt ? { closedAt: order.closedAt.getTime() } : {}),
    ...(order.transactionId ? { transactionId: order.transactionId } : {}),
    refundedFee: refundedFee(order),
    refunds: (order.refunds ?? []).map((r) => ({
      refundNo: r.outRefundNo,
      refundFee: r.refundFee,
      status: r.status,
      createdAt: r.createdAt.getTime(),
      ...(r.reason ? { reason: r.reason } : {}),
      ...(r.settledAt ? { settledAt: r.settledAt.getTime() } : {}),
      ...(r.onPlatform ? { onPlatform: true as const } : {}),
    })),
    delivery: order.delivery ?? 'express',
    ...(order.shipping ? { shipping: shippingView(order) } : {}),
    ...(order.refundedOutside ? { refundedOutside: true as const } : {}),
  };
}

/** Refunds that went through. */
export function refundedFee(order: OrderDoc): number {
  return (order.refunds ?? []).filter((r) => r.status === 'SUCCESS').reduce((sum, r) => sum + r.refundFee, 0);
}

/**
 * What can still be refunded: the paid amount less every refund not known to have failed (refunds
 * made on the merchant platform and recorded here among them); nothing when the order was refunded
 * outside the kit before it recorded the payment (what is left of it at WeChat is not known here).
 * Never below nothing: a platform refund recorded while a refund of the kit's was still reserved
 * (that one WeChat then refuses as more than is left) holds no more than was paid.
 */
export function refundableFee(order: OrderDoc): number {
  if (order.refundedOutside) return 0;
  const held = (order.refunds ?? [])
    .filter((r) => r.status !== 'FAILED')
    .reduce((sum, r) => sum + r.refundFee, 0);
  return Math.max(0, order.totalFee - held);
}
