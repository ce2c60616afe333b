/**
 * What a v3 refund request says about its funds (reference §6.1–§6.2): `funds_account` and
 * `amount.from[]`, which the shared refund store (cloudPay's rows) has no place for, kept beside it
 * so the create and query answers give them back.
 */
import type Database from 'better-sqlite3';

export interface RefundFundsEntry {
  fundsAccount: string;
  from: Array<{ account: string; amount: number }>;
}

export class RefundFunds {
  constructor(private readonly db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS pay_v3_refund_funds (
      mchid TEXT NOT NULL,
      out_refund_no TEXT NOT NULL,
      funds_account TEXT NOT NULL,
      amount_from TEXT NOT NULL,
      PRIMARY KEY (mchid, out_refund_no)
    )`);
  }

  save(mchid: string, outRefundNo: string, entry: RefundFundsEntry): void {
    this.db
      .prepare(
        'INSERT OR REPLACE INTO pay_v3_refund_funds (mchid, out_refund_no, funds_account, amount_from) VALUES (?, ?, ?, ?)',
      )
      .run(mchid, outRefundNo, entry.fundsAccount, JSON.stringify(entry.from));
  }

  /** The refund's funds; a refund requested without them drew on the available balance (§6.1). */
  get(mchid: string, outRefundNo: string): RefundFundsEntry {
    const row = this.db
      .prepare(
        'SELECT funds_account, amount_from FROM pay_v3_refund_funds WHERE mchid = ? AND out_refund_no = ?',
      )
      .get(mchid, outRefundNo) as { funds_account: string; amount_from: string } | undefined;
    if (!row) return { fundsAccount: 'AVAILABLE', from: [] };
    return {
      fundsAccount: row.funds_account,
      from: JSON.parse(row.amount_from) as RefundFundsEntry['from'],
    };
  }
}
