/**
 * What changed in the sandbox, as a stream the dashboard listens to (`GET /sandbox/events`): an
 * order document, a trade at WeChat Pay, a notification attempt, a function invocation, the clock,
 * the faults. Events carry only what changed (a key), never data: a listener reads the data through
 * the same Host/Origin/token-checked routes as everything else. The last events are kept in a
 * bounded buffer so a client that reconnects with Last-Event-ID misses nothing recent.
 */
import type { LiveEvent, LiveEventKind } from '../typings/sandbox/dashboard';

export type LiveListener = (event: LiveEvent) => void;

export class SandboxEvents {
  private readonly buffer: LiveEvent[] = [];
  private readonly listeners = new Set<LiveListener>();
  private nextId = 1;

  constructor(private readonly capacity = 500) {}

  emit(kind: LiveEventKind, key?: string): void {
    const event: LiveEvent = { id: this.nextId++, kind, wallAt: Date.now(), ...(key ? { key } : {}) };
    this.buffer.push(event);
    // Trimmed once it holds twice what is kept, not on every event: one splice per `capacity` events.
    if (this.buffer.length >= 2 * this.capacity) this.buffer.splice(0, this.buffer.length - this.capacity);
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        console.error('[sandbox events] listener failed:', err);
      }
    }
  }

  /** Events after `id` still in the buffer (a reconnecting client's gap). */
  since(id: number): LiveEvent[] {
    return this.buffer.slice(-this.capacity).filter((e) => e.id > id);
  }

  subscribe(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  listenerCount(): number {
    return this.listeners.size;
  }
}
