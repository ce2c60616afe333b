/**
 * The live stream (`GET /sandbox/events`) read with fetch rather than EventSource, so the access
 * token travels in a header like every other request. Reconnects after a drop (1 s, then backing
 * off to 10 s) with Last-Event-ID, so nothing still in the server's buffer is missed.
 */
import type { LiveEvent, LiveEventKind } from '../../../typings/sandbox/dashboard';
import { authHeaders } from './api';
import { signal } from './signal';

export const connected = signal(false);
type Listener = (event: LiveEvent) => void;
const listeners = new Set<Listener>();
let lastId = 0;
let started = false;

/** Runs `listener` for every event of `kinds`; returns the unsubscribe. */
export function onLive(kinds: readonly LiveEventKind[], listener: Listener): () => void {
  const filtered: Listener = (e) => {
    if (kinds.includes(e.kind)) listener(e);
  };
  listeners.add(filtered);
  return () => listeners.delete(filtered);
}

function dispatch(block: string): void {
  const data = block
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => line.slice(6))
    .join('\n');
  if (!data) return;
  const event = JSON.parse(data) as LiveEvent;
  lastId = Math.max(lastId, event.id);
  for (const listener of [...listeners]) listener(event);
}

async function readStream(): Promise<void> {
  const res = await fetch('/sandbox/events', {
    headers: {
      ...authHeaders(),
      accept: 'text/event-stream',
      ...(lastId ? { 'last-event-id': String(lastId) } : {}),
    },
    cache: 'no-store',
  });
  if (!res.ok || !res.body) throw new Error(`events answered ${res.status}`);
  connected.set(true);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffered += value;
    let end: number;
    while ((end = buffered.indexOf('\n\n')) !== -1) {
      dispatch(buffered.slice(0, end));
      buffered = buffered.slice(end + 2);
    }
  }
}

/** Opens the stream once for the page's life. */
export function startLive(): void {
  if (started) return;
  started = true;
  let wait = 1000;
  const loop = async () => {
    for (;;) {
      const opened = Date.now();
      try {
        await readStream();
      } catch {
        // dropped or refused: try again below
      }
      connected.set(false);
      if (Date.now() - opened > 5000) wait = 1000;
      await new Promise((resolve) => setTimeout(resolve, wait));
      wait = Math.min(wait * 2, 10_000);
    }
  };
  void loop();
}
