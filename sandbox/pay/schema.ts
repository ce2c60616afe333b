/** The pay_ tables in the sandbox's shared SQLite file: everything survives a restart. */
import type Database from 'better-sqlite3';

const DDL = `
CREATE TABLE IF NOT EXISTS pay_trades (
  sub_mch_id TEXT NOT NULL,
  out_trade_no TEXT NOT NULL,
  sub_appid TEXT NOT NULL,
  openid TEXT NOT NULL,
  sub_openid TEXT NOT NULL,
  trade_type TEXT NOT NULL,
  body TEXT NOT NULL,
  attach TEXT,
  device_info TEXT,
  fee_type TEXT NOT NULL,
  total_fee INTEGER NOT NULL,
  time_expire INTEGER,
  env_id TEXT,
  function_name TEXT,
  request TEXT NOT NULL,
  state TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  transaction_id TEXT UNIQUE,
  time_end INTEGER,
  bank_type TEXT,
  paying_until INTEGER,
  closed_at INTEGER,
  refunded_fee INTEGER NOT NULL DEFAULT 0,
  last_refund_at INTEGER,
  PRIMARY KEY (sub_mch_id, out_trade_no)
);
CREATE INDEX IF NOT EXISTS pay_trades_paid ON pay_trades (time_end);
CREATE TABLE IF NOT EXISTS pay_prepays (
  prepay_id TEXT PRIMARY KEY,
  sub_mch_id TEXT NOT NULL,
  out_trade_no TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS pay_prepays_trade ON pay_prepays (sub_mch_id, out_trade_no);
CREATE TABLE IF NOT EXISTS pay_refunds (
  sub_mch_id TEXT NOT NULL,
  out_refund_no TEXT NOT NULL,
  refund_id TEXT NOT NULL UNIQUE,
  out_trade_no TEXT NOT NULL,
  transaction_id TEXT NOT NULL,
  total_fee INTEGER NOT NULL,
  refund_fee INTEGER NOT NULL,
  refund_desc TEXT,
  refund_account TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  settle_at INTEGER,
  success_at INTEGER,
  env_id TEXT,
  function_name TEXT,
  PRIMARY KEY (sub_mch_id, out_refund_no)
);
CREATE INDEX IF NOT EXISTS pay_refunds_trade ON pay_refunds (sub_mch_id, out_trade_no);
CREATE INDEX IF NOT EXISTS pay_refunds_created ON pay_refunds (created_at);
CREATE TABLE IF NOT EXISTS pay_notifications (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  sub_mch_id TEXT NOT NULL,
  out_trade_no TEXT NOT NULL,
  out_refund_no TEXT,
  env_id TEXT NOT NULL,
  function_name TEXT NOT NULL,
  event TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER,
  created_at INTEGER NOT NULL,
  delivered_at INTEGER
);
CREATE INDEX IF NOT EXISTS pay_notifications_trade ON pay_notifications (out_trade_no);
CREATE TABLE IF NOT EXISTS pay_deliveries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  notification_id INTEGER NOT NULL,
  kind TEXT NOT NULL,
  out_trade_no TEXT NOT NULL,
  out_refund_no TEXT,
  env_id TEXT NOT NULL,
  function_name TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  duplicate INTEGER NOT NULL DEFAULT 0,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  outcome TEXT NOT NULL,
  answer TEXT,
  error TEXT
);
CREATE INDEX IF NOT EXISTS pay_deliveries_trade ON pay_deliveries (out_trade_no);
CREATE TABLE IF NOT EXISTS pay_faults (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  api TEXT NOT NULL,
  remaining INTEGER NOT NULL,
  error TEXT NOT NULL,
  after_processing INTEGER NOT NULL DEFAULT 0,
  delay_ms INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS pay_callback_faults (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT,
  mode TEXT NOT NULL,
  remaining INTEGER NOT NULL,
  delay_ms INTEGER NOT NULL DEFAULT 0
);
`;

export function createPaySchema(db: Database.Database): void {
  db.exec(DDL);
  addMissingColumns(db);
}

/** Columns added since a data folder may have been created: its tables get them, with their defaults. */
function addMissingColumns(db: Database.Database): void {
  const columns = (db.prepare('PRAGMA table_info(pay_faults)').all() as Array<{ name: string }>).map(
    (c) => c.name,
  );
  if (!columns.includes('delay_ms'))
    db.exec('ALTER TABLE pay_faults ADD COLUMN delay_ms INTEGER NOT NULL DEFAULT 0');
}
