// The node bundles. One self-contained index.js per cloud function: cloudfunctions/common is inlined,
// wx-server-sdk stays a require (the cloud installs it from the function's package.json). The sandbox
// runs from dist/sandbox: cli.js (what bin/paykit-sandbox.js loads) and worker.js (one per
// cloud-function worker); packages stay external so native ones (better-sqlite3) load from node_modules.
import * as esbuild from 'esbuild';
import * as fs from 'fs';
import * as path from 'path';
import { builtinModules } from 'module';
import {
  BuildError,
  type BuildContext,
  CLOUD,
  CLOUD_COMMON,
  findRequires,
  isInside,
  isRelative,
  paths,
  writeFile,
  SANDBOX,
  functionFolders,
  CLOUD_BUNDLE,
  MERCHANT_HOOKS,
  SECRETS,
} from './context';
import { esbuildFailure } from './miniprogram';

/** What DevTools writes for a new cloud function; used when a function has no config.json of its own. */
export const DEFAULT_FUNCTION_CONFIG = { permissions: { openapi: [] as string[] } };

const MERCHANT_HOOKS_MODULE = 'paykit-merchant-hooks';

/** The merchant's hooks module, or the kit's example when the project has none. */
export function merchantHooksFile(ctx: BuildContext): string {
  const own = MERCHANT_HOOKS.map((f) => path.join(ctx.root, f)).find((f) => fs.existsSync(f));
  return own ?? path.join(paths.cloudSrc(ctx), CLOUD_COMMON, 'example-hooks.ts');
}

/** Resolves the kit's `paykit-merchant-hooks` import to the project's hooks module. */
function merchantHooks(ctx: BuildContext): esbuild.Plugin {
  return {
    name: 'paykit-merchant-hooks',
    setup(build) {
      build.onResolve({ filter: new RegExp(`^${MERCHANT_HOOKS_MODULE}$`) }, () => ({
        path: merchantHooksFile(ctx),
      }));
    },
  };
}

/** Function folders (every folder but common) that have an index.ts. */
export function listFunctions(ctx: BuildContext): string[] {
  const dir = paths.cloudSrc(ctx);
  return functionFolders(dir).filter((name) => {
    if (fs.existsSync(path.join(dir, name, 'index.ts'))) return true;
    ctx.warn(`${CLOUD}/${name} has no index.ts: skipped`);
    return false;
  });
}

interface FunctionManifest {
  dependencies?: Record<string, string>;
}

function readManifest(file: string, name: string): FunctionManifest {
  if (!fs.existsSync(file)) {
    throw new BuildError(
      `${CLOUD}/${name}/package.json is missing (it must list wx-server-sdk in "dependencies")`,
    );
  }
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as FunctionManifest;
  } catch (err) {
    throw new BuildError(`${CLOUD}/${name}/package.json is not valid JSON: ${(err as Error).message}`);
  }
}

const isBuiltin = (spec: string) => spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0]);
const packageName = (spec: string) =>
  spec
    .split('/')
    .slice(0, spec.startsWith('@') ? 2 : 1)
    .join('/');

/**
 * What the bundle of `name` requires at runtime must be there once deployed: a relative require may
 * not leave the function's folder, and a package must be a Node built-in or one of its dependencies.
 */
export function checkFunctionRequires(
  name: string,
  outFile: string,
  code: string,
  manifest: FunctionManifest,
): string[] {
  const deps = manifest.dependencies ?? {};
  const problems: string[] = [];
  for (const spec of findRequires(code)) {
    if (isRelative(spec) || path.isAbsolute(spec)) {
      if (!isInside(path.dirname(outFile), path.resolve(path.dirname(outFile), spec))) {
        problems.push(`  ${CLOUD}/${name}: require("${spec}") leaves the function's folder`);
      }
    } else if (!isBuiltin(spec) && !(packageName(spec) in deps)) {
      problems.push(`  ${CLOUD}/${name}: require("${spec}") is not in its package.json "dependencies"`);
    }
  }
  return problems;
}

/** Bundles one function and writes index.js, package.json and config.json to dist/cloudfunctions/<name>. */
export async function bundleFunction(ctx: BuildContext, name: string): Promise<void> {
  const srcDir = path.join(paths.cloudSrc(ctx), name);
  const outDir = path.join(paths.cloudOut(ctx), name);
  const manifestFile = path.join(srcDir, 'package.json');
  const manifest = readManifest(manifestFile, name);
  const tsconfig = path.join(ctx.root, 'tsconfig.cloud.json');
  const outFile = path.join(outDir, 'index.js');
  const result = await esbuild
    .build({
      ...CLOUD_BUNDLE,
      entryPoints: [path.join(srcDir, 'index.ts')],
      outfile: outFile,
      external: [...CLOUD_BUNDLE.external],
      absWorkingDir: ctx.root,
      write: false,
      logLevel: 'silent',
      plugins: [merchantHooks(ctx)],
      ...(fs.existsSync(tsconfig) ? { tsconfig } : {}),
    })
    .catch((err: unknown) => {
      throw esbuildFailure(err);
    });
  const code = result.outputFiles.find((f) => f.path === outFile)?.text ?? '';
  const problems = checkFunctionRequires(name, outFile, code, manifest);
  if (problems.length)
    throw new BuildError(`cloud function bundle would fail once deployed:\n${problems.join('\n')}`);

  fs.rmSync(outDir, { recursive: true, force: true });
  for (const f of result.outputFiles) writeFile(f.path, f.contents);
  fs.copyFileSync(manifestFile, path.join(outDir, 'package.json'));
  // The merchant's secrets that do not fit a function's 4 KB environment (the APIv3 private key)
  // travel with each function from the git-ignored secrets/ folder.
  const secrets = path.join(ctx.root, SECRETS);
  if (fs.existsSync(secrets)) fs.cpSync(secrets, path.join(outDir, SECRETS), { recursive: true });
  const config = path.join(srcDir, 'config.json');
  if (fs.existsSync(config)) fs.copyFileSync(config, path.join(outDir, 'config.json'));
  else writeFile(path.join(outDir, 'config.json'), `${JSON.stringify(DEFAULT_FUNCTION_CONFIG, null, 2)}\n`);
}

/** Bundles `names` (every function by default) in parallel; reports every failing function at once. */
export async function bundleFunctions(ctx: BuildContext, names = listFunctions(ctx)): Promise<void> {
  const results = await Promise.allSettled(names.map((name) => bundleFunction(ctx, name)));
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
  if (failures.length) throw new BuildError(failures.join('\n'));
}

/** Removes the output of a deleted function (watch). */
export function removeFunctionOutput(ctx: BuildContext, name: string): void {
  fs.rmSync(path.join(paths.cloudOut(ctx), name), { recursive: true, force: true });
}

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
