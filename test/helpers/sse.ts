/**
 * Reading the sandbox's live stream (`GET /sandbox/events`, server-sent events) from node, as the
 * dashboard's tests and bench do: frames end at a blank line; each carries its event in a `data:` line.
 */
import type { LiveEvent } from '../../typings/sandbox/dashboard';

/** Returns a function fed the stream's text chunks in order; it answers the events they complete. */
export function sseReader(): (chunk: string) => LiveEvent[] {
  let buffered = '';
  return (chunk) => {
    buffered += chunk;
    const events: LiveEvent[] = [];
    let end: number;
    while ((end = buffered.indexOf('\n\n')) !== -1) {
      const data = buffered
        .slice(0, end)
        .split('\n')
        .find((l) => l.startsWith('data: '));
      buffered = buffered.slice(end + 2);
      if (data) events.push(JSON.parse(data.slice(6)) as LiveEvent);
    }
    return events;
  };
}
