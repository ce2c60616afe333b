/**
 * The kit's collections over `cloud.database()`. Every state change is one conditional update, so
 * duplicate callbacks and races change nothing twice.
 */
import cloud from 'wx-server-sdk';
import type { Product } from '../../typings/paykit/order';
import type { OrderDoc, PaymentAttempt } from './model';

export const COLLECTIONS = {
  products: 'paykit_products',
  orders: 'paykit_orders',
  notifications: 'paykit_notifications',
} as const;

/** Database calls made, for `npm run bench`'s per-operation counts. */
export const dbCalls = { count: 0 };

// wx-server-sdk's typings return `Promise<X> | void | string` unions and loose documents; these
// are the shapes its runtime actually resolves with.
interface QueryResult<T> {
  data: T[];
}
interface UpdateResult {
  stats: { updated: number };
}

type Database = ReturnType<typeof cloud.database>;

export class Store {
  private readonly db: Database;

  constructor(db?: Database) {
    this.db = db ?? cloud.database();
  }

  async products(skus: string[]): Promise<Map<string, Product>> {
    dbCalls.count++;
    const _ = this.db.command;
    const res = (await this.db
      .collection(COLLECTIONS.products)
      .where({ _id: _.in(skus) })
      .get()) as unknown as QueryResult<{ _id: string; name: string; price: number; active?: boolean }>;
    return new Map(
      res.data.map((p) => [p._id, { sku: p._id, name: p.name, price: p.price, active: p.active !== false }]),
    );
  }

  async order(orderNo: string): Promise<OrderDoc | undefined> {
    dbCalls.count++;
    const res = (await this.db
      .collection(COLLECTIONS.orders)
      .where({ _id: orderNo })
      .limit(1)
      .get()) as unknown as QueryResult<OrderDoc>;
    return res.data[0];
  }

  async orderByRequestKey(openid: string, requestKey: string): Promise<OrderDoc | undefined> {
    dbCalls.count++;
    const res = (await this.db
      .collection(COLLECTIONS.orders)
      .where({ openid, requestKey })
      .limit(1)
      .get()) as unknown as QueryResult<OrderDoc>;
    return res.data[0];
  }

  async insertOrder(order: OrderDoc): Promise<void> {
    dbCalls.count++;
    await this.db.collection(COLLECTIONS.orders).add({ data: order as unknown as Record<string, unknown> });
  }

  /** Adds a payment attempt to an unpaid order unchanged since `version`. False if it changed. */
  async addAttempt(order: OrderDoc, attempt: PaymentAttempt, now: Date): Promise<boolean> {
    dbCalls.count++;
    const _ = this.db.command;
    const res = (await this.db
      .collection(COLLECTIONS.orders)
      .where({ _id: order._id, status: 'NOTPAY', version: order.version })
      .update({
        data: {
          attempts: _.push([attempt]),
          outTradeNo: attempt.outTradeNo,
          updatedAt: now,
          version: _.inc(1),
        },
      })) as unknown as UpdateResult;
    return res.stats.updated === 1;
  }

  /** NOTPAY → SUCCESS, once. True only for the call that made the change. */
  async markPaid(
    orderNo: string,
    paid: { outTradeNo: string; transactionId: string; paidAt: Date },
  ): Promise<boolean> {
    dbCalls.count++;
    const _ = this.db.command;
    const res = (await this.db
      .collection(COLLECTIONS.orders)
      .where({ _id: orderNo, status: 'NOTPAY' })
      .update({
        data: {
          status: 'SUCCESS',
          outTradeNo: paid.outTradeNo,
          transactionId: paid.transactionId,
          paidAt: paid.paidAt,
          updatedAt: new Date(),
          version: _.inc(1),
        },
      })) as unknown as UpdateResult;
    return res.stats.updated === 1;
  }

  /** The audit trail: every notification received and what the kit decided. */
  async recordNotification(entry: Record<string, unknown>): Promise<void> {
    dbCalls.count++;
    await this.db.collection(COLLECTIONS.notifications).add({ data: { ...entry, receivedAt: new Date() } });
  }
}
