/**
 * Runs the built cloud functions (`dist/cloudfunctions/<name>/index.js`) the way WeChat Cloud does:
 * a pool of instances per function, each serving one invocation at a time with its own caller
 * context, the function's `config.json` timeout (3 s by default), cold and warm starts, and a log
 * of every invocation.
 */
import { fork, type ChildProcess } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { SandboxError } from '../errors';
import type { InvokeMessage, LogLine, WorkerReply } from './messages';
import { InvocationLog } from './invocation-log';
import { baseEnv, checkDependencies, invocationEnv } from './environment';

export interface Caller {
  openid?: string;
  appid?: string;
  unionid?: string;
  /** What getWXContext().SOURCE says: 'wx_client', 'wx_devtools', 'scf', 'timer', 'wx_pay'. */
  source: string;
  clientIp?: string;
}

/** Cloud API calls an invocation made, by kind: what the bench reports per operation. */
export interface ApiCalls {
  database: number;
  pay: number;
  functions: number;
}

/** An invocation in progress, as its API token identifies it. */
export interface Invocation {
  name: string;
  caller: Caller;
  requestId: string;
  calls: ApiCalls;
}

export interface FunctionConfig {
  /** Seconds. */
  timeout: number;
  triggers: Array<{ name: string; type: string; config: string }>;
}

export interface RuntimeOptions {
  functionsDir: string;
  envId: string;
  appId: string;
  /** The sandbox's /admin URL that wx-server-sdk in each instance talks to. */
  adminUrl: string;
  /** Sandbox time (the test clock). */
  now: () => number;
  /** Whether that clock is frozen: then every Date in the function reads the dispatch instant. */
  frozen?: () => boolean;
  /** Environment variables every function sees, as set in the cloud console. */
  functionEnv?: Record<string, string>;
  /** Instances one function may run at once; more calls wait for a free one. */
  maxInstances?: number;
}

interface Instance {
  child: ChildProcess;
  busy: boolean;
  /** Killed or exited: never handed out again. */
  dead: boolean;
  codeStamp: number;
}

interface Pool {
  instances: Instance[];
  /** Instances being started: they count against the limit already. */
  starting: number;
  waiting: Array<() => void>;
}

export interface InvokeOutcome {
  requestId: string;
  result: unknown;
  durationMs: number;
  cold: boolean;
}

const WORKER = path.join(__dirname, __filename.endsWith('.ts') ? 'worker.ts' : 'worker.js');
const DEFAULT_TIMEOUT_S = 3;
/** Instances per function. More calls than this wait for a free instance (the wait is not part of
 * the function's timeout); a bigger pool only adds processes fighting for a laptop's cores. */
const DEFAULT_MAX_INSTANCES = 8;

export class FunctionRuntime {
  readonly log = new InvocationLog();
  private pools = new Map<string, Pool>();
  private tokens = new Map<string, Invocation>();
  private configs = new Map<string, { codeStamp: number; config: FunctionConfig }>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly opts: RuntimeOptions) {}

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
      ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<FunctionConfig>)
      : {};
    return {
      timeout: typeof raw.timeout === 'number' && raw.timeout > 0 ? raw.timeout : DEFAULT_TIMEOUT_S,
      triggers: Array.isArray(raw.triggers) ? raw.triggers : [],
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
    const { timeout } = this.cachedConfig(name, codeStamp);
    const requestId = randomBytes(16).toString('hex');
    const token = randomBytes(24).toString('base64url');
    const started = Date.now();
    const startedAt = this.opts.now();
    const { instance, cold } = await this.acquire(name, entry, codeStamp);
    const calls: ApiCalls = { database: 0, pay: 0, functions: 0 };
    this.tokens.set(token, { name, caller, requestId, calls });
    const msg: InvokeMessage = {
      type: 'invoke',
      id: this.nextId++,
      entry,
      event,
      now: this.opts.now(),
      frozen: this.opts.frozen?.() ?? false,
      env: invocationEnv(caller, token),
      context: {
        request_id: requestId,
        function_name: name,
        namespace: this.opts.envId,
        memory_limit_in_mb: 256,
      },
    };
    try {
      const reply = await this.run(instance, msg, timeout * 1000);
      const record = {
        requestId,
        name,
        caller,
        startedAt,
        wallStartedAt: started,
        durationMs: Date.now() - started,
        cold,
        calls,
      };
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
      this.log.add({ ...record, logs: reply.type === 'failed' ? reply.logs : [], error: message });
      throw new SandboxError(
        'FUNCTIONS_EXECUTE_FAIL',
        `errCode: -504002 functions execute fail | RequestId: ${requestId} | errMsg: ${message}`,
      );
    } finally {
      this.tokens.delete(token);
      this.release(name, instance);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
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
  ): Promise<{ instance: Instance; cold: boolean }> {
    const pool = this.pool(name);
    for (;;) {
      // A rebuilt function gets fresh instances, as after a redeploy.
      for (const stale of pool.instances.filter((i) => !i.busy && i.codeStamp !== codeStamp)) {
        this.retire(pool, stale);
      }
      const idle = pool.instances.find((i) => !i.busy && !i.dead);
      if (idle) {
        idle.busy = true;
        return { instance: idle, cold: false };
      }
      if (pool.instances.length + pool.starting < (this.opts.maxInstances ?? DEFAULT_MAX_INSTANCES)) {
        pool.starting++;
        let instance: Instance;
        try {
          checkDependencies(name, path.dirname(entry));
          instance = await this.spawn(entry, codeStamp);
        } finally {
          pool.starting--;
        }
        instance.busy = true;
        pool.instances.push(instance);
        instance.child.once('exit', () => this.retire(pool, instance));
        return { instance, cold: true };
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

  private spawn(entry: string, codeStamp: number): Promise<Instance> {
    const child = fork(WORKER, [entry], {
      env: baseEnv(this.opts),
      execArgv: WORKER.endsWith('.ts') ? ['-r', 'esbuild-register'] : [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    // An IPC write to an instance that just died must not take the sandbox down with it.
    child.on('error', (err) => console.error('[sandbox] function instance error:', err.message));
    return new Promise((resolve, reject) => {
      child.once('message', (m: WorkerReply) => {
        if (m.type === 'ready') resolve({ child, busy: false, dead: false, codeStamp });
      });
      child.once('exit', (code) =>
        reject(new SandboxError('FUNCTIONS_REQUEST_FAIL', `instance exited (${code})`)),
      );
    });
  }

  private run(
    instance: Instance,
    msg: InvokeMessage,
    timeoutMs: number,
  ): Promise<WorkerReply | { type: 'lost'; message: string }> {
    return new Promise((resolve) => {
      const child = instance.child;
      const finish = (reply: WorkerReply | { type: 'lost'; message: string }) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(reply);
      };
      const onMessage = (reply: WorkerReply) => {
        if (reply.type !== 'ready' && reply.id === msg.id) finish(reply);
      };
      const onExit = (code: number | null, signal: string | null) => {
        instance.dead = true;
        finish({ type: 'lost', message: `the function instance exited (${signal ?? code})` });
      };
      // The cloud stops the instance when the time is up; so does the sandbox.
      const timer = setTimeout(() => {
        instance.dead = true;
        child.kill('SIGKILL');
        finish({ type: 'lost', message: `Invoking task timed out after ${timeoutMs / 1000} seconds` });
      }, timeoutMs);
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send(msg, (err) => {
        if (err) {
          instance.dead = true;
          finish({ type: 'lost', message: `the function instance is gone (${err.message})` });
        }
      });
    });
  }
}

export type { LogLine };
