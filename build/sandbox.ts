// The sandbox runs from dist/sandbox: cli.js (what bin/paykit-sandbox.js loads) and worker.js (one per
// cloud-function worker). Packages stay external so native ones (better-sqlite3) load from node_modules.
import * as esbuild from 'esbuild';
import * as fs from 'fs';
import * as path from 'path';
import { type BuildContext, paths, SANDBOX } from './context';
import { esbuildFailure } from './scripts';

export const SANDBOX_TARGET = 'node20';

/** Output name (without .js) -> entry, relative to the project root. */
export const SANDBOX_ENTRIES: Record<string, string> = {
  cli: `${SANDBOX}/cli.ts`,
  worker: `${SANDBOX}/runtime/worker.ts`,
};

/**
 * Bundles each sandbox entry that exists; a missing one is skipped with a warning so the build works
 * while the sandbox is being written. Returns the output names built.
 */
export async function bundleSandbox(ctx: BuildContext): Promise<string[]> {
  const entryPoints: Record<string, string> = {};
  for (const [out, entry] of Object.entries(SANDBOX_ENTRIES)) {
    const file = path.join(ctx.root, entry);
    if (fs.existsSync(file)) entryPoints[out] = file;
    else ctx.warn(`${entry} does not exist yet: dist/${SANDBOX}/${out}.js not built`);
  }
  const built = Object.keys(entryPoints);
  if (built.length === 0) return built;
  const tsconfig = path.join(ctx.root, 'tsconfig.sandbox.json');
  await esbuild
    .build({
      entryPoints,
      outdir: paths.sandboxOut(ctx),
      bundle: true,
      platform: 'node',
      target: SANDBOX_TARGET,
      format: 'cjs',
      packages: 'external',
      sourcemap: 'inline',
      charset: 'utf8',
      absWorkingDir: ctx.root,
      logLevel: 'silent',
      ...(fs.existsSync(tsconfig) ? { tsconfig } : {}),
    })
    .catch((err: unknown) => {
      throw esbuildFailure(err);
    });
  return built;
}
