// The sandbox dashboard's browser bundle: sandbox/dashboard/ui (Preact, TSX) → dist/dashboard/app.js
// and app.css, minified, one file each, nothing loaded from elsewhere (the page works offline and its
// CSP allows only its own scripts and styles).
import * as esbuild from 'esbuild';
import * as fs from 'fs';
import * as path from 'path';
import { type BuildContext, SANDBOX } from './context';
import { esbuildFailure } from './miniprogram';

export const DASHBOARD = 'dashboard';
export const DASHBOARD_ENTRY = `${SANDBOX}/dashboard/ui/main.tsx`;
/** Browsers a developer runs the sandbox next to (evergreen; Chromium in the tests). */
export const DASHBOARD_TARGET = ['chrome100', 'firefox100', 'safari15'];

export const dashboardOut = (ctx: BuildContext): string => path.join(ctx.out, DASHBOARD);

/** Options shared by the build and the bench (which measures the same bundle). */
export function dashboardOptions(ctx: BuildContext): esbuild.BuildOptions {
  const tsconfig = path.join(ctx.root, 'tsconfig.dashboard.json');
  return {
    entryPoints: { app: path.join(ctx.root, DASHBOARD_ENTRY) },
    outdir: dashboardOut(ctx),
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: DASHBOARD_TARGET,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    charset: 'utf8',
    legalComments: 'none',
    absWorkingDir: ctx.root,
    logLevel: 'silent',
    ...(fs.existsSync(tsconfig) ? { tsconfig } : {}),
  };
}

/** Builds the dashboard when its sources exist (a fixture project has none: skipped silently). */
export async function bundleDashboard(ctx: BuildContext): Promise<boolean> {
  if (!fs.existsSync(path.join(ctx.root, DASHBOARD_ENTRY))) return false;
  await esbuild.build(dashboardOptions(ctx)).catch((err: unknown) => {
    throw esbuildFailure(err);
  });
  return true;
}
