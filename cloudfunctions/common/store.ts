/**
 * The kit's collections over `cloud.database()`: reads, inserts, and `apply`, which carries out a
 * move of the order state machine as one conditional update, so duplicate callbacks and races
 * change nothing twice.
 */
import cloud from 'wx-server-sdk';
import type { BillReport } from '../../typings/paykit/bill';
import type { OrderStatus, Product } from '../../typings/paykit/order';
import { MAX_AUDIT_PER_TRADE, type NotificationRecord, type ShippingEventRecord } from './audit';
import { forSale, type OrderDoc, type ProductDoc } from './model';
import { PAID_STATUSES, type Move } from './order-states';

export const COLLECTIONS = {
  products: 'paykit_products',
  orders: 'paykit_orders',
  notifications: 'paykit_notifications',
  bills: 'paykit_bills',
  hookRuns: 'paykit_hook_runs',
  requestKeys: 'paykit_request_keys',
  shippingEvents: 'paykit_shipping_events',
} as const;

// wx-server-sdk's typings return `Promise<X> | void | string` unions and loose documents; these
// are the shapes its runtime actually resolves with.
interface QueryResult<T> {
  data: T[];
}
interface UpdateResult {
  stats: { updated: number };
}

export type Database = ReturnType<typeof cloud.database>;

/** The order sets the sweep timer pages through. */
export type SweepQuery =
  | { kind: 'expired'; now: Date }
  /** Unpaid orders with a payment attempt started in [from, to) (a later attempt of an old order too). */
  | { kind: 'unpaidAttempted'; from: Date; to: Date }
  | { kind: 'refundProcessing' }
  | { kind: 'hooksUnfinished' }
  /** Paid virtual goods not yet recorded as shipped. */
  | { kind: 'virtualAwaiting' }
  /** Shipped orders due to be asked about at WeChat (confirmation, settlement). */
  | { kind: 'shippingDue'; now: Date }
  /** Paid orders awaiting shipment (the admin's "to ship" list). */
  | { kind: 'awaitingShipment' };
type Where = Record<string, unknown>;

/** A client retry key (`paykit_request_keys`): the order it stands for, and its claim. */
export interface RequestKeyDoc {
  orderNo: string;
  claimedAt: Date;
  /** When the claim lapses (the claiming invocation is stopped by then); absent on keys claimed before it was recorded. */
  claimedUntil?: Date;
}

/** A `paykit_products` document as stored: the merchant writes it, so every field is checked on use. */
export class Store {
  readonly db: Database;

  constructor(db?: Database) {
    this.db = db ?? cloud.database();
  }

  get command(): Database['command'] {
    return this.db.command;
  }

  /** The products of `skus` that are for sale (see `forSale`); the others are absent. */
  async products(skus: string[]): Promise<Map<string, Product>> {
    const res = await this.find<ProductDoc>(
      COLLECTIONS.products,
      { _id: this.db.command.in(skus) },
      skus.length,
    );
    return new Map(
      res.flatMap((doc) => {
        const product = forSale(doc);
        return product ? [[product.sku, product] as const] : [];
      }),
    );
  }

  /**
   * The catalogue in sku order, after `after`: documents not marked `active: false` (a missing
   * `active` is for sale, as in products()). Pages on `_id`, which every collection indexes.
   */
  productsAfter(after: string | undefined, limit: number): Promise<ProductDoc[]> {
    const _ = this.db.command;
    const where: Where = { active: _.neq(false) };
    if (after !== undefined) where._id = _.gt(after);
    return this.find<ProductDoc>(COLLECTIONS.products, where, limit, ['_id', 'asc']);
  }

  async order(orderNo: string): Promise<OrderDoc | undefined> {
    return (await this.find<OrderDoc>(COLLECTIONS.orders, { _id: orderNo }, 1))[0];
  }

