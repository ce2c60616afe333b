/**
 * Runs the built cloud functions (`dist/cloudfunctions/<name>/index.js`) the way WeChat Cloud does:
 * a pool of instances per function, each serving one invocation at a time with its own caller
 * context, the function's `config.json` timeout (3 s by default), cold and warm starts, and a log
 * of every invocation.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SandboxError } from '../errors';
import { FunctionChaos, isDue, struckAt, type Doom, type KillMode } from './chaos';
import { checkEvent, MAX_PAYLOAD_BYTES } from './event';
import type { ClockMessage, InvokeMessage, LogLine } from './messages';
import { InvocationLog } from './invocation-log';
import { baseEnv, checkDependencies, invocationEnv } from './environment';
import {
  killWorker,
  runInvocation,
  startWorker,
  type ColdStart,
  type Instance,
  type Worker,
} from './instance';
import { SpareWorkers, startInstance } from './spares';
import type { ApiCalls, Caller, FunctionConfig, Invocation, InvokeOutcome, RuntimeOptions } from './types';

export type { ApiCalls, Caller, FunctionConfig, Invocation, InvokeOutcome, RuntimeOptions } from './types';

interface Pool {
  instances: Instance[];
  /** Instances being started: they count against the limit already. */
  starting: number;
  waiting: Array<() => void>;
}

const DEFAULT_TIMEOUT_S = 3;
/** Instances per function, two per core. More calls wait for a free instance (not part of the timeout);
 * more instances only fight for the cores, each warming its own JIT (8 vs 4 on 2 cores: +20% CPU). */
const DEFAULT_MAX_INSTANCES = Math.max(2, 2 * os.availableParallelism());
/** Spare workers kept started (runtime/spares.ts): one hides the process start of the next cold start. */
const DEFAULT_SPARES = 1;

export class FunctionRuntime {
  readonly log = new InvocationLog();
  readonly chaos = new FunctionChaos();
  private pools = new Map<string, Pool>();
  private tokens = new Map<string, Invocation>();
  private configs = new Map<string, { codeStamp: number; config: FunctionConfig }>();
  private nextId = 1;
  private closed = false;
  private readonly spares: SpareWorkers;

  constructor(private readonly opts: RuntimeOptions) {
    this.spares = new SpareWorkers(opts.spares ?? DEFAULT_SPARES, startWorker);
  }

  /** Names of the functions that are built and can be invoked. */
  list(): string[] {
    if (!fs.existsSync(this.opts.functionsDir)) return [];
    return fs
      .readdirSync(this.opts.functionsDir)
      .filter((name) => fs.existsSync(path.join(this.opts.functionsDir, name, 'index.js')))
      .sort();
  }

