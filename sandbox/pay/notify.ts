/**
 * Callback notifications (reference §10, §11.6): each payment/refund notification is delivered to the
 * merchant's cloud function until it answers `{ errcode: 0 }`, re-sent on the retry schedule of the
 * sandbox clock, every attempt logged. Callback faults (drop, delay, duplicate, hold for reordering) act
 * on the next notifications. State lives in pay_notifications / pay_deliveries, so retries survive a restart.
 */
import type Database from 'better-sqlite3';
import type { SandboxClock } from '../clock';
import type { PayConfig } from './config';
import { CallbackFaults } from './callback-faults';
import { APIV3_ENV } from './context';
import {
  finishDelivery,
  insertDelivery,
  insertNotification,
  listDeliveries,
  listNotifications,
  type CallbackKind,
  type DeliveryFilter,
  type DeliveryOutcome,
  type DeliveryView,
  type NotificationInput,
  type NotificationRow,
  type NotificationStatus,
  type NotificationView,
} from './notify-log';
import { statement } from '../cloud/statements';
import { StatusWatch } from './status-watch';

export type {
  CallbackKind,
  DeliveryView,
  NotificationInput,
  NotificationStatus,
  NotificationView,
} from './notify-log';

export type DeliverFn = (d: {
  kind: CallbackKind;
  envId: string;
  functionName: string;
  event: Record<string, unknown>;
}) => Promise<unknown>;

/** Marks an answer a deliverer judged acknowledged by its own rule (APIv3: a 2xx in time). A symbol,
 *  so a function's JSON answer can never carry it, and the delivery log does not show it. */
export const ACKNOWLEDGED = Symbol('acknowledged');

/** The merchant acknowledged: `{ errcode: 0 }` (errcode a number, reference §10.1). */
export function isAck(answer: unknown): boolean {
  if (typeof answer !== 'object' || answer === null) return false;
  return (
    (answer as { [ACKNOWLEDGED]?: boolean })[ACKNOWLEDGED] === true ||
    (answer as { errcode?: unknown }).errcode === 0
  );
}

export class Notifier {
  private readonly timers = new Map<number, number>();
  private readonly watch = new StatusWatch<NotificationView>();
  private readonly inflight = new Set<Promise<void>>();
  private closed = false;
  readonly faults: CallbackFaults;
  /** The most retries of an APIv3 notification (its own setting, v3 reference §3.6); unset = the schedule's length. */
  v3Retries: (() => number) | undefined;

  constructor(
    private readonly db: Database.Database,
    private readonly clock: SandboxClock,
    private readonly config: () => PayConfig,
    private readonly deliver: DeliverFn,
    /** Runs after every change to a notification or its deliveries (the dashboard's live feed). */
    private readonly onChange: (outTradeNo: string) => void = () => undefined,
  ) {
    this.faults = new CallbackFaults(db);
  }

  enqueue(input: NotificationInput): number {
    const now = this.clock.now();
    const fault = this.faults.take(input.kind, ['delay', 'hold']);
    const held = fault?.mode === 'hold';
    const firstAt = now + (fault?.mode === 'delay' ? fault.delayMs : 0);
    const id = insertNotification(this.db, input, {
      status: held ? 'held' : 'pending',
      nextAt: held ? null : firstAt,
      createdAt: now,
    });
    if (!held) this.schedule(id, firstAt);
    this.changed(input.outTradeNo);
    return id;
  }

