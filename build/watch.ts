// Incremental rebuilds: a changed file rebuilds only what depends on it. Errors are printed and the
// watcher keeps going.
import * as fs from 'fs';
import { watch } from 'gulp';
import * as path from 'path';
import { syncAsset, compileScripts, removeScriptOutput, writePageTitles } from './miniprogram';
import { type BuildContext, CLOUD, CLOUD_COMMON, isAsset, isKitScript, MP, paths, SANDBOX } from './context';
import { bundleFunction, listFunctions, removeFunctionOutput, bundleSandbox } from './bundles';
import { npm as syncNpm } from './npm';
import { bundleDashboard } from './dashboard';
import { checkWxml } from './wxml';
import { STRINGS } from './page-titles';

/** What a batch of changed paths requires; paths are relative to miniprogram/ for scripts and assets. */
export interface RebuildPlan {
  scripts: Set<string>;
  assets: Set<string>;
  wxml: boolean;
  /** Page titles into dist's page json: paykit/strings.ts or a json changed (build/page-titles.ts). */
  titles: boolean;
  functions: Set<string> | 'all';
  sandbox: boolean;
  /** The dashboard's browser bundle (sandbox/dashboard/ui, and what it shares with the server). */
  dashboard: boolean;
}

export function emptyPlan(): RebuildPlan {
  return {
    scripts: new Set(),
    assets: new Set(),
    wxml: false,
    titles: false,
    functions: new Set(),
    sandbox: false,
    dashboard: false,
  };
}

/** Adds what `file` (project-relative, posix or native separators) requires to `plan`. */
export function planChange(plan: RebuildPlan, file: string): RebuildPlan {
  const parts = file.split(/[\\/]/);
  const [top, second] = parts;
  const inner = parts.slice(1).join('/');
  if (top === MP && second !== 'miniprogram_npm' && second !== undefined) {
    if (inner === STRINGS) plan.titles = true;
    if (isKitScript(inner)) plan.scripts.add(inner);
    else if (isAsset(inner)) {
      plan.assets.add(inner);
      // usingComponents (json) and wxs take part in compiling templates too
      if (/\.(wxml|wxs|json)$/.test(inner)) plan.wxml = true;
      // a copied page json has no title until it is written in again
      if (inner.endsWith('.json')) plan.titles = true;
    }
  } else if (top === CLOUD && second !== undefined) {
    if (second === CLOUD_COMMON) plan.functions = 'all';
    else if (plan.functions !== 'all') plan.functions.add(second);
  } else if (top === 'merchant') {
    // the merchant's hooks are bundled into every function
    plan.functions = 'all';
  } else if (top === SANDBOX) {
    plan.sandbox = true;
    if (second === 'dashboard' || second === 'beijing.ts') plan.dashboard = true;
  } else if (top === 'typings') {
    // types only today, but a value export would be inlined into the bundles
    plan.functions = 'all';
    plan.sandbox = true;
    plan.dashboard = true;
  }
  return plan;
}

export function describePlan(plan: RebuildPlan): string {
  const parts: string[] = [];
  if (plan.scripts.size) parts.push(`scripts ${[...plan.scripts].join(', ')}`);
  if (plan.assets.size) parts.push(`assets ${[...plan.assets].join(', ')}`);
  if (plan.wxml) parts.push('wxml check');
  if (plan.titles) parts.push('page titles');
  if (plan.functions === 'all') parts.push('all functions');
  else if (plan.functions.size) parts.push(`functions ${[...plan.functions].join(', ')}`);
  if (plan.sandbox) parts.push('sandbox');
  if (plan.dashboard) parts.push('dashboard');
  return parts.join('; ');
}

/** Runs a plan; every step runs even if another fails, and the failures come back together. */
export async function runPlan(ctx: BuildContext, plan: RebuildPlan): Promise<Error[]> {
  const steps: Array<Promise<unknown>> = [];
  const mpSrc = paths.mpSrc(ctx);
  const present = [...plan.scripts].filter((f) => fs.existsSync(path.join(mpSrc, f)));
  for (const f of plan.scripts) if (!present.includes(f)) removeScriptOutput(ctx, f);
  if (present.length) steps.push(compileScripts(ctx, present));
  steps.push(
    Promise.resolve().then(() => {
      for (const f of plan.assets) syncAsset(ctx, f);
      if (plan.titles) writePageTitles(ctx);
    }),
  );
  if (plan.wxml) steps.push(Promise.resolve().then(() => checkWxml(mpSrc, undefined, MP)));
  // A json or script may start (or stop) using a vant component: miniprogram_npm follows.
  if (present.length || [...plan.assets].some((f) => f.endsWith('.json'))) {
    steps.push(Promise.resolve().then(() => syncNpm(ctx)));
  }
  const existing = listFunctions(ctx);
  const names = plan.functions === 'all' ? existing : [...plan.functions];
  for (const name of names) {
    if (existing.includes(name)) steps.push(bundleFunction(ctx, name));
    else removeFunctionOutput(ctx, name);
  }
  if (plan.sandbox) steps.push(bundleSandbox(ctx));
  if (plan.dashboard) steps.push(bundleDashboard(ctx));
  const results = await Promise.allSettled(steps);
  return results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
}

export interface Watching {
  /** Stops watching (pending rebuilds are dropped). */
  close(): Promise<void>;
}

/** Watches the sources and rebuilds what changed; batches changes that arrive within `delayMs`. */
export function startWatch(ctx: BuildContext, delayMs = 80): Watching {
  const watcher = watch([`${MP}/**`, `${CLOUD}/**`, `${SANDBOX}/**`, 'typings/**', 'merchant/**'], {
    cwd: ctx.root,
    ignoreInitial: true,
    ignored: [`${MP}/miniprogram_npm/**`, '**/node_modules/**'],
  });
  let pending = emptyPlan();
  let dirty = false;
  let running = false;
  let timer: NodeJS.Timeout | undefined;

  const flush = async () => {
    if (running || !dirty) return;
    const plan = pending;
    pending = emptyPlan();
    dirty = false;
    running = true;
    const start = Date.now();
    const errors = await runPlan(ctx, plan);
    const what = describePlan(plan);
    if (errors.length) for (const e of errors) console.error(`[watch] ${e.message}`);
    else if (what) ctx.log(`watch: ${what} in ${Date.now() - start} ms`);
    running = false;
    if (dirty) void flush();
  };

  watcher.on('all', (event: string, file: string) => {
    if (event === 'addDir') return;
    planChange(pending, file);
    dirty = true;
    clearTimeout(timer);
    timer = setTimeout(() => void flush(), delayMs);
  });
  ctx.log('watching miniprogram/, cloudfunctions/, sandbox/ and typings/ (Ctrl+C to stop)');
  return {
    close: async () => {
      clearTimeout(timer);
      await watcher.close();
    },
  };
}