  /**
   * Claims a client retry key for `orderNo` with a conditional insert (the key document's `_id` is
   * unique), so concurrent calls with one key agree on one order; the claim lapses `until` (when the
   * claiming invocation is stopped). Answers the order number the key belongs to: `orderNo` if this
   * call claimed it, the earlier one otherwise.
   */
  async claimRequestKey(keyId: string, openid: string, orderNo: string, until: Date): Promise<string> {
    try {
      await this.db.collection(COLLECTIONS.requestKeys).add({
        data: { _id: keyId, openid, orderNo, claimedAt: new Date(), claimedUntil: until },
      });
      return orderNo;
    } catch (err) {
      const held = await this.requestKey(keyId);
      if (!held) throw err;
      return held.orderNo;
    }
  }

  async requestKey(keyId: string): Promise<RequestKeyDoc | undefined> {
    return (await this.find<RequestKeyDoc>(COLLECTIONS.requestKeys, { _id: keyId }, 1))[0];
  }

  /**
   * Moves a key whose order was never written (its creator died) to `orderNo`, claimed until
   * `until`; true if this call did.
   */
  async takeOverRequestKey(keyId: string, from: string, orderNo: string, until: Date): Promise<boolean> {
    const res = (await this.db
      .collection(COLLECTIONS.requestKeys)
      .where({ _id: keyId, orderNo: from })
      .update({ data: { orderNo, claimedAt: new Date(), claimedUntil: until } })) as unknown as UpdateResult;
    return res.stats.updated === 1;
  }

  async insertOrder(order: OrderDoc): Promise<void> {
    await this.db.collection(COLLECTIONS.orders).add({ data: order as unknown as Record<string, unknown> });
  }

  /**
   * Applies one move of the order state machine (`order-states.ts`) as one conditional update: true
   * only if the order was still in the state the move starts from.
   */
  async apply(orderNo: string, move: Move): Promise<boolean> {
    const res = (await this.db
      .collection(COLLECTIONS.orders)
      .where({ ...move.where, _id: orderNo })
      .update({ data: { ...move.data, updatedAt: new Date() } })) as unknown as UpdateResult;
    return res.stats.updated === 1;
  }

  /**
   * One user's orders (or everyone's, without `openid`), newest first, from `before` (exclusive of
   * later ones).
   */
  async orders(opts: {
    openid?: string;
    status?: OrderStatus;
    before?: Date;
    limit: number;
  }): Promise<OrderDoc[]> {
    const _ = this.db.command;
    const where: Where = {};
    if (opts.openid !== undefined) where.openid = opts.openid;
    if (opts.status) where.status = opts.status;
    if (opts.before) where.createdAt = _.lte(opts.before);
    const res = (await this.db
      .collection(COLLECTIONS.orders)
      .where(where)
      .orderBy('createdAt', 'desc')
      .orderBy('_id', 'desc')
      .limit(opts.limit)
      .get()) as unknown as QueryResult<OrderDoc>;
    return res.data;
  }

  /**
   * One page of the orders a sweep part works on, in `_id` order after `after` (so every order is
   * visited once per run, whether its work changes it or not).
   */
  sweepPage(query: SweepQuery, after: string, limit: number): Promise<OrderDoc[]> {
    const _ = this.db.command;
    const open = _.in(['PENDING', 'RUNNING']);
    let where: Where;
    switch (query.kind) {
      case 'expired':
        where = { status: 'NOTPAY', expiresAt: _.lte(query.now) };
        break;
      case 'unpaidAttempted':
        // Any attempt's start in the window (an array path matches on its elements): a superset
        // when attempts straddle it, which the sweep's query of the current attempt sorts out.
        where = {
          status: 'NOTPAY',
          'attempts.createdAt': _.gte(query.from.getTime()).and(_.lt(query.to.getTime())),
        };
        break;
      case 'refundProcessing':
        where = { 'refunds.status': 'PROCESSING' };
        break;
      case 'hooksUnfinished':
        where = _.or([{ 'fulfilment.state': open }, { 'refunds.hook.state': open }]) as unknown as Where;
        break;
      case 'virtualAwaiting':
        where = { status: _.in(PAID_STATUSES), delivery: 'virtual', 'shipping.state': 'AWAITING' };
        break;
      case 'shippingDue':
        where = { 'shipping.state': _.in(['SHIPPED', 'CONFIRMED']), 'shipping.checkAt': _.lte(query.now) };
        break;
      case 'awaitingShipment':
        where = { status: _.in(PAID_STATUSES), 'shipping.state': 'AWAITING' };
        break;
    }
    const page = after ? _.and([where, { _id: _.gt(after) }]) : where;
    return this.find<OrderDoc>(COLLECTIONS.orders, page as unknown as Where, limit, ['_id', 'asc']);
  }

