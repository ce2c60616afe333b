/**
 * Whether the cloud can pass an event to a function. The event travels as JSON (to the instance,
 * into the invocation log, to the dashboard), and serialising JSON recurses once per level: an
 * event nested a few thousand levels deep (10 KB of brackets) overflows the stack wherever it is
 * serialised. It is refused before any instance is involved, as a bad parameter of the call.
 */
import { SandboxError } from '../errors';

/**
 * The sandbox's limit (no WeChat one is on record). Far beyond any real event (the kit's are three
 * levels deep), far below where serialising could overflow the stack.
 */
export const MAX_EVENT_DEPTH = 100;

/** SCF: a synchronous invocation's event and its answer are at most 6 MB each (APIv3 reference §15). */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

const isContainer = (value: unknown): value is object => value !== null && typeof value === 'object';

/**
 * Throws INVALID_PARAM (400) when `event` has objects or arrays nested more than MAX_EVENT_DEPTH
 * deep, or is larger than MAX_PAYLOAD_BYTES as JSON.
 */
export function checkEvent(name: string, event: unknown): void {
  // Level by level, without recursion: measuring must not overflow where serialising would.
  let level = isContainer(event) ? [event] : [];
  for (let depth = 1; level.length; depth++) {
    if (depth > MAX_EVENT_DEPTH) {
      throw new SandboxError(
        'INVALID_PARAM',
        `the event for ${name} nests objects or arrays more than ${MAX_EVENT_DEPTH} levels deep; ` +
          'the cloud cannot pass it to the function',
        400,
      );
    }
    const next: object[] = [];
    for (const container of level) {
      for (const value of Object.values(container)) if (isContainer(value)) next.push(value);
    }
    level = next;
  }
  const bytes = Buffer.byteLength(JSON.stringify(event) ?? '');
  if (bytes > MAX_PAYLOAD_BYTES) {
    throw new SandboxError(
      'INVALID_PARAM',
      `the event for ${name} is ${bytes} bytes; the cloud passes at most ${MAX_PAYLOAD_BYTES} (6 MB) to a function`,
      400,
    );
  }
}
