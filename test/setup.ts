/**
 * Runs before every suite (jest `setupFilesAfterEnv`). In jsdom suites it loads miniprogram-simulate
 * and adds what vant needs and j-component lacks (toolchain-notes §2). Node suites (sandbox, cloud
 * functions) are left untouched: no global wx, Component or getCurrentPages appear there.
 */

type ComponentOptions = { behaviors?: unknown[] } & Record<string, unknown>;
type ComponentConstructor = ((options: ComponentOptions) => unknown) & { paykitPolyfilled?: true };

/** The globals simulate installs, seen loosely: j-component's own types are not the runtime's. */
interface SimulateGlobals {
  Component?: ComponentConstructor;
  Behavior?: (definition: Record<string, unknown>) => unknown;
  getCurrentPages?: () => unknown[];
}

/**
 * Idempotent. Call again after anything re-requires miniprogram-simulate (e.g. jest.resetModules),
 * because that re-assigns the global Component constructor.
 */
export function installSimulatePolyfills(): void {
  const g = globalThis as SimulateGlobals;
  const original = g.Component;
  if (typeof original !== 'function' || typeof g.Behavior !== 'function') return;
  // vant's page-scroll mixin (sticky, tabs) and Dialog's default context ask for the page stack.
  if (typeof g.getCurrentPages !== 'function') g.getCurrentPages = () => [];
  if (original.paykitPolyfilled) return;
  // vant calls this.groupSetData(cb) when the SDK version is >= 2.4.0, which simulate reports.
  const groupSetData = g.Behavior({
    methods: {
      groupSetData(callback?: () => void) {
        if (callback) callback();
      },
    },
  });
  const wrapped: ComponentConstructor = (options) =>
    original({ ...options, behaviors: [...(options.behaviors ?? []), groupSetData] });
  wrapped.paykitPolyfilled = true;
  g.Component = wrapped;
}

if (typeof window !== 'undefined' && typeof document !== 'undefined') {
  // Loading simulate installs the global wx, Component and Behavior of the mini-program runtime.
  require('miniprogram-simulate');
  installSimulatePolyfills();
}
