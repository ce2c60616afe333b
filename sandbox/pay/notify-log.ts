/** The callback log tables (pay_notifications, pay_deliveries): their rows as the notifier writes them,
 *  and as the control surface reads them. */
import type Database from 'better-sqlite3';
import { statement } from '../cloud/statements';
import type {
  CallbackKind,
  DeliveryOutcome,
  DeliveryView,
  NotificationStatus,
  NotificationView,
} from '../../typings/sandbox/callbacks';

export type { CallbackKind, DeliveryOutcome, DeliveryView, NotificationStatus, NotificationView };

export interface NotificationRow {
  id: number;
  kind: CallbackKind;
  sub_mch_id: string;
  out_trade_no: string;
  out_refund_no: string | null;
  env_id: string;
  function_name: string;
  event: string;
  status: NotificationStatus;
  attempts: number;
  next_at: number | null;
  created_at: number;
  delivered_at: number | null;
}

export interface DeliveryFilter {
  outTradeNo?: string;
  outRefundNo?: string;
  kind?: CallbackKind;
}

export function listNotifications(
  db: Database.Database,
  filter: { outTradeNo?: string; status?: NotificationStatus } = {},
): NotificationView[] {
  // Filter in SQL: the log grows with every payment and the control surface polls it.
  const { clause, args } = where([
    ['out_trade_no', filter.outTradeNo],
    ['status', filter.status],
  ]);
  const rows = statement(db, `SELECT * FROM pay_notifications${clause} ORDER BY id`).all(
    ...args,
  ) as NotificationRow[];
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    outTradeNo: r.out_trade_no,
    ...(r.out_refund_no ? { outRefundNo: r.out_refund_no } : {}),
    envId: r.env_id,
    functionName: r.function_name,
    status: r.status,
    attempts: r.attempts,
    nextAt: r.status === 'pending' ? r.next_at : null,
    createdAt: r.created_at,
    deliveredAt: r.delivered_at,
    event: JSON.parse(r.event) as Record<string, unknown>,
  }));
}

export function listDeliveries(db: Database.Database, filter: DeliveryFilter = {}): DeliveryView[] {
  const { clause, args } = where([
    ['d.out_trade_no', filter.outTradeNo],
    ['d.out_refund_no', filter.outRefundNo],
    ['d.kind', filter.kind],
  ]);
  const rows = statement(
    db,
    `SELECT d.*, n.event AS event FROM pay_deliveries d JOIN pay_notifications n ON n.id = d.notification_id${clause} ORDER BY d.id`,
  ).all(...args) as DeliveryRow[];
  return rows.map(deliveryView);
}

/** ` WHERE a = ? AND b = ?` for the conditions that have a value (column names are ours, never input). */
function where(conditions: Array<[string, string | undefined]>): { clause: string; args: string[] } {
  const used = conditions.filter((c): c is [string, string] => Boolean(c[1]));
  return {
    clause: used.length ? ` WHERE ${used.map(([column]) => `${column} = ?`).join(' AND ')}` : '',
    args: used.map(([, value]) => value),
  };
}

interface DeliveryRow {
  id: number;
  notification_id: number;
  kind: CallbackKind;
  out_trade_no: string;
  out_refund_no: string | null;
  env_id: string;
  function_name: string;
  attempt: number;
  duplicate: number;
  started_at: number;
  finished_at: number | null;
  outcome: DeliveryOutcome;
  answer: string | null;
  error: string | null;
  event: string;
}

function deliveryView(r: DeliveryRow): DeliveryView {
  return {
    id: r.id,
    notificationId: r.notification_id,
    kind: r.kind,
    outTradeNo: r.out_trade_no,
    ...(r.out_refund_no ? { outRefundNo: r.out_refund_no } : {}),
    envId: r.env_id,
    functionName: r.function_name,
    attempt: r.attempt,
    duplicate: r.duplicate === 1,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    outcome: r.outcome,
    ...(r.answer !== null ? { answer: JSON.parse(r.answer) as unknown } : {}),
    ...(r.error !== null ? { error: r.error } : {}),
    event: JSON.parse(r.event) as Record<string, unknown>,
  };
}

export function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return JSON.stringify(String(value));
  }
}

/** What a payment or refund callback is about, and where it goes. */
export interface NotificationInput {
  kind: CallbackKind;
  subMchId: string;
  outTradeNo: string;
  outRefundNo?: string;
  envId: string;
  functionName: string;
  event: Record<string, unknown>;
}

/** A new notification's row; its id. */
export function insertNotification(
  db: Database.Database,
  input: NotificationInput,
  state: { status: NotificationStatus; nextAt: number | null; createdAt: number },
): number {
  return Number(
    statement(
      db,
      `INSERT INTO pay_notifications (kind, sub_mch_id, out_trade_no, out_refund_no, env_id, function_name, event,
           status, attempts, next_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`,
    ).run(
      input.kind,
      input.subMchId,
      input.outTradeNo,
      input.outRefundNo ?? null,
      input.envId,
      input.functionName,
      JSON.stringify(input.event),
      state.status,
      state.nextAt,
      state.createdAt,
    ).lastInsertRowid,
  );
}

/** One delivery attempt of `row` in the log, `pending` until finishDelivery (or over at once); its id. */
export function insertDelivery(
  db: Database.Database,
  row: NotificationRow,
  d: { attempt: number; duplicate: boolean; at: number; outcome: DeliveryOutcome; error?: string },
): number {
  return Number(
    statement(
      db,
      `INSERT INTO pay_deliveries (notification_id, kind, out_trade_no, out_refund_no, env_id, function_name, attempt,
           duplicate, started_at, finished_at, outcome, answer, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)`,
    ).run(
      row.id,
      row.kind,
      row.out_trade_no,
      row.out_refund_no,
      row.env_id,
      row.function_name,
      d.attempt,
      d.duplicate ? 1 : 0,
      d.at,
      d.outcome === 'pending' ? null : d.at,
      d.outcome,
      d.error ?? null,
    ).lastInsertRowid,
  );
}

/** What the function answered (or why it did not) to a pending delivery. */
export function finishDelivery(
  db: Database.Database,
  id: number,
  d: { at: number; outcome: DeliveryOutcome; answer: unknown; error?: string },
): void {
  statement(
    db,
    'UPDATE pay_deliveries SET finished_at = ?, outcome = ?, answer = ?, error = ? WHERE id = ?',
  ).run(d.at, d.outcome, d.answer === undefined ? null : safeJson(d.answer), d.error ?? null, id);
}