  config(name: string): FunctionConfig {
    const file = path.join(this.opts.functionsDir, name, 'config.json');
    const raw = fs.existsSync(file)
      ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<FunctionConfig> & { permissions?: unknown })
      : {};
    return {
      timeout: typeof raw.timeout === 'number' && raw.timeout > 0 ? raw.timeout : DEFAULT_TIMEOUT_S,
      triggers: Array.isArray(raw.triggers) ? raw.triggers : [],
      openapi: openapiPermissions(raw),
    };
  }

  /** config.json is read again only when the function was rebuilt (its index.js changed). */
  private cachedConfig(name: string, codeStamp: number): FunctionConfig {
    const cached = this.configs.get(name);
    if (cached && cached.codeStamp === codeStamp) return cached.config;
    const config = this.config(name);
    this.configs.set(name, { codeStamp, config });
    return config;
  }

  /** Who an API token (sent by the SDK as wxCloudApiToken) belongs to: the invocation in progress. */
  identify(token: string): Invocation | undefined {
    return this.tokens.get(token);
  }

  async invoke(name: string, event: unknown, caller: Caller): Promise<InvokeOutcome> {
    if (this.closed) throw new SandboxError('FUNCTIONS_REQUEST_FAIL', 'the sandbox is shutting down', 503);
    const entry = path.join(this.opts.functionsDir, name, 'index.js');
    // One stat per call tells whether the function exists and whether it was rebuilt.
    const codeStamp = /^[A-Za-z0-9_-]{1,60}$/.test(name)
      ? fs.statSync(entry, { throwIfNoEntry: false })?.mtimeMs
      : undefined;
    if (codeStamp === undefined) {
      // 404 outside /admin (whose tcb envelope ignores the status): the control API and the gateway.
      throw new SandboxError(
        'FUNCTIONS_REQUEST_FAIL',
        `FunctionName parameter could not be found: ${name}`,
        404,
      );
    }
    checkEvent(name, event);
    const { timeout } = this.cachedConfig(name, codeStamp);
    const requestId = randomBytes(16).toString('hex');
    const token = randomBytes(24).toString('base64url');
    const started = Date.now();
    const startedAt = this.opts.now();
    const { instance, coldStart } = await this.acquire(name, entry, codeStamp);
    const cold = coldStart !== undefined;
    const calls: ApiCalls = { database: 0, pay: 0, functions: 0, openapi: 0 };
    const invocation: Invocation = { name, caller, requestId, calls, doom: this.chaos.doom(name) };
    instance.invocation = invocation;
    this.tokens.set(token, invocation);
    const msg: InvokeMessage = {
      type: 'invoke',
      id: this.nextId++,
      entry,
      event,
      ...this.clockReading(),
      env: invocationEnv(caller, token),
      // As SCF's: the invocation's time limit is config.json's timeout, in ms (a function that keeps
      // within its time reads it here).
      context: {
        request_id: requestId,
        function_name: name,
        namespace: this.opts.envId,
        memory_limit_in_mb: 256,
        time_limit_in_ms: timeout * 1000,
      },
    };
    try {
      const reply = await runInvocation(instance, msg, timeout * 1000);
      if (reply.type === 'unsent') {
        // Nothing ran, and an event that cannot be serialised must not go into the log either.
        throw new SandboxError(
          'INVALID_PARAM',
          `the cloud cannot pass the event to ${name}: ${reply.message}`,
          400,
        );
      }
      const record = {
        requestId,
        name,
        caller,
        event,
        startedAt,
        wallStartedAt: started,
        durationMs: Date.now() - started,
        cold,
        ...(coldStart ? { coldStart } : {}),
        calls,
      };
      if (reply.type === 'done' && Buffer.byteLength(reply.resultJson) > MAX_PAYLOAD_BYTES) {
        // The cloud returns no answer larger than 6 MB: the call fails, whatever the function did.
        const error = `the answer is ${Buffer.byteLength(reply.resultJson)} bytes; the cloud returns at most ${MAX_PAYLOAD_BYTES} (6 MB)`;
        this.log.add({ ...record, logs: reply.logs, error });
        throw new SandboxError(
          'FUNCTIONS_EXECUTE_FAIL',
          `errCode: -504002 functions execute fail | RequestId: ${requestId} | errMsg: ${error}`,
        );
      }
      if (reply.type === 'done') {
        const result = JSON.parse(reply.resultJson) as unknown;
        this.log.add({ ...record, logs: reply.logs, result });
        return { requestId, result, durationMs: record.durationMs, cold };
      }
      const message =
        reply.type === 'failed'
          ? `${reply.error.name}: ${reply.error.message}`
          : reply.type === 'lost'
            ? reply.message
            : 'the function instance answered out of turn';
      const logs = reply.type === 'failed' ? reply.logs : [];
      this.log.add({ ...record, logs, error: message, chaosKill: struckAt(invocation.doom) });
      throw new SandboxError(
        'FUNCTIONS_EXECUTE_FAIL',
        `errCode: -504002 functions execute fail | RequestId: ${requestId} | errMsg: ${message}`,
      );
    } finally {
      if (invocation.doom && !invocation.doom.struck) this.chaos.stats.spared++;
      instance.invocation = undefined;
      this.tokens.delete(token);
      this.release(name, instance);
    }
  }

  /**
   * Chaos: called by the cloud API around each call an invocation makes. True when the invocation
   * was doomed to die here; its instance is then gone (SIGKILL) and the caller gets the cloud error.
   */
  async atApiCall(invocation: Invocation, phase: Doom['phase']): Promise<boolean> {
    const { doom, calls } = invocation;
    if (!doom || !isDue(doom, calls.database + calls.pay + calls.functions + calls.openapi, phase))
      return false;
    const instance = [...this.pools.values()]
      .flatMap((p) => p.instances)
      .find((i) => i.invocation === invocation);
    if (!instance || instance.dead) return false;
    this.chaos.stats.killedMidInvocation++;
    doom.struck = true;
    await this.killInstance(instance);
    return true;
  }

  /** Kills one instance at random (of `name`, idle, busy or either); what it killed, if any. */
  async kill(opts: { name?: string; mode: KillMode }): Promise<Array<{ name: string; busy: boolean }>> {
    const candidates = [...this.pools.entries()]
      .filter(([name]) => !opts.name || name === opts.name)
      .flatMap(([name, pool]) => pool.instances.map((instance) => ({ name, instance })))
      .filter(({ instance: i }) => !i.dead && (opts.mode === 'any' || i.busy === (opts.mode === 'busy')));
    const victim = this.chaos.pick(candidates);
    if (!victim) return [];
    const busy = victim.instance.busy;
    if (busy) this.chaos.stats.killedBusy++;
    else this.chaos.stats.killedIdle++;
    await this.killInstance(victim.instance);
    return [{ name: victim.name, busy }];
  }

  private killInstance(instance: Instance): Promise<void> {
    instance.dead = true;
    return killWorker(instance.child);
  }

  /**
   * The sandbox clock moved: instances running an invocation follow it at once, as every process's
   * clock does when time passes (an idle one reads it at its next dispatch). An instance that cannot
   * be told is on its way out; its invocation ends as a lost one.
   */
  clockMoved(): void {
    const msg: ClockMessage = { type: 'clock', ...this.clockReading() };
    for (const pool of this.pools.values()) {
      for (const instance of pool.instances) {
        if (instance.invocation && !instance.dead) instance.child.send(msg, () => undefined);
      }
    }
  }

  /** What an instance's Date follows: the sandbox clock with the machine time it was read at. */
  private clockReading(): Omit<ClockMessage, 'type'> {
    return { now: this.opts.now(), realNow: Date.now(), frozen: this.opts.frozen?.() ?? false };
  }

  /** Process ids of the spare workers that are ready (for tests and the bench). */
  sparePids(): number[] {
    return this.spares.pids();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.spares.close();
    for (const pool of this.pools.values()) for (const i of pool.instances) i.child.kill('SIGKILL');
    this.pools.clear();
  }

  private pool(name: string): Pool {
    let pool = this.pools.get(name);
    if (!pool) this.pools.set(name, (pool = { instances: [], starting: 0, waiting: [] }));
    return pool;
  }

  private async acquire(
    name: string,
    entry: string,
    codeStamp: number,
  ): Promise<{ instance: Instance; coldStart?: ColdStart }> {
    const pool = this.pool(name);
    for (;;) {
      // A rebuilt function gets fresh instances, as after a redeploy.
      for (const stale of pool.instances.filter((i) => !i.busy && i.codeStamp !== codeStamp)) {
        this.retire(pool, stale);
      }
      const idle = pool.instances.find((i) => !i.busy && !i.dead);
      if (idle) {
        idle.busy = true;
        return { instance: idle };
      }
      if (pool.instances.length + pool.starting < (this.opts.maxInstances ?? DEFAULT_MAX_INSTANCES)) {
        pool.starting++;
        let started: { worker: Worker; coldStart: ColdStart };
        try {
          checkDependencies(name, path.dirname(entry));
          started = await startInstance(this.spares, baseEnv(this.opts), entry);
        } finally {
          pool.starting--;
        }
        const instance: Instance = { child: started.worker.child, busy: true, dead: false, codeStamp };
        pool.instances.push(instance);
        instance.child.once('exit', () => this.retire(pool, instance));
        if (this.closed) this.retire(pool, instance);
        return { instance, coldStart: started.coldStart };
      }
      await new Promise<void>((resolve) => pool.waiting.push(resolve));
    }
  }

  private release(name: string, instance: Instance): void {
    instance.busy = false;
    if (instance.dead) this.retire(this.pool(name), instance);
    else this.pool(name).waiting.shift()?.();
  }

  private retire(pool: Pool, instance: Instance): void {
    instance.dead = true;
    if (!pool.instances.includes(instance)) return;
    pool.instances = pool.instances.filter((i) => i !== instance);
    if (instance.child.exitCode === null && instance.child.signalCode === null)
      instance.child.kill('SIGKILL');
    pool.waiting.shift()?.();
  }
}

export type { LogLine };

function openapiPermissions(raw: { permissions?: unknown }): string[] {
  const list = (raw.permissions as { openapi?: unknown } | undefined)?.openapi;
  return Array.isArray(list) ? list.filter((p): p is string => typeof p === 'string') : [];
}