  /** Orders paid in [from, to): what the kit believes WeChat's bill of that day holds. */
  paidBetween(from: Date, to: Date, limit: number, after?: string): Promise<OrderDoc[]> {
    const _ = this.db.command;
    const where: Where = { status: _.in(PAID_STATUSES), paidAt: _.gte(from).and(_.lt(to)) };
    if (after) where._id = _.gt(after);
    return this.find<OrderDoc>(COLLECTIONS.orders, where, limit, ['_id', 'asc']);
  }

  async orderByTransaction(transactionId: string): Promise<OrderDoc | undefined> {
    return (await this.find<OrderDoc>(COLLECTIONS.orders, { transactionId }, 1))[0];
  }

  /** The latest shipping event of each kind per order (one document each: bounded). */
  async recordShippingEvent(entry: ShippingEventRecord): Promise<void> {
    await this.db
      .collection(COLLECTIONS.shippingEvents)
      .doc(`${entry.orderNo}-${entry.event}`)
      .set({ data: { ...entry, receivedAt: new Date() } });
  }

  async ordersByNo(orderNos: string[]): Promise<OrderDoc[]> {
    if (!orderNos.length) return [];
    return this.find<OrderDoc>(COLLECTIONS.orders, { _id: this.db.command.in(orderNos) }, orderNos.length);
  }

  /**
   * The audit trail: every notification received and what the kit decided, up to
   * MAX_AUDIT_PER_TRADE per trade, kind and refund (later ones are not kept). Each record takes the
   * next numbered `_id` of its trade with a conditional insert (`_id` is unique): replays arriving
   * together cannot pass the bound by all counting the same records.
   */
  async recordNotification(entry: NotificationRecord): Promise<void> {
    const collection = this.db.collection(COLLECTIONS.notifications);
    const where: Where = {
      kind: entry.kind,
      outTradeNo: entry.outTradeNo,
      ...(entry.kind === 'refund' && { outRefundNo: entry.outRefundNo ?? this.command.exists(false) }),
    };
    const slotId = (slot: number) => `${entry.kind}-${entry.outTradeNo}-${entry.outRefundNo ?? ''}-${slot}`;
    const { total } = (await collection.where(where).count()) as unknown as { total: number };
    for (let slot = total; slot < MAX_AUDIT_PER_TRADE; slot++) {
      try {
        await collection.add({ data: { _id: slotId(slot), ...entry, receivedAt: new Date() } });
        return;
      } catch (err) {
        // Taken by a concurrent record: the next slot. Anything else is a failure.
        if (!(await this.find(COLLECTIONS.notifications, { _id: slotId(slot) }, 1)).length) throw err;
      }
    }
  }

  async recordHookRun(entry: { orderNo: string; hook: string; refundNo?: string }): Promise<void> {
    await this.db.collection(COLLECTIONS.hookRuns).add({ data: { ...entry, at: new Date() } });
  }

  /** Which of `billDates` (yyyyMMdd) have a stored report. */
  async savedBillDates(billDates: string[]): Promise<Set<string>> {
    if (!billDates.length) return new Set();
    const where = { _id: this.db.command.in(billDates) };
    return new Set(
      (await this.find<{ _id: string }>(COLLECTIONS.bills, where, billDates.length)).map((b) => b._id),
    );
  }

  async saveBill(report: BillReport): Promise<void> {
    await this.db
      .collection(COLLECTIONS.bills)
      .doc(report.billDate)
      .set({ data: { ...report, reconciledAt: new Date(report.reconciledAt) } });
  }

  private async find<T>(
    collection: string,
    where: Where,
    limit: number,
    order?: [string, 'asc' | 'desc'],
  ): Promise<T[]> {
    let query = this.db.collection(collection).where(where);
    if (order) query = query.orderBy(order[0], order[1]);
    const res = (await query.limit(Math.min(Math.max(limit, 1), 1000)).get()) as unknown as QueryResult<T>;
    return res.data;
  }
}
