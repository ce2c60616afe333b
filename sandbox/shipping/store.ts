/**
 * The ship_* tables in the sandbox's SQLite file: each paid order's fulfilment record, the message
 * pushes with their answers, and the settings. Trades are read (never written) from pay_trades, the
 * store of the sandbox's WeChat Pay (cloudPay and APIv3 alike).
 */
import type Database from 'better-sqlite3';
import type { TradeRow } from '../pay/records';
import { DEFAULT_SHIPPING_CONFIG, type ShippingConfig } from './config';

/** get_order.order_state (§1): 待发货, 已发货, 确认收货, 交易完成, 已退款 (6 资金待结算 is not reached). */
export const ORDER_STATE = { AWAITING: 1, SHIPPED: 2, CONFIRMED: 3, COMPLETED: 4, REFUNDED: 5 } as const;
export type OrderState = (typeof ORDER_STATE)[keyof typeof ORDER_STATE];

/** One package as stored: the request's item plus the upload's time (ms). */
export interface StoredPackage {
  tracking_no?: string;
  express_company?: string;
  item_desc: string;
  contact?: { consignor_contact?: string; receiver_contact?: string };
  upload_ms: number;
}

export interface ShipOrderRow {
  transaction_id: string;
  sub_mch_id: string;
  out_trade_no: string;
  state: OrderState;
  delivery_mode: number | null;
  logistics_type: number | null;
  is_all_delivered: number | null;
  /** JSON StoredPackage[]. */
  shipping_list: string;
  finish_shipping_count: number;
  last_upload_ms: number | null;
  shipped_at: number | null;
  confirmed_at: number | null;
  /** 1 auto, 2 by the payer. */
  confirm_method: number | null;
  settled_at: number | null;
  reminded_at: number | null;
  notified_at: number | null;
}

export interface ShipEventRow {
  id: number;
  event: string;
  transaction_id: string | null;
  function_name: string;
  payload: string;
  created_at: number;
  status: 'pending' | 'delivered' | 'failed' | 'skipped';
  answer: string | null;
  error: string | null;
  delivered_at: number | null;
}

