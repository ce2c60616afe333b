/** Messages between the sandbox and a function worker process (over the fork IPC channel). */

/** Makes a started worker an instance of one function: it loads the built index.js. Sent once. */
export interface LoadMessage {
  type: 'load';
  /** Absolute path of the function's built index.js. */
  entry: string;
}

export interface InvokeMessage {
  type: 'invoke';
  id: number;
  /** Absolute path of the function's built index.js. */
  entry: string;
  event: unknown;
  /** Per-invocation environment: caller identity and the invocation's API token. */
  env: Record<string, string>;
  /** The sandbox clock's reading when the call was dispatched: the instance's Date follows it. */
  now: number;
  /** The machine's time (Date.now()) at that reading. */
  realNow: number;
  /** A frozen clock: every Date in the invocation reads `now`, however long it runs. */
  frozen: boolean;
  /** What SCF passes as main's second argument. */
  context: Record<string, unknown>;
}

/**
 * The sandbox clock moved (set, advanced, frozen or resumed) while the instance was running an
 * invocation: its Date follows, as every process's clock does when time passes.
 */
export interface ClockMessage {
  type: 'clock';
  now: number;
  /**
   * The machine's time (Date.now()) when `now` was read. The instance shares the machine's clock, so
   * a running clock's offset is `now - realNow`, however late a busy instance reads the message.
   */
  realNow: number;
  frozen: boolean;
}

export interface LogLine {
  level: 'log' | 'info' | 'warn' | 'error' | 'debug';
  at: number;
  message: string;
}

export type WorkerReply =
  /** Started, wx-server-sdk loaded: the worker can become an instance of any function. */
  | { type: 'ready' }
  /** The function is loaded: the instance takes invocations. */
  | { type: 'loaded' }
  | { type: 'done'; id: number; resultJson: string; logs: LogLine[] }
  | { type: 'failed'; id: number; error: { name: string; message: string; stack?: string }; logs: LogLine[] };
