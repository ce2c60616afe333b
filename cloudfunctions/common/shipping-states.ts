/**
 * The fulfilment dimension of a paid order, beside its pay status (which order-states.ts owns):
 * every shipping state, every move between them and the conditional update of each. Nothing else
 * writes `shipping`; everything else asks this module.
 *
 *   AWAITING ──ship──▶ SHIPPED ──ship (the one re-shipment)──▶ SHIPPED
 *      │ └─noteRetry (virtual goods WeChat does not know yet)      │
 *      │                                                          ├──confirm──▶ CONFIRMED ──settle──▶ SETTLED
 *      │                                                          └──settle──────────────────────────▶ SETTLED
 *      └──────── refunded (WeChat says so, or the kit's refund of the whole payment) ─────────▶ REFUNDED
 *
 * Each ship is preceded by claimUpload (one runner uploads to WeChat at a time, until its invocation
 * ends), so two shipments at once never both reach WeChat; ship clears the claim, releaseUpload frees it.
 *
 * WeChat's get_order `order_state` (1 awaiting, 2 shipped, 3 confirmed, 4 completed, 5 refunded, 6
 * awaiting settlement) moves the record forward only (`followWeChat`). Pure: the database's command
 * builder is passed in.
 */
import type {
  DeliveryMethod,
  ShipmentPackage,
  ShippingState,
  ShippingView,
} from '../../typings/paykit/shipping';
import { refundedFee, type OrderDoc } from './model';
import { pastOrAbsent, PAID_STATUSES, type Command, type Move } from './order-states';

export const DELIVERY_METHODS: readonly DeliveryMethod[] = ['express', 'same-city', 'virtual', 'self-pickup'];

/** WeChat's `logistics_type` of each delivery method. */
export const LOGISTICS_TYPE: Record<DeliveryMethod, 1 | 2 | 3 | 4> = {
  express: 1,
  'same-city': 2,
  virtual: 3,
  'self-pickup': 4,
};

/** One upload of shipping information, as recorded. */
export interface ShipmentRecord {
  method: DeliveryMethod;
  packages: ShipmentPackage[];
  shippedAt: Date;
  /** The admin's openid, or `auto` for virtual goods. */
  by: string;
  /** The account is not enrolled in WeChat's shipping management: recorded here only. */
  local: boolean;
}

export interface ShippingRecord {
  state: ShippingState;
  /** Uploads accepted: 0, 1, 2 after the one re-shipment. Moves are conditional on it. */
  count: number;
  shipments: ShipmentRecord[];
  /** Virtual goods WeChat did not know yet (10060001): when the sweep tries again. */
  retry?: { attempts: number; lastError: string; nextAt: Date } | null;
  /** Set while one runner uploads to WeChat (claimUpload); `ship` or releaseUpload clears it. */
  uploadingSince?: Date;
  /**
   * When that claim lapses: its runner's invocation is stopped by then (at least UPLOAD_LEASE_MS
   * after the claim). Absent on a claim made before lapses were recorded: the lease alone.
   */
  uploadingUntil?: Date;
  /** When the sweep next asks WeChat (get_order) where a shipped order stands. */
  checkAt?: Date | null;
  confirmedAt?: Date;
  settledAt?: Date;
}

/** Uploads WeChat accepts per payment: the first and one re-shipment. */
export const MAX_SHIPMENTS = 2;

/** The record a payment starts: awaiting shipment (goes into the pay move's data). */
export function awaitingShipment(): ShippingRecord {
  return { state: 'AWAITING', count: 0, shipments: [] };
}

/** The order's shipping record; a paid order from before this dimension existed awaits shipment. */
export function shippingOf(order: OrderDoc): ShippingRecord {
  return order.shipping ?? awaitingShipment();
}

/** Whether the admin (or the kit, for virtual goods) may upload shipping information now. */
export function canShip(order: OrderDoc): boolean {
  const s = shippingOf(order);
  return (
    PAID_STATUSES.includes(order.status) &&
    (s.state === 'AWAITING' || s.state === 'SHIPPED') &&
    s.count < MAX_SHIPMENTS
  );
}

const at = (state: ShippingState | ShippingState[], _: Command) =>
  Array.isArray(state) ? _.in(state) : state;

