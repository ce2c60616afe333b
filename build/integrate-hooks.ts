// The merchant's own hooks in a host app: the kit's functions bundled with them, and the stand-alone
// hooks API they import, as build/integrate.ts adds the kit (docs/integrate.md, "Your own hooks").
import { execFileSync } from 'child_process';
import type { BuildOptions } from 'esbuild';
import * as fs from 'fs';
import { createRequire } from 'module';
import * as path from 'path';
import { BuildError, CLOUD, CLOUD_BUNDLE, posixRelative } from './context';
import type { HostLanguage } from './integrate-check';

/**
 * The kit's hooks API as the host gets it: the TypeScript source (it stands alone), or for a
 * JavaScript host that source compiled to CommonJS (the bytes, made in memory: nothing is left in a
 * scratch folder).
 */
export function hooksApiFor(kitRoot: string, language: HostLanguage): string | Buffer {
  const source = path.join(kitRoot, CLOUD, 'common/hooks-api.ts');
  if (language === 'ts') return source;
  return esbuildSync(kitRoot, {
    ...CLOUD_BUNDLE,
    external: [...CLOUD_BUNDLE.external],
    entryPoints: [source],
    outfile: 'paykit-hooks-api.js',
    write: false,
    logLevel: 'error',
  });
}

/**
 * esbuild in a child process: this module also runs where esbuild cannot load (jest's jsdom, whose
 * Buffer fails esbuild's own check). With `write: false` the one output file's bytes come back.
 * `what` names the job in the failure.
 */
export function esbuildSync(
  kitRoot: string,
  options: BuildOptions,
  what = "bundling with the merchant's hooks",
): Buffer {
  // The esbuild beside this code (the kit's own), wherever the kit root points.
  const esbuild = JSON.stringify(createRequire(__filename).resolve('esbuild'));
  const script = `const r = require(${esbuild}).buildSync(${JSON.stringify(options)});
if (r.outputFiles) process.stdout.write(r.outputFiles[0].contents);`;
  try {
    return execFileSync(process.execPath, ['-e', script], {
      cwd: kitRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? '');
    throw new BuildError(`${what} failed:\n${stderr.trim()}`);
  }
}

/**
 * Each of the kit's functions bundled with the host's merchant hooks, into its cloudfunctionRoot:
 * one esbuild run (one child process) for them all.
 */
export function bundleWithHooks(
  kitRoot: string,
  cloudRoot: string,
  hooks: string,
  appRoot: string,
): string[] {
  const sources = path.join(kitRoot, CLOUD);
  const names = fs
    .readdirSync(path.join(kitRoot, 'dist', CLOUD))
    .filter((name) => fs.existsSync(path.join(sources, name, 'index.ts')));
  esbuildSync(kitRoot, {
    ...CLOUD_BUNDLE,
    external: [...CLOUD_BUNDLE.external],
    entryPoints: Object.fromEntries(
      names.map((name) => [`${name}/index`, path.join(sources, name, 'index.ts')]),
    ),
    outdir: cloudRoot,
    alias: { 'paykit-merchant-hooks': hooks },
    tsconfig: path.join(kitRoot, 'tsconfig.cloud.json'),
    logLevel: 'error',
  });
  return names.map((name) => posixRelative(appRoot, path.join(cloudRoot, name, 'index.js')));
}
