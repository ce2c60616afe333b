/**
 * Loading mini-program components into miniprogram-simulate with the real vant copy in
 * miniprogram/miniprogram_npm (toolchain-notes §2, approach C).
 *
 * Discipline: simulate cannot load the same path twice in one module registry (jest ignores
 * require.cache, so Component() never re-runs). loadComp therefore caches ids per registry: load as
 * often as you like, render as often as you like. After jest.resetModules(), re-require this helper.
 * The same holds for children: a component loaded on its own cannot also be a child of another
 * loaded component in the same test file (its Component() would not run again, and it would render
 * empty). loadComp detects that and throws; test such a pair in separate files.
 */
import * as fs from 'fs';
import * as path from 'path';
import simulate, { type RootComponent } from 'miniprogram-simulate';
import { installSimulatePolyfills } from '../setup';

export { simulate };

export const MP_ROOT = path.resolve(__dirname, '../../miniprogram');
const VANT_COPY = path.join(MP_ROOT, 'miniprogram_npm/@vant/weapp');

const loaded = new Map<string, string>();
/** Own component files already run by some load() in this registry, and by which. */
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
  for (const jsonPath of jsonFiles) {
    const earlier = ranBy.get(jsonPath);
    if (earlier !== undefined) {
      throw new Error(
        `loadComp('${relPath}'): ${path.relative(MP_ROOT, jsonPath)} already ran for loadComp('${earlier}') in this file; ` +
          'simulate cannot run a component twice per module registry, so test these in separate files',
      );
    }
    Object.assign(overrides, npmOverrides(jsonPath));
  }
  const id = simulate.load(compPath, { rootPath: MP_ROOT, usingComponents: overrides });
  for (const jsonPath of jsonFiles) ranBy.set(jsonPath, relPath);
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
