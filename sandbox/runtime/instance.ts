/**
 * One function instance's process: started as a worker with wx-server-sdk loaded, made an instance
 * of one function by loading its bundle, then given invocations one at a time (worker.ts).
 */
import { fork, type ChildProcess } from 'child_process';
import * as path from 'path';
import { SandboxError } from '../errors';
import { SHARED_MODULES } from './environment';
import { moduleCacheWanted } from './module-cache';
import type { InvokeMessage, LoadMessage, WorkerReply } from './messages';
import type { Invocation } from './types';

export interface Instance {
  child: ChildProcess;
  busy: boolean;
  /** Killed or exited: never handed out again. */
  dead: boolean;
  codeStamp: number;
  /** What it is running now. */
  invocation?: Invocation;
}

/** How an instance came to be, for the cold invocation's record. */
export interface ColdStart {
  /** Taken from the spare workers (started before it was needed) rather than forked for this call. */
  spare: boolean;
  /** Fork until the worker had Node and wx-server-sdk loaded. */
  forkToReadyMs: number;
  /** Loading the function's bundle into the ready worker. */
  loadMs: number;
  /** What the invocation waited for a ready worker before loading: 0 when a ready spare was at hand. */
  waitedMs: number;
}

export interface Worker {
  child: ChildProcess;
  forkToReadyMs: number;
}

export type RunReply =
  | WorkerReply
  /** The instance died or timed out during the invocation: it is dead. */
  | { type: 'lost'; message: string }
  /** The invocation could not be sent (its message does not serialise): the instance never saw it. */
  | { type: 'unsent'; message: string };

const WORKER = path.join(__dirname, __filename.endsWith('.ts') ? 'worker.ts' : 'worker.js');

/** wx-server-sdk as a function without node_modules of its own resolves it (NODE_PATH, baseEnv). */
function sdkPath(): string {
  try {
    return require.resolve('wx-server-sdk', { paths: [SHARED_MODULES] });
  } catch {
    return '';
  }
}
/**
 * The worker's arguments: the SDK to load ahead ('' for none) and the packages' folder for the
 * compile cache ('' for none: PAYKIT_SANDBOX_MODULE_CACHE=0 is the sandbox's setting, and a
 * worker's environment is the function's, which does not carry it). See module-cache.ts.
 */
const WORKER_ARGS = [sdkPath(), moduleCacheWanted() ? SHARED_MODULES : ''];

const gone = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/** Forks a worker; resolves once it is ready (Node started, wx-server-sdk loaded). */
export function startWorker(env: NodeJS.ProcessEnv): Promise<Worker> {
  const started = performance.now();
  const child = fork(WORKER, WORKER_ARGS, {
    env,
    execArgv: WORKER.endsWith('.ts') ? ['-r', 'esbuild-register'] : [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  // An IPC write to an instance that just died must not take the sandbox down with it.
  child.on('error', (err) => console.error('[sandbox] function instance error:', err.message));
  return new Promise((resolve, reject) => {
    const onMessage = (m: WorkerReply) => {
      if (m.type !== 'ready') return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve({ child, forkToReadyMs: performance.now() - started });
    };
    const onExit = (code: number | null, signal: string | null) => {
      child.off('message', onMessage);
      reject(new SandboxError('FUNCTIONS_REQUEST_FAIL', `instance exited (${signal ?? code})`));
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Makes a ready worker an instance of the function at `entry`; rejects if the worker is gone. */
export function loadFunction(child: ChildProcess, entry: string): Promise<void> {
  if (gone(child)) {
    return Promise.reject(new SandboxError('FUNCTIONS_REQUEST_FAIL', 'instance exited before it loaded'));
  }
  return new Promise((resolve, reject) => {
    const finish = (err?: Error) => {
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve();
    };
    const onMessage = (m: WorkerReply) => {
      if (m.type === 'loaded') finish();
    };
    const onExit = (code: number | null, signal: string | null) =>
      finish(new SandboxError('FUNCTIONS_REQUEST_FAIL', `instance exited (${signal ?? code})`));
    child.on('message', onMessage);
    child.once('exit', onExit);
    const msg: LoadMessage = { type: 'load', entry };
    child.send(msg, (err) => {
      if (err) finish(new SandboxError('FUNCTIONS_REQUEST_FAIL', `instance is gone (${err.message})`));
    });
  });
}

/** Runs one invocation; the cloud stops the instance when the time is up, and so does the sandbox. */
export function runInvocation(instance: Instance, msg: InvokeMessage, timeoutMs: number): Promise<RunReply> {
  return new Promise((resolve) => {
    const child = instance.child;
    const finish = (reply: RunReply) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(reply);
    };
    const onMessage = (reply: WorkerReply) => {
      if ((reply.type === 'done' || reply.type === 'failed') && reply.id === msg.id) finish(reply);
    };
    const onExit = (code: number | null, signal: string | null) => {
      instance.dead = true;
      finish({ type: 'lost', message: `the function instance exited (${signal ?? code})` });
    };
    const timer = setTimeout(() => {
      instance.dead = true;
      child.kill('SIGKILL');
      finish({ type: 'lost', message: `Invoking task timed out after ${timeoutMs / 1000} seconds` });
    }, timeoutMs);
    child.on('message', onMessage);
    child.once('exit', onExit);
    try {
      child.send(msg, (err) => {
        if (err) {
          instance.dead = true;
          finish({ type: 'lost', message: `the function instance is gone (${err.message})` });
        }
      });
    } catch (err) {
      // Serialising the message threw before anything was written: the instance is as it was, and
      // neither the timer nor the listeners may outlive this call (the timer would kill whatever
      // the instance runs next).
      finish({ type: 'unsent', message: `the invocation could not be sent (${(err as Error).message})` });
    }
  });
}

/** SIGKILLs a worker unless it is gone already; resolves once it has exited. */
export function killWorker(child: ChildProcess): Promise<void> {
  if (gone(child)) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  return exited;
}

export { gone as isGone };
