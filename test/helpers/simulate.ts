/**
 * Loading mini-program components into miniprogram-simulate with a real copy of vant
 * (toolchain-notes §2, approach C), without writing into the source folder: each jest worker renders
 * from its own root in the temp folder, which holds a real copy of vant in miniprogram_npm (the build's
 * npm step, so the same files as dist/), the kit's templates, styles and json, and for each component
 * a one-line index.js that requires the TypeScript source, so the jest transform and the module
 * identity tests rely on (e.g. the paykit config) stay those of miniprogram/.
 *
 * Discipline: simulate cannot run the same component file twice in one module registry (jest
 * ignores require.cache, so Component() never re-runs). loadComp therefore caches ids per registry:
 * load as often as you like, render as often as you like. When a later load needs a component file
 * an earlier load already ran (two pages that both use pay-button), loadComp runs that load in a
 * fresh module registry (jest.isolateModules), so every Component() runs again. Module state seen by
 * such a load (e.g. the paykit config) is then its own copy: the test's configurePaykit() does not
 * reach it, the defaults apply.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import simulate, { type RootComponent } from 'miniprogram-simulate';
import { createContext, isAsset, isKitScript, listFiles, writeFile } from '../../build/context';
import { syncMiniprogramNpm } from '../../build/npm';
import { installSimulatePolyfills } from '../setup';
import { eventually } from './control';

export { simulate };

const SOURCE = path.resolve(__dirname, '../../miniprogram');
let root: string | undefined;

/** This worker's render root, brought up to date once per test file. */
function renderRoot(): string {
  if (root) return root;
  // In the run's temporary folder (test/global-setup.ts), which goes with the run.
  const dir = path.join(os.tmpdir(), 'paykit-simulate', String(process.pid));
  syncMiniprogramNpm(
    createContext({ root: path.resolve(SOURCE, '..') }),
    dir,
    path.join(dir, 'npm-stamp.json'),
  );
  for (const file of listFiles(SOURCE, isAsset))
    writeFile(path.join(dir, file), fs.readFileSync(path.join(SOURCE, file)));
  for (const file of listFiles(SOURCE, isKitScript)) {
    const source = path.join(SOURCE, file.replace(/\.ts$/, ''));
    if (fs.existsSync(`${source}.json`))
      writeFile(
        path.join(dir, file.replace(/\.ts$/, '.js')),
        `module.exports = require(${JSON.stringify(source)});\n`,
      );
  }
  root = dir;
  return dir;
}

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
 * `fresh`: load in a fresh registry whatever ran before (a file that renders several pages, whose
 * vant components an earlier load already ran).
 */
export function loadComp(relPath: string, opts: { fresh?: boolean } = {}): string {
  const cached = loaded.get(relPath);
  if (cached) return cached;
  installSimulatePolyfills();
  const root = renderRoot();
  const compPath = path.join(root, relPath);
  const overrides: Record<string, string> = {};
  const jsonFiles = ownJsonFiles(root, compPath);
  for (const jsonPath of jsonFiles) Object.assign(overrides, npmOverrides(jsonPath));
  const options = { rootPath: root, usingComponents: overrides };
  const isolate = (opts.fresh && loaded.size > 0) || jsonFiles.some((jsonPath) => ranBy.has(jsonPath));
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
function ownJsonFiles(root: string, compPath: string, seen = new Set<string>()): string[] {
  const jsonPath = `${compPath}.json`;
  if (seen.has(jsonPath) || !fs.existsSync(jsonPath)) return [];
  seen.add(jsonPath);
  const json = JSON.parse(fs.readFileSync(jsonPath, 'utf8')) as { usingComponents?: Record<string, string> };
  const files = [jsonPath];
  for (const target of Object.values(json.usingComponents ?? {})) {
    if (target.startsWith('/')) files.push(...ownJsonFiles(root, path.join(root, target), seen));
    else if (target.startsWith('.'))
      files.push(...ownJsonFiles(root, path.join(path.dirname(compPath), target), seen));
  }
  return files;
}

/** A rendered root component; data and methods are loosely typed, as simulate sees any component. */
export type SimComponent = RootComponent<
  WechatMiniprogram.IAnyObject,
  WechatMiniprogram.Component.PropertyOption,
  WechatMiniprogram.Component.MethodOption
>;

/** The `detail` of each `event` the component triggers from now on (j-component's types omit addEventListener). */
export function eventsOf(
  comp: NonNullable<ReturnType<SimComponent['querySelector']>>,
  event: string,
): unknown[] {
  const seen: unknown[] = [];
  const node = comp as unknown as {
    addEventListener(name: string, handler: (e: { detail: unknown }) => void): void;
  };
  node.addEventListener(event, (e) => seen.push(e.detail));
  return seen;
}

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

/**
 * A page opened as the framework opens one: attached, onLoad(query), onShow, then until `ready`
 * (within `ms`). `fresh` renders its components again (several pages in one test file).
 */
export async function openPage(
  page: string,
  query: Record<string, string>,
  ready: (comp: SimComponent) => boolean,
  opts: { fresh?: boolean; ms?: number } = {},
): Promise<{ comp: SimComponent; id: string }> {
  const id = loadComp(page, { fresh: opts.fresh });
  const { comp } = renderComp(id);
  // Pages written as components may do their loading in `attached` instead.
  comp.instance.onLoad?.(query);
  comp.instance.onShow?.();
  await eventually(() => (ready(comp) ? true : undefined), opts.ms ?? 10000, `${page} to be ready`);
  return { comp, id };
}

export const ORDER_DETAIL = 'pages/orders/detail/index';

/** The order detail page opened on `orderNo`, once it shows the order. */
export function openOrderDetail(
  orderNo: string,
  opts: { fresh?: boolean; ms?: number } = {},
): Promise<{ comp: SimComponent; id: string }> {
  return openPage(ORDER_DETAIL, { orderNo }, (c) => Boolean(c.data.order) && !c.data.loading, opts);
}

/**
 * `wx.navigateTo` spied on, each navigation completing only when the test calls `complete()`:
 * WeChat's navigation takes a moment, and a page must not open twice meanwhile.
 */
export function holdNavigation(): { navigate: jest.SpyInstance; complete: () => void } {
  const held: Array<() => void> = [];
  const navigate = jest
    .spyOn(wx, 'navigateTo')
    .mockImplementation((options: WechatMiniprogram.NavigateToOption) => {
      held.push(() => options.complete?.({ errMsg: 'navigateTo:ok' }));
      return undefined as never;
    });
  return { navigate, complete: () => held.splice(0).forEach((done) => done()) };
}
