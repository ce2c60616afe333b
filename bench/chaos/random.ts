/** Seeded draws for the soak, so a run can be replayed with `--seed`. */
import { seededRandom } from '../../sandbox/runtime/chaos';

export class Rng {
  private readonly next: () => number;

  /** One stream per (seed, stream): each order draws from its own, whatever the interleaving. */
  constructor(seed: number, stream = 0) {
    this.next = seededRandom((Math.imul(seed, 0x9e3779b1) ^ Math.imul(stream + 1, 0x85ebca6b)) >>> 0);
  }

  float(): number {
    return this.next();
  }

  /** 0 … n-1 */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** A key drawn with the given weights. */
  weighted<K extends string>(weights: Record<K, number>): K {
    const entries = Object.entries(weights) as Array<[K, number]>;
    let r = this.next() * entries.reduce((s, [, w]) => s + w, 0);
    for (const [key, w] of entries) {
      if ((r -= w) < 0) return key;
    }
    return entries[entries.length - 1][0];
  }
}

/** Named counters for the figures. */
export class Tally {
  private readonly counts = new Map<string, number>();

  add(key: string, n = 1): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + n);
  }

  get(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  /** Counters whose name starts with `prefix`, as `name n` pairs. */
  list(prefix: string): string {
    const out = [...this.counts]
      .filter(([k]) => k.startsWith(prefix))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, n]) => `${k.slice(prefix.length)} ${n}`);
    return out.length ? out.join(', ') : 'none';
  }
}
