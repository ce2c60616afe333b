/**
 * The kit's collections over `cloud.database()`. Every state change is one conditional update, so
 * duplicate callbacks and races change nothing twice.
 */
import cloud from 'wx-server-sdk';
import type { BillReport } from '../../typings/paykit/bill';
import type { OrderStatus, Product } from '../../typings/paykit/order';
import type { OrderDoc, PaymentAttempt } from './model';

export const COLLECTIONS = {
  products: 'paykit_products',
  orders: 'paykit_orders',
  notifications: 'paykit_notifications',
  bills: 'paykit_bills',
  hookRuns: 'paykit_hook_runs',
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
type Where = Record<string, unknown>;

/** A `paykit_products` document as stored: the merchant writes it, so every field is checked on use. */
export interface ProductDoc {
  _id: string;
  name?: unknown;
  price?: unknown;
  active?: unknown;
}

export class Store {
  readonly db: Database;

  constructor(db?: Database) {
    this.db = db ?? cloud.database();
  }

  get command(): Database['command'] {
    return this.db.command;
  }

  async products(skus: string[]): Promise<Map<string, Product>> {
    const res = await this.find<{ _id: string; name: string; price: number; active?: boolean }>(
      COLLECTIONS.products,
      { _id: this.db.command.in(skus) },
      skus.length,
    );
    return new Map(
      res.map((p) => [p._id, { sku: p._id, name: p.name, price: p.price, active: p.active !== false }]),
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

  async orderByRequestKey(openid: string, requestKey: string): Promise<OrderDoc | undefined> {
    return (await this.find<OrderDoc>(COLLECTIONS.orders, { openid, requestKey }, 1))[0];
  }

  async insertOrder(order: OrderDoc): Promise<void> {
    await this.db.collection(COLLECTIONS.orders).add({ data: order as unknown as Record<string, unknown> });
  }

  /** One conditional update of one order: true only if `where` still matched. */
  async updateOrder(orderNo: string, where: Where, data: Record<string, unknown>): Promise<boolean> {
    const res = (await this.db
      .collection(COLLECTIONS.orders)
      .where({ ...where, _id: orderNo })
      .update({ data: { ...data, updatedAt: new Date() } })) as unknown as UpdateResult;
    return res.stats.updated === 1;
  }

  /** Adds a payment attempt to an unpaid order unchanged since `version`. False if it changed. */
  addAttempt(order: OrderDoc, attempt: PaymentAttempt): Promise<boolean> {
    const _ = this.db.command;
    return this.updateOrder(
      order._id,
      { status: 'NOTPAY', version: order.version },
      { attempts: _.push([attempt]), outTradeNo: attempt.outTradeNo, version: _.inc(1) },
    );
  }

  /** NOTPAY → SUCCESS, once. True only for the call that made the change. */
  markPaid(
    orderNo: string,
    paid: { outTradeNo: string; transactionId: string; paidAt: Date },
  ): Promise<boolean> {
    return this.updateOrder(
      orderNo,
      { status: 'NOTPAY' },
      {
        status: 'SUCCESS',
        outTradeNo: paid.outTradeNo,
        transactionId: paid.transactionId,
        paidAt: paid.paidAt,
        fulfilment: { state: 'PENDING', runs: 0 },
        version: this.db.command.inc(1),
      },
    );
  }

  /** NOTPAY → CLOSED, once. */
  markClosed(orderNo: string, closedAt: Date): Promise<boolean> {
    return this.updateOrder(
      orderNo,
      { status: 'NOTPAY' },
      { status: 'CLOSED', closedAt, version: this.db.command.inc(1) },
    );
  }

  /** The caller's orders, newest first, from `before` (exclusive of later ones). */
  async ordersOf(
    openid: string,
    opts: { status?: OrderStatus; before?: Date; limit: number },
  ): Promise<OrderDoc[]> {
    const _ = this.db.command;
    const where: Where = { openid };
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

  /** Unpaid orders whose payable time ran out, oldest first. */
  expiredUnpaid(now: Date, limit: number): Promise<OrderDoc[]> {
    return this.find<OrderDoc>(
      COLLECTIONS.orders,
      { status: 'NOTPAY', expiresAt: this.db.command.lte(now) },
      limit,
      ['expiresAt', 'asc'],
    );
  }

  /** Unpaid orders created in [from, to): candidates whose callback may have been lost. */
  unpaidCreatedBetween(from: Date, to: Date, limit: number): Promise<OrderDoc[]> {
    const _ = this.db.command;
    return this.find<OrderDoc>(
      COLLECTIONS.orders,
      { status: 'NOTPAY', createdAt: _.gte(from).and(_.lt(to)) },
      limit,
      ['createdAt', 'asc'],
    );
  }

  /** Paid orders whose onPaid hook has not finished. */
  unfulfilled(limit: number): Promise<OrderDoc[]> {
    const _ = this.db.command;
    return this.find<OrderDoc>(
      COLLECTIONS.orders,
      { status: _.in(['SUCCESS', 'REFUND']), 'fulfilment.state': _.in(['PENDING', 'RUNNING']) },
      limit,
    );
  }

  /** Orders paid in [from, to): what the kit believes WeChat's bill of that day holds. */
  paidBetween(from: Date, to: Date, limit: number, after?: string): Promise<OrderDoc[]> {
    const _ = this.db.command;
    const where: Where = { status: _.in(['SUCCESS', 'REFUND']), paidAt: _.gte(from).and(_.lt(to)) };
    if (after) where._id = _.gt(after);
    return this.find<OrderDoc>(COLLECTIONS.orders, where, limit, ['_id', 'asc']);
  }

  async ordersByNo(orderNos: string[]): Promise<OrderDoc[]> {
    if (!orderNos.length) return [];
    return this.find<OrderDoc>(COLLECTIONS.orders, { _id: this.db.command.in(orderNos) }, orderNos.length);
  }

  /** The audit trail: every notification received and what the kit decided. */
  async recordNotification(entry: Record<string, unknown>): Promise<void> {
    await this.db.collection(COLLECTIONS.notifications).add({ data: { ...entry, receivedAt: new Date() } });
  }

  async recordHookRun(entry: { orderNo: string; hook: string; refundNo?: string }): Promise<void> {
    await this.db.collection(COLLECTIONS.hookRuns).add({ data: { ...entry, at: new Date() } });
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