  /** Re-arms what was pending at shutdown; an attempt cut off mid-flight counts as not acknowledged. */
  start(): void {
    const rows = this.sql(
      "SELECT * FROM pay_notifications WHERE status IN ('pending', 'inflight') ORDER BY id",
    ).all() as NotificationRow[];
    for (const row of rows) {
      if (this.timers.has(row.id)) continue;
      if (row.status === 'inflight') {
        this.sql(
          "UPDATE pay_deliveries SET outcome = 'error', error = 'sandbox stopped' WHERE notification_id = ? AND outcome = 'pending'",
        ).run(row.id);
        this.failed(row, this.clock.now());
      } else {
        this.schedule(row.id, row.next_at ?? this.clock.now());
      }
    }
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers.values()) this.clock.cancel(timer);
    this.timers.clear();
  }

  /** Resolves once no delivery is in flight (including ones that fall due while waiting). */
  async settle(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  /** Sends held notifications now, in creation order or reversed (to reorder callbacks). */
  releaseHeld(order: 'fifo' | 'reverse' = 'fifo'): number {
    const rows = this.sql(
      "SELECT id, out_trade_no FROM pay_notifications WHERE status = 'held' ORDER BY id",
    ).all() as Array<Pick<NotificationRow, 'id' | 'out_trade_no'>>;
    if (order === 'reverse') rows.reverse();
    const now = this.clock.now();
    for (const { id, out_trade_no } of rows) {
      this.sql("UPDATE pay_notifications SET status = 'pending', next_at = ? WHERE id = ?").run(now, id);
      this.schedule(id, now);
      this.changed(out_trade_no);
    }
    return rows.length;
  }

  /** Sends a notification again now (like the merchant platform's resend), whatever its status. */
  resend(id: number): boolean {
    const row = this.row(id);
    if (!row || row.status === 'inflight') return false;
    const now = this.clock.now();
    this.sql("UPDATE pay_notifications SET status = 'pending', next_at = ? WHERE id = ?").run(now, id);
    this.schedule(id, now);
    this.changed(row.out_trade_no);
    return true;
  }

  notifications(filter: { outTradeNo?: string; status?: NotificationStatus } = {}): NotificationView[] {
    return listNotifications(this.db, filter);
  }

  /**
   * The notifications matching `filter`; while none does, waits up to `waitMs` (or until `gone`
   * resolves: the caller hung up) for a status change that makes one match, instead of being polled.
   */
  waitFor(
    filter: { outTradeNo?: string; status?: NotificationStatus },
    waitMs: number,
    gone: Promise<void>,
  ): Promise<NotificationView[]> {
    if (this.closed) return Promise.resolve(this.notifications(filter));
    return this.watch.waitFor(() => this.notifications(filter), waitMs, gone, filter.outTradeNo);
  }

  /** Wakes the waiters on notification statuses, and tells the live feed which order changed. */
  private changed(outTradeNo: string): void {
    this.watch.changed(outTradeNo);
    this.onChange(outTradeNo);
  }

  deliveries(filter: DeliveryFilter = {}): DeliveryView[] {
    return listDeliveries(this.db, filter);
  }

  private sql(text: string): Database.Statement {
    return statement(this.db, text);
  }

  private row(id: number): NotificationRow | undefined {
    return this.sql('SELECT * FROM pay_notifications WHERE id = ?').get(id) as NotificationRow | undefined;
  }

  private schedule(id: number, at: number): void {
    if (this.closed) return;
    const old = this.timers.get(id);
    if (old !== undefined) this.clock.cancel(old);
    // clock.at fires synchronously when `at` is already due; only keep timers that are still waiting.
    let fired = false;
    const timer = this.clock.at(at, () => {
      fired = true;
      this.timers.delete(id);
      this.track(this.attempt(id));
    });
    if (!fired) this.timers.set(id, timer);
  }

  private track(p: Promise<void>): void {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  private async attempt(id: number): Promise<void> {
    // Its start (status, a callback fault used, the delivery logged) is one commit.
    const started = this.db.transaction(() => this.begin(id))();
    await started?.sending;
  }

  private begin(id: number): { sending: Promise<void> } | undefined {
    const row = this.row(id);
    if (!row || row.status !== 'pending' || this.closed) return undefined;
    const attempt = row.attempts + 1;
    const startedAt = this.clock.now();
    this.sql("UPDATE pay_notifications SET status = 'inflight', attempts = ? WHERE id = ?").run(attempt, id);
    const fault = this.faults.take(row.kind, ['drop', 'duplicate']);
    if (fault?.mode === 'drop') {
      this.logDelivery(row, attempt, false, startedAt, 'dropped', 'dropped by callback fault');
      this.failed({ ...row, attempts: attempt }, startedAt);
      return undefined;
    }
    if (fault?.mode === 'duplicate') this.track(this.send(row, attempt, true));
    return { sending: this.send(row, attempt, false, (ok) => this.conclude(id, ok, startedAt)) };
  }

  /** The attempt's answer is in (and logged): delivered, or the next retry is planned. */
  private conclude(id: number, ok: boolean, startedAt: number): void {
    const current = this.row(id);
    if (!current || current.status !== 'inflight') return;
    if (ok) {
      this.sql(
        "UPDATE pay_notifications SET status = 'delivered', delivered_at = ?, next_at = NULL WHERE id = ?",
      ).run(this.clock.now(), id);
    } else {
      this.failed(current, startedAt);
    }
  }

  /**
   * One delivery of the event, logged. `then` (the attempt's conclusion) runs in the same SQLite
   * transaction as the log's answer: one commit instead of two per delivery.
   */
  private async send(
    row: NotificationRow,
    attempt: number,
    duplicate: boolean,
    then?: (ok: boolean) => void,
  ): Promise<void> {
    const startedAt = this.clock.now();
    const logId = this.logDelivery(row, attempt, duplicate, startedAt, 'pending');
    let outcome: DeliveryOutcome;
    let answer: unknown;
    let error: string | undefined;
    try {
      answer = await this.deliver({
        kind: row.kind,
        envId: row.env_id,
        functionName: row.function_name,
        event: JSON.parse(row.event) as Record<string, unknown>,
      });
      outcome = isAck(answer) ? 'ok' : 'rejected';
    } catch (err) {
      outcome = 'error';
      error = err instanceof Error ? err.message : String(err);
    }
    if (this.closed) return;
    this.db.transaction(() => {
      finishDelivery(this.db, logId, { at: this.clock.now(), outcome, answer, error });
      then?.(outcome === 'ok');
      this.changed(row.out_trade_no);
    })();
  }

  private logDelivery(
    row: NotificationRow,
    attempt: number,
    duplicate: boolean,
    at: number,
    outcome: DeliveryOutcome,
    error?: string,
  ): number {
    const id = insertDelivery(this.db, row, { attempt, duplicate, at, outcome, error });
    this.changed(row.out_trade_no);
    return id;
  }

  /** Not acknowledged: the next retry falls `schedule[attempts-1]` after the previous planned attempt. */
  private failed(row: NotificationRow, attemptAt: number): void {
    const schedule = this.config().retryScheduleMs;
    const limit = row.env_id === APIV3_ENV ? this.v3Retries?.() : undefined;
    const wait = limit !== undefined && row.attempts > limit ? undefined : schedule[row.attempts - 1];
    if (wait === undefined) {
      this.sql("UPDATE pay_notifications SET status = 'abandoned', next_at = NULL WHERE id = ?").run(row.id);
      this.changed(row.out_trade_no);
      return;
    }
    // next_at keeps the planned time, so a clock jump replays the missed attempts at their planned times.
    const planned = (row.next_at ?? attemptAt) + wait;
    this.sql("UPDATE pay_notifications SET status = 'pending', next_at = ? WHERE id = ?").run(
      planned,
      row.id,
    );
    this.schedule(row.id, Math.max(planned, this.clock.now()));
    this.changed(row.out_trade_no);
  }
}
