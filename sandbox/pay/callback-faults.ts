/**
 * Faults on callbacks, consumed one notification (or attempt) at a time:
 * - `drop`: the next N delivery attempts are lost on the way (logged as dropped, retried on schedule);
 * - `delay`: the next N notifications are first sent `delayMs` later;
 * - `duplicate`: the next N attempts are sent twice, concurrently;
 * - `hold`: the next N notifications wait until `releaseHeld()` (reverse order = reordered callbacks).
 */
import type Database from 'better-sqlite3';
import { statement } from '../cloud/statements';

export type CallbackFaultMode = 'drop' | 'delay' | 'duplicate' | 'hold';

export interface CallbackFault {
  id: number;
  /** Only notifications of this kind; absent = both. */
  kind?: 'payment' | 'refund';
  mode: CallbackFaultMode;
  remaining: number;
  delayMs: number;
}

interface Row {
  id: number;
  kind: 'payment' | 'refund' | null;
  mode: CallbackFaultMode;
  remaining: number;
  delay_ms: number;
}

export const CALLBACK_FAULT_MODES: readonly CallbackFaultMode[] = ['drop', 'delay', 'duplicate', 'hold'];

/** Which notifications a callback fault may be limited to. */
export const CALLBACK_KINDS = ['payment', 'refund'] as const;

export function isCallbackFaultMode(value: unknown): value is CallbackFaultMode {
  return typeof value === 'string' && (CALLBACK_FAULT_MODES as readonly string[]).includes(value);
}

/** Databases whose pay_callback_faults is known to hold no fault with uses left: the call path then reads nothing
 *  (every pay API call and callback asks). Per database, since more than one CallbackFaults share the table. */
const noCallbackFaults = new WeakSet<Database.Database>();

export class CallbackFaults {
  constructor(private readonly db: Database.Database) {}

  add(f: {
    kind?: 'payment' | 'refund';
    mode: CallbackFaultMode;
    count: number;
    delayMs?: number;
  }): CallbackFault {
    if (!isCallbackFaultMode(f.mode)) throw new RangeError(`unknown callback fault mode ${String(f.mode)}`);
    if (!Number.isInteger(f.count) || f.count < 1) throw new RangeError('count must be a positive integer');
    const delayMs = f.delayMs ?? 0;
    if (f.mode === 'delay' && !(delayMs > 0)) throw new RangeError('a delay fault needs delayMs > 0');
    const id = Number(
      statement(
        this.db,
        'INSERT INTO pay_callback_faults (kind, mode, remaining, delay_ms) VALUES (?, ?, ?, ?)',
      ).run(f.kind ?? null, f.mode, f.count, delayMs).lastInsertRowid,
    );
    noCallbackFaults.delete(this.db);
    return { id, ...(f.kind ? { kind: f.kind } : {}), mode: f.mode, remaining: f.count, delayMs };
  }

  list(): CallbackFault[] {
    const rows = statement(
      this.db,
      'SELECT * FROM pay_callback_faults WHERE remaining > 0 ORDER BY id',
    ).all() as Row[];
    if (rows.length) noCallbackFaults.delete(this.db);
    else noCallbackFaults.add(this.db);
    return rows.map((r) => ({
      id: r.id,
      ...(r.kind ? { kind: r.kind } : {}),
      mode: r.mode,
      remaining: r.remaining,
      delayMs: r.delay_ms,
    }));
  }

  clear(): void {
    statement(this.db, 'DELETE FROM pay_callback_faults').run();
    noCallbackFaults.delete(this.db);
  }

  /** Consumes one use of the oldest matching fault among `modes`. */
  take(kind: 'payment' | 'refund', modes: CallbackFaultMode[]): CallbackFault | undefined {
    if (noCallbackFaults.has(this.db)) return undefined;
    const fault = this.list().find((f) => (!f.kind || f.kind === kind) && modes.includes(f.mode));
    if (!fault) return undefined;
    statement(this.db, 'UPDATE pay_callback_faults SET remaining = remaining - 1 WHERE id = ?').run(fault.id);
    return fault;
  }
}
