/**
 * Crashes on demand for the function runtime, so crash safety can be soaked (`npm run bench -- chaos`).
 * A real instance dies at any instruction; what matters to the kit is where that falls between its
 * cloud API calls. So a doomed invocation is SIGKILLed at one of its API calls, chosen at random:
 * `before` the sandbox carries the call out, or `after` it did but before the function hears the
 * answer (a prepay that exists at WeChat, an order that was never stored).
 */
import { SandboxError } from '../errors';

export interface ChaosSettings {
  /** Chance that an invocation is doomed, 0 to 1. 0 turns chaos off. */
  killRate: number;
  /** Only invocations of these functions; empty = every function. */
  names: string[];
  /** The kill lands on one of the first `withinCalls` cloud API calls (an invocation that makes
   *  fewer calls than the one drawn finishes unharmed). */
  withinCalls: number;
  /** Seed of the draws, so a soak can be replayed. */
  seed: number;
}

export interface ChaosStats {
  /** Invocations drawn to die. */
  doomed: number;
  /** Doomed invocations killed at their API call. */
  killedMidInvocation: number;
  /** Doomed invocations that made fewer calls than drawn. */
  spared: number;
  /** Kills by `POST /sandbox/functions/kill`, by what the instance was doing. */
  killedIdle: number;
  killedBusy: number;
}

/** Where a doomed invocation dies: at its `call`-th cloud API call (1-based), before or after it. */
export interface Doom {
  call: number;
  phase: 'before' | 'after';
  /** Set once the kill happened. */
  struck?: boolean;
}

export type KillMode = 'idle' | 'busy' | 'any';

/** mulberry32: a small seeded PRNG, good enough to pick victims reproducibly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FunctionChaos {
  private current: ChaosSettings = { killRate: 0, names: [], withinCalls: 8, seed: 1 };
  private draw = seededRandom(1);
  readonly stats: ChaosStats = { doomed: 0, killedMidInvocation: 0, spared: 0, killedIdle: 0, killedBusy: 0 };

  settings(): ChaosSettings {
    return { ...this.current, names: [...this.current.names] };
  }

  /** Changes the settings from an untrusted body; a new seed restarts the draws. */
  configure(patch: Record<string, unknown>): ChaosSettings {
    const next = this.settings();
    if (patch.killRate !== undefined) {
      const rate = patch.killRate;
      if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1))
        throw new SandboxError('INVALID_PARAM', 'killRate must be a number from 0 to 1', 400);
      next.killRate = rate;
    }
    if (patch.names !== undefined) {
      const names = patch.names;
      if (!Array.isArray(names) || names.length > 100 || !names.every((n) => typeof n === 'string'))
        throw new SandboxError('INVALID_PARAM', 'names must be an array of function names', 400);
      next.names = names as string[];
    }
    if (patch.withinCalls !== undefined) {
      const calls = patch.withinCalls;
      if (typeof calls !== 'number' || !Number.isInteger(calls) || calls < 1 || calls > 1000)
        throw new SandboxError('INVALID_PARAM', 'withinCalls must be a whole number from 1 to 1000', 400);
      next.withinCalls = calls;
    }
    if (patch.seed !== undefined) {
      const seed = patch.seed;
      if (typeof seed !== 'number' || !Number.isSafeInteger(seed))
        throw new SandboxError('INVALID_PARAM', 'seed must be a whole number', 400);
      next.seed = seed;
      this.draw = seededRandom(seed);
    }
    this.current = next;
    return this.settings();
  }

  /** Decides whether a new invocation of `name` dies, and where. */
  doom(name: string): Doom | undefined {
    const { killRate, names, withinCalls } = this.current;
    if (killRate <= 0 || (names.length && !names.includes(name))) return undefined;
    if (this.draw() >= killRate) return undefined;
    this.stats.doomed++;
    return {
      call: 1 + Math.floor(this.draw() * withinCalls),
      phase: this.draw() < 0.5 ? 'before' : 'after',
    };
  }

  /** Picks one of `candidates` at random (the seeded draws). */
  pick<T>(candidates: T[]): T | undefined {
    return candidates.length ? candidates[Math.floor(this.draw() * candidates.length)] : undefined;
  }
}

/** The doomed invocation has reached its fatal call (`call` API calls made so far). */
export function isDue(doom: Doom, call: number, phase: Doom['phase']): boolean {
  return !doom.struck && doom.phase === phase && doom.call === call;
}

/** Where the kill landed, for the invocation log; undefined if it did not. */
export function struckAt(doom: Doom | undefined): Pick<Doom, 'call' | 'phase'> | undefined {
  return doom?.struck ? { call: doom.call, phase: doom.phase } : undefined;
}

export function isKillMode(value: unknown): value is KillMode {
  return value === 'idle' || value === 'busy' || value === 'any';
}
