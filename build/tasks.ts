// The gulp tasks, made by a factory over a BuildContext so tests can build a fixture into a temp folder.
import * as fs from 'fs';
import * as path from 'path';
import { parallel, series } from 'gulp';
import type { TaskFunction } from 'gulp';
import { compileScripts, copyAssets, writePageTitles } from './miniprogram';
import { NPM_STAMP, npm as syncNpm } from './npm';
import { type BuildContext, MP, paths } from './context';
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

/**
 * Deletes everything in the output folder except dist/miniprogram/miniprogram_npm and its stamp: the
 * npm step re-copies it only when the vant version or its file count changed (saves ~0.3 s per build).
 */
export function cleanOutput(ctx: BuildContext): void {
  const keep = (dir: string, names: string[]) => {
    for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
      if (!names.includes(name)) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
    }
  };
  keep(ctx.out, [MP, NPM_STAMP]);
  keep(paths.mpOut(ctx), ['miniprogram_npm']);
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
    async () => {
      await copyAssets(ctx);
      writePageTitles(ctx);
    },
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
  const wxml = task('wxml', 'Compile every kit template with the official WXML compiler', async () => {
    const n = checkWxml(paths.mpSrc(ctx), undefined, MP);
    if (n) ctx.log(`wxml: ${n} template(s) compile`);
  });
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
