/** The callback log tables (pay_notifications, pay_deliveries) as the control surface reads them. */
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
