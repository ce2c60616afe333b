/**
 * A function instance: a child process that loads one built cloud function and runs one
 * invocation at a time, as an SCF instance does. wx-server-sdk reads the caller's identity from
 * process.env on every call, so one invocation at a time per process is what keeps two users'
 * openids apart.
 */
import { format } from 'util';
import type { ClockMessage, InvokeMessage, LoadMessage, LogLine, WorkerReply } from './messages';
import { installModuleCache } from './module-cache';

type Main = (event: unknown, context: Record<string, unknown>) => unknown;

const levels = ['log', 'info', 'warn', 'error', 'debug'] as const;
let logs: LogLine[] = [];
for (const level of levels) {
  const original = console[level].bind(console);
  console[level] = (...args: unknown[]) => {
    logs.push({ level, at: Date.now(), message: format(...args) });
    if (process.env.PAYKIT_SANDBOX_ECHO_LOGS) original(...args);
  };
}

let invocationEnvKeys: string[] = [];

/**
 * The function's clock is the sandbox clock, so that code comparing `Date.now()` with times the
 * sandbox wrote (server dates, prepay expiry) agrees with it when a test freezes or moves time.
 * A running clock is real time plus the sandbox's offset at dispatch; a frozen one is the dispatch
 * instant itself, for the whole invocation, as it is everywhere else in the sandbox. When the
 * sandbox clock moves while an invocation runs, the instance is told (a ClockMessage) and follows:
 * an invocation that started before a jump does not go on living in the past (it would stamp a
 * lease or a record an hour before everything the others write).
 */
const RealDate = Date;
let clockOffsetMs = 0;
let frozenAt: number | null = null;
const sandboxNow = () => frozenAt ?? RealDate.now() + clockOffsetMs;
class SandboxDate extends RealDate {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Date's constructor overloads cannot be forwarded in a typed way
  constructor(...args: any[]) {
    if (args.length === 0) super(sandboxNow());
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    else super(...(args as [any]));
  }
  static now(): number {
    return sandboxNow();
  }
}
globalThis.Date = SandboxDate as DateConstructor;

function send(reply: WorkerReply): void {
  // The callback takes a failed send (the sandbox went away meanwhile): the 'disconnect' below ends
  // the instance, where an unhandled 'error' would crash it with a trace.
  if (process.connected) process.send?.(reply, undefined, undefined, () => undefined);
}

function loadMain(entry: string): Main {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the function is plain CommonJS, loaded at run time
  const mod = require(entry) as { main?: Main };
  if (typeof mod.main !== 'function') throw new Error(`${entry} does not export a main function`);
  return mod.main;
}

/** Reads the offset off the sandbox's own two readings: arrival time (late on a busy CPU) plays no part. */
function followClock(msg: { now: number; realNow: number; frozen: boolean }): void {
  clockOffsetMs = msg.now - msg.realNow;
  frozenAt = msg.frozen ? msg.now : null;
}

async function invoke(msg: InvokeMessage): Promise<void> {
  for (const key of invocationEnvKeys) delete process.env[key];
  Object.assign(process.env, msg.env);
  followClock(msg);
  invocationEnvKeys = Object.keys(msg.env);
  logs = [];
  try {
    const result = await loadMain(msg.entry)(msg.event, msg.context);
    let resultJson: string | undefined;
    try {
      resultJson = JSON.stringify(result === undefined ? null : result);
    } catch (err) {
      throw new Error(`the function's result is not JSON: ${(err as Error).message}`);
    }
    send({ type: 'done', id: msg.id, resultJson, logs });
    setImmediate(() => moduleCache?.save());
  } catch (err) {
    const e = err instanceof Error ? err : new Error(format(err));
    send({ type: 'failed', id: msg.id, error: { name: e.name, message: e.message, stack: e.stack }, logs });
  }
}

// A worker starts as no function in particular, with wx-server-sdk already loaded (argv[2], resolved
// where the function would resolve it): that is most of a cold start, and it can happen before any
// function needs an instance (a spare, runtime/spares.ts). Only loading the SDK's modules is done
// ahead; nothing of it runs (no init, no request) until the function itself does. The packages'
// resolutions and compiled code come from the cache the first worker made (module-cache.ts).
const [sdk, nodeModules] = process.argv.slice(2);
const moduleCache = nodeModules ? installModuleCache(nodeModules, 'worker') : undefined;
if (sdk) {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the SDK is plain CommonJS
    require(sdk);
  } catch {
    // The function's own require reports it.
  }
}
// Instances are killed, not exited: what was compiled fresh is kept now, and after invocations
// (packages the SDK requires only when called), not at exit.
moduleCache?.save();

// Load the function before saying loaded, so that the cold start (loading the bundle) is not
// charged to the first invocation's timeout, as SCF initialises first too.
function load(entry: string): void {
  try {
    loadMain(entry);
  } catch {
    // Reported by the first invocation, which loads it again.
  }
  send({ type: 'loaded' });
}

// The sandbox is gone (closed or killed): so is the instance, rather than an orphan.
process.once('disconnect', () => process.exit(0));
process.on('message', (msg: InvokeMessage | LoadMessage | ClockMessage) => {
  if (msg && msg.type === 'invoke') void invoke(msg);
  else if (msg && msg.type === 'clock') followClock(msg);
  else if (msg && msg.type === 'load') load(msg.entry);
});
// Errors that escape the handler would otherwise kill the instance silently; the cloud logs them.
process.on('unhandledRejection', (reason) => {
  logs.push({ level: 'error', at: Date.now(), message: `Unhandled rejection: ${format(reason)}` });
});
send({ type: 'ready' });
