import type { LogLine } from './messages';
import type { Doom } from './chaos';
import type { ColdStart } from './instance';
import type { ApiCalls, Caller } from './functions';

export interface InvocationRecord {
  requestId: string;
  name: string;
  caller: Caller;
  /** The event the function received. */
  event?: unknown;
  /** Sandbox time when the call came in: what the function's Date read, and what the pay records say. */
  startedAt: number;
  /** Real time when the call came in. */
  wallStartedAt: number;
  /** Real time the call took (a frozen clock does not stop it). */
  durationMs: number;
  /** The first invocation in a fresh instance of the function. */
  cold: boolean;
  /** How that instance was started (cold invocations only). */
  coldStart?: ColdStart;
  logs: LogLine[];
  result?: unknown;
  error?: string;
  calls: ApiCalls;
  /** Killed by chaos at this API call (runtime/chaos.ts). */
  chaosKill?: Pick<Doom, 'call' | 'phase'>;
}

/** The most recent invocations, newest last, as the cloud console's log view shows them. */
export class InvocationLog {
  private records: InvocationRecord[] = [];

  /** Runs after every record added (the dashboard's live feed). */
  onAdd?: (record: InvocationRecord) => void;

  constructor(private readonly capacity = 2000) {}

  add(record: InvocationRecord): void {
    this.records.push(record);
    // Trimmed once it holds twice what is kept, not on every call: one splice per `capacity` calls.
    if (this.records.length >= 2 * this.capacity) this.records.splice(0, this.records.length - this.capacity);
    this.onAdd?.(record);
  }

  list(filter: { name?: string; openid?: string; limit?: number } = {}): InvocationRecord[] {
    const matching = this.records
      .slice(-this.capacity)
      .filter(
        (r) =>
          (!filter.name || r.name === filter.name) && (!filter.openid || r.caller.openid === filter.openid),
      );
    return matching.slice(-(filter.limit ?? 100));
  }
}
