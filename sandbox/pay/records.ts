/** Typed access to pay_trades, pay_prepays and pay_refunds. */
import type Database from 'better-sqlite3';
import { APIV3_ENV } from './context';
import { statement } from '../cloud/statements';

/**
 * What a mini-program trade can be (reference §11.1): USERPAYING, PAYERROR and REVOKED belong to
 * 付款码 payments, which the sandbox does not take.
 */
export type TradeState = 'NOTPAY' | 'SUCCESS' | 'REFUND' | 'CLOSED';
export type RefundStatus = 'PROCESSING' | 'SUCCESS' | 'REFUNDCLOSE' | 'CHANGE';

export interface TradeRow {
  sub_mch_id: string;
  out_trade_no: string;
  sub_appid: string;
  openid: string;
  sub_openid: string;
  trade_type: string;
  body: string;
  attach: string | null;
  device_info: string | null;
  fee_type: string;
  total_fee: number;
  time_expire: number | null;
  env_id: string | null;
  function_name: string | null;
  /** The first unifiedOrder's request (JSON), for the re-entry comparison. */
  request: string;
  state: TradeState;
  created_at: number;
  transaction_id: string | null;
  time_end: number | null;
  bank_type: string | null;
  paying_until: number | null;
  closed_at: number | null;
  refunded_fee: number;
  last_refund_at: number | null;
}

/** What every new trade starts as: NOTPAY, never paid, closed or refunded. */
const NEW_TRADE = {
  state: 'NOTPAY',
  transaction_id: null,
  time_end: null,
  bank_type: null,
  paying_until: null,
  closed_at: null,
  refunded_fee: 0,
  last_refund_at: null,
} as const satisfies Partial<TradeRow>;

/** What a unifiedOrder (v2 or v3) decides about a new trade; the rest of the row is NEW_TRADE. */
export type PlacedTrade = Omit<TradeRow, keyof typeof NEW_TRADE>;

/** A trade just placed. */
export function placedTrade(placed: PlacedTrade): TradeRow {
  return { ...placed, ...NEW_TRADE };
}

export interface PrepayRow {
  prepay_id: string;
  sub_mch_id: string;
  out_trade_no: string;
  created_at: number;
  expires_at: number;
}

export interface RefundRow {
  sub_mch_id: string;
  out_refund_no: string;
  refund_id: string;
  out_trade_no: string;
  transaction_id: string;
  total_fee: number;
  refund_fee: number;
  refund_desc: string | null;
  refund_account: string;
  status: RefundStatus;
  created_at: number;
  settle_at: number | null;
  success_at: number | null;
  env_id: string | null;
  function_name: string | null;
}

function insertSql(table: string, row: object): string {
  const keys = Object.keys(row);
  return `INSERT INTO ${table} (${keys.join(', ')}) VALUES (${keys.map((k) => `@${k}`).join(', ')})`;
}

export interface TradeFilter {
  subMchId?: string;
  outTradeNo?: string;
  state?: string;
  /** Only trades of one pay API. */
  api?: 'cloudpay' | 'apiv3';
  /** Only the newest this many. */
  newest?: number;
}

export class PayRecords {
  /** `changed(outTradeNo)` runs after every write to a trade, its prepays or refunds (the dashboard's live feed). */
  constructor(
    private readonly db: Database.Database,
    private readonly changed: (outTradeNo: string) => void = () => undefined,
  ) {}