const DDL = `
CREATE TABLE IF NOT EXISTS ship_orders (
  transaction_id TEXT PRIMARY KEY,
  sub_mch_id TEXT NOT NULL,
  out_trade_no TEXT NOT NULL,
  state INTEGER NOT NULL,
  delivery_mode INTEGER,
  logistics_type INTEGER,
  is_all_delivered INTEGER,
  shipping_list TEXT NOT NULL DEFAULT '[]',
  finish_shipping_count INTEGER NOT NULL DEFAULT 0,
  last_upload_ms INTEGER,
  shipped_at INTEGER,
  confirmed_at INTEGER,
  confirm_method INTEGER,
  settled_at INTEGER,
  reminded_at INTEGER,
  notified_at INTEGER
);
CREATE TABLE IF NOT EXISTS ship_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  event TEXT NOT NULL,
  transaction_id TEXT,
  function_name TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  status TEXT NOT NULL,
  answer TEXT,
  error TEXT,
  delivered_at INTEGER
);
CREATE INDEX IF NOT EXISTS ship_events_tx ON ship_events (transaction_id);
CREATE TABLE IF NOT EXISTS ship_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

/** When each kind of step falls due (ms), for dueOrders. */
export interface DueTimes {
  now: number;
  /** 0 = no remind. */
  remind: number;
  express: number;
  other: number;
  settle: number;
}

export interface OrderFilter {
  appid?: string;
  /** Paid at or before (ms): WeChat knows the order. */
  paidUntil?: number;
  paidFrom?: number;
  paidBefore?: number;
  state?: number;
  openid?: string;
  transactionId?: string;
  outTradeNo?: string;
  limit: number;
  offset: number;
}

/** A paid trade (state SUCCESS, or REFUND after payment): only those are orders here. */
const PAID = 'transaction_id IS NOT NULL AND time_end IS NOT NULL';

export class ShippingStore {
  /** Prepared statements by SQL text (preparing costs more than running most of these). */
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {
    db.exec(DDL);
  }

  private prepare(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) this.statements.set(sql, (statement = this.db.prepare(sql)));
    return statement;
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  tradeByTransaction(transactionId: string): TradeRow | undefined {
    return this.prepare(`SELECT * FROM pay_trades WHERE transaction_id = ? AND ${PAID}`).get(
      transactionId,
    ) as TradeRow | undefined;
  }

  tradeByMerchantNo(mchid: string, outTradeNo: string): TradeRow | undefined {
    return this.prepare(`SELECT * FROM pay_trades WHERE sub_mch_id = ? AND out_trade_no = ? AND ${PAID}`).get(
      mchid,
      outTradeNo,
    ) as TradeRow | undefined;
  }

  /** Records every paid trade that has no fulfilment record yet (待发货); answers how many. */
  recordNewPayments(): number {
    return this.prepare(
      `INSERT OR IGNORE INTO ship_orders (transaction_id, sub_mch_id, out_trade_no, state)
       SELECT transaction_id, sub_mch_id, out_trade_no, 1 FROM pay_trades
       WHERE ${PAID} AND transaction_id NOT IN (SELECT transaction_id FROM ship_orders)`,
    ).run().changes;
  }

  /** A full refund at the pay side makes an order 已退款 (one statement for every order). */
  markRefunds(): void {
    this.prepare(
      `UPDATE ship_orders SET state = 5 WHERE state != 5 AND transaction_id IN
       (SELECT transaction_id FROM pay_trades WHERE ${PAID} AND refunded_fee >= total_fee)`,
    ).run();
  }

  /** Orders whose next step is due at or before `now`, and the earliest later due time. Computed in
   *  SQL: a clock move must not load every order of a large store into objects. */
  dueOrders(d: DueTimes): { due: string[]; next: number | null } {
    const DUE = `WITH a AS (SELECT o.transaction_id, CASE
        WHEN o.state = 1 THEN CASE WHEN o.reminded_at IS NULL AND @remind > 0 THEN t.time_end + @remind END
        WHEN o.state = 2 THEN o.shipped_at + CASE o.logistics_type WHEN 1 THEN @express ELSE @other END
        WHEN o.state = 3 THEN o.confirmed_at + @settle END AS due
      FROM ship_orders o JOIN pay_trades t ON t.transaction_id = o.transaction_id WHERE o.state <= 3)`;
    const due = this.prepare(`${DUE} SELECT transaction_id FROM a WHERE due <= @now ORDER BY due`)
      .pluck()
      .all(d) as string[];
    const next = this.prepare(`${DUE} SELECT MIN(due) FROM a WHERE due > @now`).pluck().get(d) as
      number | null;
    return { due, next };
  }

  /** Paid trades with their fulfilment record, by payment time then transaction_id, filtered and
   *  paged in SQL; `more` tells whether orders follow the page. */
  listOrders(f: OrderFilter): { page: Array<{ trade: TradeRow; order: ShipOrderRow }>; more: boolean } {
    const where = ['1 = 1'];
    if (f.appid !== undefined) where.push('t.sub_appid = @appid');
    if (f.paidUntil !== undefined) where.push('t.time_end <= @paidUntil');
    if (f.paidFrom !== undefined) where.push('t.time_end >= @paidFrom');
    if (f.paidBefore !== undefined) where.push('t.time_end < @paidBefore');
    if (f.state !== undefined) where.push('o.state = @state');
    if (f.openid !== undefined) where.push('t.sub_openid = @openid');
    if (f.transactionId !== undefined) where.push('o.transaction_id = @transactionId');
    if (f.outTradeNo !== undefined) where.push('o.out_trade_no = @outTradeNo');
    const ids = this.prepare(
      `SELECT o.transaction_id FROM ship_orders o JOIN pay_trades t ON t.transaction_id = o.transaction_id
       WHERE ${where.join(' AND ')} ORDER BY t.time_end, o.transaction_id LIMIT @limit OFFSET @offset`,
    )
      .pluck()
      .all({ ...f, limit: f.limit + 1, offset: f.offset }) as string[];
    const page = ids
      .slice(0, f.limit)
      .map((id) => ({ trade: this.tradeByTransaction(id)!, order: this.order(id)! }));
    return { page, more: ids.length > f.limit };
  }

  order(transactionId: string): ShipOrderRow | undefined {
    return this.prepare('SELECT * FROM ship_orders WHERE transaction_id = ?').get(transactionId) as
      ShipOrderRow | undefined;
  }

  /** The record of a paid trade, created (待发货) the first time it is asked for. */
  ensureOrder(trade: TradeRow): ShipOrderRow {
    const id = trade.transaction_id!;
    this.prepare(
      'INSERT OR IGNORE INTO ship_orders (transaction_id, sub_mch_id, out_trade_no, state) VALUES (?, ?, ?, 1)',
    ).run(id, trade.sub_mch_id, trade.out_trade_no);
    return this.order(id)!;
  }

  updateOrder(transactionId: string, patch: Partial<ShipOrderRow>): void {
    const keys = Object.keys(patch);
    if (!keys.length) return;
    this.prepare(
      `UPDATE ship_orders SET ${keys.map((k) => `${k} = @${k}`).join(', ')} WHERE transaction_id = @__id`,
    ).run({ ...patch, __id: transactionId });
  }

  anyShipped(): boolean {
    return Boolean(this.prepare('SELECT 1 FROM ship_orders WHERE finish_shipping_count > 0 LIMIT 1').get());
  }

  insertEvent(row: Omit<ShipEventRow, 'id'>): number {
    const keys = Object.keys(row);
    const info = this.prepare(
      `INSERT INTO ship_events (${keys.join(', ')}) VALUES (${keys.map((k) => `@${k}`).join(', ')})`,
    ).run(row);
    return Number(info.lastInsertRowid);
  }

  updateEvent(id: number, patch: Partial<ShipEventRow>): void {
    const keys = Object.keys(patch);
    this.prepare(`UPDATE ship_events SET ${keys.map((k) => `${k} = @${k}`).join(', ')} WHERE id = @__id`).run(
      { ...patch, __id: id },
    );
  }

  event(id: number): ShipEventRow | undefined {
    return this.prepare('SELECT * FROM ship_events WHERE id = ?').get(id) as ShipEventRow | undefined;
  }

  events(filter: { event?: string; transactionId?: string } = {}): ShipEventRow[] {
    const where: string[] = [];
    const args: string[] = [];
    if (filter.event) {
      where.push('event = ?');
      args.push(filter.event);
    }
    if (filter.transactionId) {
      where.push('transaction_id = ?');
      args.push(filter.transactionId);
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    return this.prepare(`SELECT * FROM ship_events ${clause} ORDER BY id`).all(...args) as ShipEventRow[];
  }

  setting(key: string): string | undefined {
    const row = this.prepare('SELECT value FROM ship_settings WHERE key = ?').get(key) as
      { value: string } | undefined;
    return row?.value;
  }

  saveSetting(key: string, value: string): void {
    this.prepare('INSERT OR REPLACE INTO ship_settings (key, value) VALUES (?, ?)').run(key, value);
  }

  config(): ShippingConfig {
    const saved = this.setting('config');
    return { ...DEFAULT_SHIPPING_CONFIG, ...(saved ? (JSON.parse(saved) as Partial<ShippingConfig>) : {}) };
  }
}