/**
 * A claim on uploading lasts at least this long, and as long as its runner's invocation may run when
 * that is longer (a merchant may give a function up to 900 s): only the claim holder uploads. A
 * claim that recorded no lapse (made before lapses were) lasts this long: the kit's functions then
 * had 60 s at most.
 */
export const UPLOAD_LEASE_MS = 60_000;

/**
 * The order's shipping record is still as read (its count), on a paid order. A paid order from before
 * this dimension existed counts as awaiting shipment: its first claim writes that record. Never the
 * order's version, which a refund of it settling meanwhile changes without touching its shipping.
 */
function unchanged(_: Command, order: OrderDoc): Record<string, unknown> {
  return {
    status: _.in(PAID_STATUSES),
    'shipping.count': shippingOf(order).count,
    'shipping.state': at(['AWAITING', 'SHIPPED'], _),
  };
}

/**
 * Claims the order's next upload to WeChat for the runner claiming at `now`, whose invocation is
 * stopped by `until` (InvocationTime.claimLapsesAt). Every upload WeChat accepts counts (a second
 * one spends the one re-shipment), so only the claim holder uploads; a claim is taken over once it
 * lapsed. A lapse is never sooner than the lease after its claim, so the lease's test on the claim's
 * time holds for every claim, and is the whole test for one that recorded no lapse.
 */
export function claimUpload(_: Command, order: OrderDoc, now: Date, until: Date): Move {
  const asRead = order.shipping
    ? unchanged(_, order)
    : { status: _.in(PAID_STATUSES), shipping: _.exists(false) };
  return {
    where: {
      ...asRead,
      'shipping.uploadingSince': _.exists(false).or(_.lte(new Date(now.getTime() - UPLOAD_LEASE_MS))),
      'shipping.uploadingUntil': pastOrAbsent(_, now),
    },
    // A paid order from before shipping existed gets its whole record (a path alone would make a bare one).
    data: order.shipping
      ? { 'shipping.uploadingSince': now, 'shipping.uploadingUntil': until }
      : { shipping: { ...awaitingShipment(), uploadingSince: now, uploadingUntil: until } },
  };
}

/** The claim holder's upload did not go through: the next runner may upload. */
export function releaseUpload(_: Command, claimedAt: Date): Move {
  return {
    where: { 'shipping.uploadingSince': claimedAt },
    data: { 'shipping.uploadingSince': _.remove(), 'shipping.uploadingUntil': _.remove() },
  };
}

/**
 * AWAITING or SHIPPED → SHIPPED with one more shipment, by the holder of the upload claim made at
 * `claimedAt` on an order whose record is unchanged since it was read (the count), so two admins
 * shipping at once record one shipment. Clears the claim.
 */
export function ship(
  _: Command,
  order: OrderDoc,
  shipment: ShipmentRecord,
  checkAt: Date,
  claimedAt: Date,
): Move {
  const s = shippingOf(order);
  const shipping: ShippingRecord = {
    ...s,
    state: 'SHIPPED',
    count: s.count + 1,
    shipments: [...s.shipments, shipment],
    retry: null,
    checkAt,
  };
  // An object value updates the fields it names (the SDK flattens it): the claim is removed by name.
  return {
    where: { ...unchanged(_, order), 'shipping.uploadingSince': claimedAt },
    data: { shipping: { ...shipping, uploadingSince: _.remove(), uploadingUntil: _.remove() } },
  };
}

/** Virtual goods WeChat does not know yet: when to try again (the state stays AWAITING). */
export function noteRetry(order: OrderDoc, error: string, nextAt: Date): Move {
  const s = shippingOf(order);
  const retry = { attempts: (s.retry?.attempts ?? 0) + 1, lastError: error.slice(0, 200), nextAt };
  return {
    where: { 'shipping.state': 'AWAITING', 'shipping.count': s.count },
    data: { 'shipping.retry': retry },
  };
}

/** SHIPPED → CONFIRMED: WeChat says the buyer confirmed receipt (or it auto-confirmed). */
export function confirm(confirmedAt: Date): Move {
  return {
    where: { 'shipping.state': 'SHIPPED' },
    data: { 'shipping.state': 'CONFIRMED', 'shipping.confirmedAt': confirmedAt },
  };
}

