/** The function runtime's public shapes: callers, invocations, configuration. */
import type { Doom } from './chaos';

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
  /** Cloud calls (`cloud.openapi.*`, e.g. the order-shipping APIs). */
  openapi: number;
}

/** An invocation in progress, as its API token identifies it. */
export interface Invocation {
  name: string;
  caller: Caller;
  requestId: string;
  calls: ApiCalls;
  /** Chaos drew this invocation to be killed at one of its API calls. */
  doom?: Doom;
}

export interface FunctionConfig {
  /** Seconds. */
  timeout: number;
  triggers: Array<{ name: string; type: string; config: string }>;
  /** Cloud-call APIs it may use (`permissions.openapi`, e.g. `wxa.sec.order.getOrder`). */
  openapi: string[];
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
  /** Spare workers kept started for the next cold start (runtime/spares.ts); 0 turns them off. */
  spares?: number;
}

export interface InvokeOutcome {
  requestId: string;
  result: unknown;
  durationMs: number;
  cold: boolean;
}