  private prepare(sql: string): Database.Statement {
    return statement(this.db, sql);
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  trade(subMchId: string, outTradeNo: string): TradeRow | undefined {
    return this.prepare('SELECT * FROM pay_trades WHERE sub_mch_id = ? AND out_trade_no = ?').get(
      subMchId,
      outTradeNo,
    ) as TradeRow | undefined;
  }

  tradeByTransaction(subMchId: string, transactionId: string): TradeRow | undefined {
    return this.prepare('SELECT * FROM pay_trades WHERE sub_mch_id = ? AND transaction_id = ?').get(
      subMchId,
      transactionId,
    ) as TradeRow | undefined;
  }

  /** Trades oldest first; with `newest`, only the newest that many (still oldest first). */
  trades(filter: TradeFilter = {}): TradeRow[] {
    const conditions: Array<[string, string | undefined]> = [
      ['sub_mch_id', filter.subMchId],
      ['out_trade_no', filter.outTradeNo],
      ['state', filter.state],
    ];
    const used = conditions.filter((c): c is [string, string] => Boolean(c[1]));
    const where = used.map(([column]) => `${column} = ?`);
    const args: Array<string | number> = used.map(([, value]) => value);
    // An APIv3 trade's env_id is APIV3_ENV; a cloudPay trade's is the notified function's env.
    if (filter.api === 'apiv3') where.push('env_id = ?');
    if (filter.api === 'cloudpay') where.push('(env_id IS NULL OR env_id != ?)');
    if (filter.api) args.push(APIV3_ENV);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    if (filter.newest === undefined) {
      return this.prepare(`SELECT * FROM pay_trades ${clause} ORDER BY created_at`).all(
        ...args,
      ) as TradeRow[];
    }
    const newest = this.prepare(
      `SELECT * FROM pay_trades ${clause} ORDER BY created_at DESC, rowid DESC LIMIT ?`,
    ).all(...args, filter.newest) as TradeRow[];
    return newest.reverse();
  }

  /** Trades paid within [from, to), one at a time (a bill day can hold 100,000s). */
  tradesPaidBetween(from: number, to: number, subMchId?: string): IterableIterator<TradeRow> {
    const sql = `SELECT * FROM pay_trades WHERE time_end >= ? AND time_end < ?${subMchId ? ' AND sub_mch_id = ?' : ''} ORDER BY time_end`;
    return this.db
      .prepare(sql)
      .iterate(...(subMchId ? [from, to, subMchId] : [from, to])) as IterableIterator<TradeRow>;
  }

  /** Trades whose slow payment is still settling (re-armed on start). */
  tradesPaying(): TradeRow[] {
    return this.prepare(
      "SELECT * FROM pay_trades WHERE state = 'NOTPAY' AND paying_until IS NOT NULL",
    ).all() as TradeRow[];
  }

  insertTrade(row: TradeRow): void {
    this.prepare(insertSql('pay_trades', row)).run(row);
    this.changed(row.out_trade_no);
  }

  updateTrade(subMchId: string, outTradeNo: string, patch: Partial<TradeRow>): void {
    const keys = Object.keys(patch);
    if (!keys.length) return;
    this.prepare(
      `UPDATE pay_trades SET ${keys.map((k) => `${k} = @${k}`).join(', ')} WHERE sub_mch_id = @__s AND out_trade_no = @__o`,
    ).run({ ...patch, __s: subMchId, __o: outTradeNo });
    this.changed(outTradeNo);
  }

  prepay(prepayId: string): PrepayRow | undefined {
    return this.prepare('SELECT * FROM pay_prepays WHERE prepay_id = ?').get(prepayId) as
      PrepayRow | undefined;
  }

  latestPrepay(subMchId: string, outTradeNo: string): PrepayRow | undefined {
    return this.prepare(
      'SELECT * FROM pay_prepays WHERE sub_mch_id = ? AND out_trade_no = ? ORDER BY created_at DESC, rowid DESC',
    ).get(subMchId, outTradeNo) as PrepayRow | undefined;
  }

  prepaysOf(subMchId: string, outTradeNo: string): PrepayRow[] {
    return this.prepare(
      'SELECT * FROM pay_prepays WHERE sub_mch_id = ? AND out_trade_no = ? ORDER BY created_at, rowid',
    ).all(subMchId, outTradeNo) as PrepayRow[];
  }

  insertPrepay(row: PrepayRow): void {
    this.prepare(insertSql('pay_prepays', row)).run(row);
    this.changed(row.out_trade_no);
  }

  refund(subMchId: string, outRefundNo: string): RefundRow | undefined {
    return this.prepare('SELECT * FROM pay_refunds WHERE sub_mch_id = ? AND out_refund_no = ?').get(
      subMchId,
      outRefundNo,
    ) as RefundRow | undefined;
  }

  refundById(subMchId: string, refundId: string): RefundRow | undefined {
    return this.prepare('SELECT * FROM pay_refunds WHERE sub_mch_id = ? AND refund_id = ?').get(
      subMchId,
      refundId,
    ) as RefundRow | undefined;
  }

  refundsOf(subMchId: string, outTradeNo: string): RefundRow[] {
    return this.prepare(
      'SELECT * FROM pay_refunds WHERE sub_mch_id = ? AND out_trade_no = ? ORDER BY created_at, rowid',
    ).all(subMchId, outTradeNo) as RefundRow[];
  }

  /** Refunds accepted within [from, to). */
  refundsBetween(from: number, to: number, subMchId?: string): IterableIterator<RefundRow> {
    const sql = `SELECT * FROM pay_refunds WHERE created_at >= ? AND created_at < ?${subMchId ? ' AND sub_mch_id = ?' : ''} ORDER BY created_at, rowid`;
    return this.db
      .prepare(sql)
      .iterate(...(subMchId ? [from, to, subMchId] : [from, to])) as IterableIterator<RefundRow>;
  }

  refundsProcessing(): RefundRow[] {
    return this.prepare("SELECT * FROM pay_refunds WHERE status = 'PROCESSING'").all() as RefundRow[];
  }

  insertRefund(row: RefundRow): void {
    this.prepare(insertSql('pay_refunds', row)).run(row);
    this.changed(row.out_trade_no);
  }

  updateRefund(subMchId: string, outRefundNo: string, patch: Partial<RefundRow>): void {
    const keys = Object.keys(patch);
    if (!keys.length) return;
    this.prepare(
      `UPDATE pay_refunds SET ${keys.map((k) => `${k} = @${k}`).join(', ')} WHERE sub_mch_id = @__s AND out_refund_no = @__o`,
    ).run({ ...patch, __s: subMchId, __o: outRefundNo });
    const refund = this.refund(subMchId, outRefundNo);
    if (refund) this.changed(refund.out_trade_no);
  }
}