/** SHIPPED or CONFIRMED → SETTLED: WeChat released the funds. */
export function settle(_: Command, settledAt: Date): Move {
  return {
    where: { 'shipping.state': _.in(['SHIPPED', 'CONFIRMED']) },
    data: { 'shipping.state': 'SETTLED', 'shipping.settledAt': settledAt, 'shipping.checkAt': null },
  };
}

/** The states a shipping record is still open in (WeChat may yet move it on). */
const OPEN: ShippingState[] = ['AWAITING', 'SHIPPED', 'CONFIRMED'];

/** Any open state → REFUNDED: WeChat has the payment as refunded. */
export function refunded(_: Command): Move {
  return {
    where: { 'shipping.state': _.in(OPEN) },
    data: { 'shipping.state': 'REFUNDED', 'shipping.checkAt': null },
  };
}

/**
 * What a refund of the whole payment writes into the shipping record (with the refund's own
 * move): an open record becomes REFUNDED, as WeChat's get_order reports it (已退款), so the order
 * leaves the admin's list to ship and virtual goods stop being tried. Nothing once settled.
 */
export function refundedInFull(order: OrderDoc): Record<string, unknown> {
  if (!order.shipping) return { shipping: { ...awaitingShipment(), state: 'REFUNDED' } };
  if (!OPEN.includes(order.shipping.state)) return {};
  return { 'shipping.state': 'REFUNDED', 'shipping.checkAt': null, 'shipping.retry': null };
}

/**
 * The same as a move of its own, for an order read after its refunds settled: refunds settled at
 * once each see the other still processing, so neither settle move saw the payment refunded in full.
 * Undefined when the payment is not refunded in full or the record is no longer open.
 */
export function shipmentEndedByRefunds(_: Command, order: OrderDoc): Move | undefined {
  const data = refundedFee(order) >= order.totalFee ? refundedInFull(order) : {};
  if (!Object.keys(data).length) return undefined;
  return { where: order.shipping ? { 'shipping.state': _.in(OPEN) } : { shipping: _.exists(false) }, data };
}

/** When the sweep next asks WeChat about a shipped order, while it is still open (shipped or confirmed). */
export function recheckAt(_: Command, checkAt: Date | null): Move {
  return {
    where: { 'shipping.state': _.in(['SHIPPED', 'CONFIRMED']) },
    data: { 'shipping.checkAt': checkAt },
  };
}

/** WeChat's get_order `order_state` as a shipping state. */
export function stateOfWeChat(orderState: number): ShippingState | undefined {
  const states: Record<number, ShippingState> = {
    1: 'AWAITING',
    2: 'SHIPPED',
    3: 'CONFIRMED',
    4: 'SETTLED',
    5: 'REFUNDED',
    // 资金待结算: received and confirmed, the funds not yet released.
    6: 'CONFIRMED',
  };
  return states[orderState];
}

const RANK: Record<ShippingState, number> = {
  AWAITING: 0,
  SHIPPED: 1,
  CONFIRMED: 2,
  SETTLED: 3,
  REFUNDED: 4,
};

/**
 * The move that brings the record up to WeChat's state, forward only (an answer older than what
 * is recorded changes nothing); undefined when nothing moves. A shipment WeChat has and the kit
 * does not (recorded in the MP console) is left to `ship` by whoever saw it.
 */
export function followWeChat(_: Command, order: OrderDoc, wechat: ShippingState, at: Date): Move | undefined {
  const local = shippingOf(order).state;
  if (wechat === 'REFUNDED') return local === 'REFUNDED' ? undefined : refunded(_);
  if (local === 'AWAITING' || RANK[wechat] <= RANK[local]) return undefined;
  if (wechat === 'CONFIRMED') return confirm(at);
  if (wechat === 'SETTLED') return settle(_, at);
  return undefined;
}

/** What the mini-program sees. */
export function shippingView(order: OrderDoc): ShippingView {
  const s = shippingOf(order);
  const last = s.shipments[s.shipments.length - 1];
  return {
    state: s.state,
    delivery: order.delivery ?? 'express',
    shipCount: s.count,
    ...(last
      ? {
          shipment: {
            method: last.method,
            packages: last.packages,
            shippedAt: last.shippedAt.getTime(),
            local: last.local,
          },
        }
      : {}),
    ...(s.confirmedAt ? { confirmedAt: s.confirmedAt.getTime() } : {}),
    ...(s.settledAt ? { settledAt: s.settledAt.getTime() } : {}),
  };
}
