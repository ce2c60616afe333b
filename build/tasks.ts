// The gulp tasks, made by a factory over a BuildContext so tests can build a fixture into a temp folder.
import * as fs from 'fs';
import * as path from 'path';
import { parallel, series } from 'gulp';
import type { TaskFunction } from 'gulp';
import { compileScripts, copyAssets, writePageTitles } from './miniprogram';
import { NPM_STAMP, npm as syncNpm } from './npm';
import { type BuildContext, BuildError, MP, paths } from './context';
import { bundleFunctions, bundleSandbox } from './bundles';
import { bundleDashboard } from './dashboard';
import { startWatch } from './watch';
import { checkWxml } from './wxml';

export interface BuildTasks {
  clean: TaskFunction;
  scripts: TaskFunction;
  assets: TaskFunction;
  npm: TaskFunction;
  functions: TaskFunction;
  sandbox: TaskFunction;
  dashboard: TaskFunction;
  wxml: TaskFunction;
  build: TaskFunction;
  watch: TaskFunction;
}

/** Names a task for gulp's log (gulp uses displayName, else the function name). */
function task<T extends TaskFunction>(name: string, description: string, fn: T): T {
  return Object.assign(fn, { displayName: name, description });
}

/** Deletes everything in `dir` but `names`. */
function emptyExcept(dir: string, names: string[]): void {
  for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    if (!names.includes(name)) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  }
}

/**
 * Deletes everything in the output folder except dist/miniprogram/miniprogram_npm and its stamp: the
 * npm step re-copies it only when the vant version or its file count changed (saves ~0.3 s per build).
 */
export function cleanOutput(ctx: BuildContext): void {
  emptyExcept(ctx.out, [MP, NPM_STAMP]);
  emptyExcept(paths.mpOut(ctx), ['miniprogram_npm']);
}

/** The copied assets, then the page titles written into the copied page json (untitled in the sources). */
async function assetsWithTitles(ctx: BuildContext): Promise<void> {
  await copyAssets(ctx);
  writePageTitles(ctx);
}

function checkTemplates(ctx: BuildContext): void {
  const n = checkWxml(paths.mpSrc(ctx), undefined, MP);
  if (n) ctx.log(`wxml: ${n} template(s) compile`);
}

/**
 * The part of dist/ that preview and upload ('miniprogram') or deploy ('functions') send, emptied and
 * built again from the sources as they are now, with the same steps as `build`: a file deleted from the
 * sources is gone from it too. The other part, the sandbox and the dashboard are left alone, so a
 * sandbox running from dist/ keeps its code; a `gulp watch` beside it writes the same files from the
 * same sources.
 */
export async function buildPart(ctx: BuildContext, part: 'miniprogram' | 'functions'): Promise<void> {
  if (part === 'functions') {
    fs.rmSync(paths.cloudOut(ctx), { recursive: true, force: true });
    await bundleFunctions(ctx);
    return;
  }
  emptyExcept(paths.mpOut(ctx), ['miniprogram_npm']);
  // Every step settles before a failure is reported: none is left writing into dist/ after it.
  const steps = [compileScripts(ctx), assetsWithTitles(ctx), Promise.resolve().then(() => syncNpm(ctx))];
  const failures = (await Promise.allSettled(steps)).flatMap((r) =>
    r.status === 'rejected' ? [(r.reason as Error).message] : [],
  );
  if (failures.length) throw new BuildError(failures.join('\n'));
  checkTemplates(ctx);
}

export function createTasks(ctx: BuildContext): BuildTasks {
  const clean = task(
    'clean',
    'Empty the output folder (the miniprogram_npm copy stays; npm checks it)',
    async () => cleanOutput(ctx),
  );
  const scripts = task(
    'scripts',
    'miniprogram/**/*.ts -> dist/miniprogram (esbuild, CJS, es2017)',
    async () => {
      await compileScripts(ctx);
    },
  );
  const assets = task(
    'assets',
    'Copy wxml/wxss/json/wxs/images to dist/miniprogram; page titles from paykit/strings.ts into their json',
    () => assetsWithTitles(ctx),
  );
  const npm = task('npm', 'Copy @vant/weapp into dist/miniprogram/miniprogram_npm', async () => syncNpm(ctx));
  const functions = task('functions', 'Bundle each cloud function to dist/cloudfunctions', () =>
    bundleFunctions(ctx),
  );
  const sandbox = task('sandbox', 'Bundle the sandbox CLI and worker to dist/sandbox', async () => {
    await bundleSandbox(ctx);
  });
  const dashboard = task(
    'dashboard',
    'Bundle the sandbox dashboard (Preact) to dist/dashboard/app.js + app.css',
    async () => {
      await bundleDashboard(ctx);
    },
  );
  const wxml = task('wxml', 'Compile every kit template with the official WXML compiler', async () =>
    checkTemplates(ctx),
  );
  const build = task(
    'build',
    'clean, then scripts/assets/npm/functions/sandbox/dashboard in parallel, then the wxml check',
    series(clean, parallel(scripts, assets, npm, functions, sandbox, dashboard), wxml),
  );
  const keepWatching = task('watching', 'Rebuild only what changes, until Ctrl+C', () => {
    startWatch(ctx);
    return new Promise<void>(() => {}); // a watch task never completes
  });
  const watch = task('watch', 'Build, then rebuild only what changes', series(build, keepWatching));
  return { clean, scripts, assets, npm, functions, sandbox, dashboard, wxml, build, watch };
}
