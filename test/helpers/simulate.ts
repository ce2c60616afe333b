/**
 * Loading mini-program components into miniprogram-simulate with the real vant copy in
 * miniprogram/miniprogram_npm (toolchain-notes §2, approach C).
 *
 * Discipline: simulate cannot run the same component file twice in one module registry (jest
 * ignores require.cache, so Component() never re-runs). loadComp therefore caches ids per registry:
 * load as often as you like, render as often as you like. After jest.resetModules(), re-require this
 * helper. When a later load needs a component file an earlier load already ran (two pages that both
 * use pay-button), loadComp runs that load in a fresh module registry (jest.isolateModules), so
 * every Component() runs again. Module state seen by such a load (e.g. the paykit config) is then
 * its own copy: the test's configurePaykit() does not reach it, the defaults apply.
 */
import * as fs from 'fs';
import * as path from 'path';
import simulate, { type RootComponent } from 'miniprogram-simulate';
import { installSimulatePolyfills } from '../setup';

export { simulate };

export const MP_ROOT = path.resolve(__dirname, '../../miniprogram');
const VANT_COPY = path.join(MP_ROOT, 'miniprogram_npm/@vant/weapp');

const loaded = new Map<string, string>();
/** Own component files already run by some load() in the main registry, and by which. */
const ranBy = new Map<string, string>();

/** npm-style usingComponents of one json file mapped to `/miniprogram_npm/...` (joined with rootPath). */
function npmOverrides(jsonPath: string): Record<string, string> {
  const json = JSON.parse(fs.readFileSync(jsonPath, 'utf8')) as { usingComponents?: Record<string, string> };
  const overrides: Record<string, string> = {};
  for (const [tag, target] of Object.entries(json.usingComponents ?? {})) {
    if (!target.startsWith('.') && !target.startsWith('/')) overrides[tag] = `/miniprogram_npm/${target}`;
  }
  return overrides;
}

/**
 * Loads `relPath` (relative to miniprogram/, no extension) and, in the same load() call, every
 * component it uses, so vant relations resolve. Own components that use vant are covered too:
 * simulate merges the overrides into the usingComponents of every component in the tree.
 */
export function loadComp(relPath: string): string {
  const cached = loaded.get(relPath);
  if (cached) return cached;
  if (!fs.existsSync(path.join(VANT_COPY, 'button/index.json'))) {
    throw new Error(
      `${VANT_COPY} is missing: run "npx gulp build" (or cp -r node_modules/@vant/weapp/lib ${VANT_COPY}); a symlink does not work`,
    );
  }
  installSimulatePolyfills();
  const compPath = path.join(MP_ROOT, relPath);
  const overrides: Record<string, string> = {};
  const jsonFiles = ownJsonFiles(compPath);
  for (const jsonPath of jsonFiles) Object.assign(overrides, npmOverrides(jsonPath));
  const options = { rootPath: MP_ROOT, usingComponents: overrides };
  const isolate = jsonFiles.some((jsonPath) => ranBy.has(jsonPath));
  let id = '';
  if (isolate) {
    // simulate's runJs requires through jest's runtime, so inside isolateModules the component
    // files (and what they import) are evaluated afresh and call Component() again.
    jest.isolateModules(() => {
      id = simulate.load(compPath, options);
    });
  } else {
    id = simulate.load(compPath, options);
    for (const jsonPath of jsonFiles) ranBy.set(jsonPath, relPath);
  }
  loaded.set(relPath, id);
  return id;
}

/** The component's json and those of the own (non-npm) components it uses, transitively. */
function ownJsonFiles(compPath: string, seen = new Set<string>()): string[] {
  const jsonPath = `${compPath}.json`;
  if (seen.has(jsonPath) || !fs.existsSync(jsonPath)) return [];
  seen.add(jsonPath);
  const json = JSON.parse(fs.readFileSync(jsonPath, 'utf8')) as { usingComponents?: Record<string, string> };
  const files = [jsonPath];
  for (const target of Object.values(json.usingComponents ?? {})) {
    if (target.startsWith('/')) files.push(...ownJsonFiles(path.join(MP_ROOT, target), seen));
    else if (target.startsWith('.'))
      files.push(...ownJsonFiles(path.join(path.dirname(compPath), target), seen));
  }
  return files;
}

/** A rendered root component; data and methods are loosely typed, as simulate sees any component. */
export type SimComponent = RootComponent<
  WechatMiniprogram.IAnyObject,
  WechatMiniprogram.Component.PropertyOption,
  WechatMiniprogram.Component.MethodOption
>;

export interface Rendered {
  comp: SimComponent;
  /** Details of every event `name` fired so far, oldest first. */
  events(name: string): unknown[];
}

/** Renders an id from loadComp with the given properties, attached to a fresh parent, recording `eventNames`. */
export function renderComp(
  id: string,
  props: Record<string, unknown> = {},
  eventNames: string[] = [],
): Rendered {
  // simulate's string-id overload is typed as a plain Component; at runtime it is a RootComponent.
  const comp = simulate.render(id, props) as SimComponent;
  comp.attach(document.createElement('parent-wrapper'));
  const seen = new Map<string, unknown[]>(eventNames.map((name) => [name, []]));
  // addEventListener exists at runtime but is missing from j-component's RootComponent type.
  const target = comp as unknown as {
    addEventListener(n: string, cb: (e: { detail: unknown }) => void): void;
  };
  for (const name of eventNames) target.addEventListener(name, (e) => seen.get(name)!.push(e.detail));
  return { comp, events: (name) => seen.get(name) ?? [] };
}

/** Waits until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 3000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await simulate.sleep(25);
  }
}

/** One setData call as the view layer would receive it. */
export interface SetDataCall {
  keys: string[];
  /** JSON bytes of the payload: what crosses the logic → view bridge. */
  bytes: number;
}

/**
 * Wraps the component instance's setData to record every call's keys and JSON size; the real
 * setData still runs. `calls` is the live record.
 */
export function recordSetData(comp: SimComponent): { calls: SetDataCall[] } {
  const calls: SetDataCall[] = [];
  // The instance's own setData, replaced on the instance only (the class method stays as it is).
  const instance = comp.instance as unknown as {
    setData(data: Record<string, unknown>, callback?: () => void): void;
  };
  const original = instance.setData.bind(instance);
  instance.setData = (data, callback) => {
    calls.push({ keys: Object.keys(data), bytes: Buffer.byteLength(JSON.stringify(data)) });
    original(data, callback);
  };
  return { calls };
}
