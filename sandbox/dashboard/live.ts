/**
 * `GET /sandbox/events`: the sandbox's changes as server-sent events (`id`, `event: <kind>`,
 * `data: <LiveEvent JSON>`), a comment heartbeat every 15 s so proxies and the browser keep the
 * stream open, and the buffered events after `Last-Event-ID` for a client that reconnects. The
 * route passed the same Host, Origin and token checks as every other one (sandbox/access.ts).
 */
import type { IncomingMessage, ServerResponse } from 'http';
import type { LiveEvent } from '../../typings/sandbox/dashboard';
import type { Sandbox } from '../server';

export const HEARTBEAT_MS = 15_000;
/** Streams open at once; beyond this the oldest is closed (a leaking page must not pile them up). */
const MAX_STREAMS = 32;
const open = new WeakMap<Sandbox, Set<ServerResponse>>();

const frame = (e: LiveEvent) => `id: ${e.id}\nevent: ${e.kind}\ndata: ${JSON.stringify(e)}\n\n`;

export function streamEvents(sandbox: Sandbox, req: IncomingMessage, res: ServerResponse): void {
  const streams = open.get(sandbox) ?? new Set<ServerResponse>();
  open.set(sandbox, streams);
  if (streams.size >= MAX_STREAMS) streams.values().next().value?.end();
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    connection: 'keep-alive',
  });
  // The client reconnects after 1 s unless it decides otherwise.
  res.write('retry: 1000\n\n');
  const last = Number(req.headers['last-event-id']);
  if (Number.isSafeInteger(last) && last > 0) for (const e of sandbox.events.since(last)) res.write(frame(e));
  const unsubscribe = sandbox.events.subscribe((e) => res.write(frame(e)));
  const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), HEARTBEAT_MS);
  heartbeat.unref();
  streams.add(res);
  const done = () => {
    clearInterval(heartbeat);
    unsubscribe();
    streams.delete(res);
  };
  res.on('close', done);
  req.socket.setTimeout(0);
}
