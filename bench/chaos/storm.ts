/**
 * The weather during the soak, one seeded action at a time, beside the users: instances killed
 * (idle, or busy in the middle of an invocation; the runtime's chaos setting kills others at a random
 * cloud API call), WeChat Pay API faults, dropped, duplicated, delayed and held callbacks, releases of
 * the held ones (sometimes newest first), and jumps of the clock so that timers run and orders expire.
 */
import type { SoakClient } from './client';
import { Rng, Tally } from './random';

export const KIT_FUNCTIONS = [
  'unifiedOrder',
  'queryOrder',
  'closeOrder',
  'listOrders',
  'refund',
  'payCallback',
  'refundCallback',
  'closeExpiredOrders',
] as const;

const PAY_APIS = ['unifiedOrder', 'queryOrder', 'closeOrder', 'refund', 'queryRefund', '*'] as const;
const PAY_ERRORS = ['SYSTEMERROR', 'TIMEOUT', 'SYS_ERR', 'RETURN_FAIL', 'FREQUENCY_LIMITED'] as const;
/** Errors that can come back after WeChat carried the request out (a refusal like a frequency limit
 * comes before). */
const UNCERTAIN: ReadonlySet<string> = new Set(['SYSTEMERROR', 'TIMEOUT', 'SYS_ERR', 'RETURN_FAIL']);

export class Storm {
  /** Sandbox time the jumps added. */
  jumpedMs = 0;

  constructor(
    private readonly client: SoakClient,
    private readonly rng: Rng,
    private readonly tally: Tally,
  ) {}

  async step(): Promise<void> {
    const { rng, tally, client } = this;
    const what = rng.weighted({ kill: 18, apiFault: 20, callbackFault: 25, release: 10, clock: 27 });
    if (what === 'kill') {
      const mode = rng.weighted({ busy: 50, idle: 30, any: 20 });
      const name = rng.chance(0.5) ? rng.pick(KIT_FUNCTIONS) : undefined;
      if (await client.kill(mode, name)) tally.add(`kills.route ${mode}`);
      else tally.add('kills.route found nothing');
    } else if (what === 'apiFault') {
      const error = rng.pick(PAY_ERRORS);
      const fault = {
        api: rng.pick(PAY_APIS),
        error,
        count: rng.between(1, 2),
        afterProcessing: UNCERTAIN.has(error) && rng.chance(0.3),
      };
      await client.apiFault(fault);
      tally.add(`faults.api ${fault.error}${fault.afterProcessing ? ' after processing' : ''}`, fault.count);
    } else if (what === 'callbackFault') {
      const mode = rng.weighted({ drop: 30, duplicate: 25, delay: 25, hold: 20 });
      const count = rng.between(1, 3);
      const kind = rng.pick([undefined, 'payment', 'refund'] as const);
      await client.callbackFault({
        mode,
        count,
        ...(kind ? { kind } : {}),
        ...(mode === 'delay' ? { delayMs: rng.between(5, 180) * 1000 } : {}),
      });
      tally.add(`faults.callbacks ${mode}`, count);
    } else if (what === 'release') {
      const order = rng.chance(0.5) ? 'reverse' : 'fifo';
      tally.add(`faults.callbacks released ${order}`, await client.release(order));
    } else {
      const kind = rng.weighted({ short: 60, medium: 30, long: 10 });
      const seconds =
        kind === 'short'
          ? rng.between(10, 90)
          : kind === 'medium'
            ? rng.between(120, 300)
            : rng.between(360, 660);
      await client.clock('advance', seconds * 1000);
      this.jumpedMs += seconds * 1000;
      tally.add(`clock.jumps ${kind}`);
    }
  }
}
