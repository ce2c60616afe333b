/**
 * Spare workers: processes started before any function needs them, with Node and wx-server-sdk
 * loaded (most of a cold start), belonging to no function yet. A cold start takes one, loads the
 * function's bundle into it and runs its first invocation there: still a fresh process with the
 * function's own module state, still `cold`, only without waiting for the process to start.
 */
import type { ChildProcess } from 'child_process';
import { isGone, killWorker, loadFunction, startWorker, type ColdStart, type Worker } from './instance';

interface Spare {
  /** The environment it was started with: a spare of another environment is never handed out. */
  envKey: string;
  worker: Promise<Worker>;
  /** Set once ready, until it is taken or exits. */
  ready?: Worker;
  child?: ChildProcess;
}

export class SpareWorkers {
  private spares: Spare[] = [];
  private closed = false;

  constructor(
    /** How many to keep started; 0 turns spares off. */
    private readonly count: number,
    private readonly start: (env: NodeJS.ProcessEnv) => Promise<Worker>,
  ) {}

  /**
   * A spare started with `env` (a ready one first, else one still starting), or undefined. Spares
   * of another environment (the function environment changed) are dropped.
   */
  take(env: NodeJS.ProcessEnv): Promise<Worker> | undefined {
    const key = JSON.stringify(env);
    for (const stale of this.spares.filter((s) => s.envKey !== key)) this.drop(stale);
    const spare = this.spares.find((s) => s.ready) ?? this.spares[0];
    if (!spare) return undefined;
    this.spares = this.spares.filter((s) => s !== spare);
    return spare.worker;
  }

  /** Starts spares until `count` are ready or starting. Called as a cold start takes one, never on a
   *  spare's own exit: a worker that cannot start does not respawn in a loop. */
  refill(env: NodeJS.ProcessEnv): void {
    const envKey = JSON.stringify(env);
    while (!this.closed && this.spares.length < this.count) {
      const spare: Spare = { envKey, worker: this.start(env) };
      this.spares.push(spare);
      spare.worker.then(
        (worker) => {
          if (!this.spares.includes(spare)) return; // taken while starting: its taker owns it now
          if (this.closed) return void killWorker(worker.child);
          spare.ready = worker;
          spare.child = worker.child;
          // A spare that dies (killed from outside, out of memory) is not handed out.
          worker.child.once('exit', () => this.forget(spare));
        },
        () => this.forget(spare),
      );
    }
  }

  /** Spare processes, ready ones only (what `ps` would show as idle workers of no function). */
  pids(): number[] {
    return this.spares.flatMap((s) => (s.child && !isGone(s.child) ? [s.child.pid ?? -1] : []));
  }

  close(): void {
    this.closed = true;
    for (const spare of this.spares) this.drop(spare);
  }

  private forget(spare: Spare): void {
    this.spares = this.spares.filter((s) => s !== spare);
  }

  private drop(spare: Spare): void {
    this.forget(spare);
    spare.worker.then(
      (w) => killWorker(w.child),
      () => undefined,
    );
  }
}

/**
 * A new instance of the function at `entry`: a spare worker if there is one, else a fresh fork;
 * either way a process that has run nothing of the function yet. A spare replaces the one taken
 * at once, not once this instance is loaded: in a burst of cold starts each takes the spare the
 * previous one started, so they start side by side rather than one after another.
 */
export async function startInstance(
  spares: SpareWorkers,
  env: NodeJS.ProcessEnv,
  entry: string,
): Promise<{ worker: Worker; coldStart: ColdStart }> {
  const waitStarted = performance.now();
  const fromSpare = spares.take(env);
  spares.refill(env);
  let worker = fromSpare && (await fromSpare.catch(() => undefined));
  const spare = worker !== undefined;
  let loadStarted = performance.now();
  try {
    if (!worker) throw new Error('no spare');
    await loadFunction(worker.child, entry);
  } catch {
    // No spare, or it died before it loaded the function: start one for this call.
    worker = await startWorker(env);
    loadStarted = performance.now();
    await loadFunction(worker.child, entry);
  }
  const loaded = performance.now();
  const coldStart: ColdStart = {
    spare,
    forkToReadyMs: round(worker.forkToReadyMs),
    loadMs: round(loaded - loadStarted),
    waitedMs: round(loadStarted - waitStarted),
  };
  return { worker, coldStart };
}

const round = (ms: number) => Math.round(ms * 10) / 10;
