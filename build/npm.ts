// miniprogram_npm without miniprogram-ci: for a package with a "miniprogram" field, DevTools'
// "Build npm" (and ci.packNpmManually) copies that folder verbatim. The kit copies only what the
// mini-program reaches: the components its json files use and the modules its scripts require, with
// everything those reach in turn (their own usingComponents, require(), wxs and @import). For vant
// that is 17 of 68 components.
import * as fs from 'fs';
import * as path from 'path';
import { walkPackage } from './ci-walk';
import {
  allFiles,
  type BuildContext,
  BuildError,
  listFiles,
  paths,
  readJsonOr,
  rel,
  writeFile,
} from './context';

/** The packages the mini-program may require; each is copied to miniprogram_npm/<name>. */
export const MP_NPM_PACKAGES = ['@vant/weapp'];

/** Records what was copied, to skip copying when nothing changed. */
export const NPM_STAMP = '.paykit-npm.json';

interface PackageInfo {
  name: string;
  version: string;
  /** Folder copied into miniprogram_npm/<name>. */
  libDir: string;
}

export function packageInfo(ctx: BuildContext, name: string): PackageInfo {
  const dir = path.join(ctx.root, 'node_modules', name);
  let manifest: { version?: string; miniprogram?: string };
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  } catch {
    throw new BuildError(
      `${name} is not installed in node_modules (it must be in package.json "dependencies")`,
    );
  }
  return {
    name,
    version: manifest.version ?? '0.0.0',
    libDir: path.join(dir, manifest.miniprogram ?? 'miniprogram_dist'),
  };
}

export const vantLibDir = (ctx: BuildContext) => packageInfo(ctx, '@vant/weapp').libDir;

type Stamp = Record<string, { version: string; files: number; reached?: string[] }>;

const countFiles = (dir: string) => allFiles(dir).length;

/** What the mini-program's sources name in one package: components (json) and modules (scripts). */
export interface PackageSeeds {
  components: string[];
  modules: string[];
}

/** `spec` relative to the package when it names something in `pkg` ('@vant/weapp/button/index'). */
function inPackage(pkg: string, spec: string): string | undefined {
  const bare = spec.replace(/^\/?miniprogram_npm\//, '');
  return bare.startsWith(`${pkg}/`) ? bare.slice(pkg.length + 1) : undefined;
}

/** The components and modules of `pkg` the mini-program source in `mpSrc` uses directly. */
export function packageSeeds(mpSrc: string, pkg: string): PackageSeeds {
  const components = new Set<string>();
  const modules = new Set<string>();
  for (const file of listFiles(mpSrc, (f) => /\.(json|ts|js)$/.test(f) && !f.endsWith('.d.ts'))) {
    const text = fs.readFileSync(path.join(mpSrc, file), 'utf8');
    if (file.endsWith('.json')) {
      let json: { usingComponents?: Record<string, string>; componentGenerics?: Record<string, unknown> };
      try {
        json = JSON.parse(text);
      } catch {
        continue; // not this step's business: the wxml check and DevTools report it
      }
      const generics = Object.values(json.componentGenerics ?? {}).map((g) =>
        g && typeof g === 'object' ? (g as { default?: unknown }).default : undefined,
      );
      for (const spec of [...Object.values(json.usingComponents ?? {}), ...generics]) {
        const inner = typeof spec === 'string' ? inPackage(pkg, spec) : undefined;
        if (inner) components.add(inner);
      }
    } else {
      for (const m of text.matchAll(/(?:\bfrom|\bimport|\brequire\()\s*(["'])([^"']+)\1/g)) {
        const inner = inPackage(pkg, m[2]);
        if (inner) modules.add(inner);
      }
    }
  }
  return { components: [...components].sort(), modules: [...modules].sort() };
}

/** The files of the package's miniprogram folder the seeds reach, relative to it, sorted. */
export function reachedFiles(libDir: string, seeds: PackageSeeds): string[] {
  const walk = walkPackage(libDir, seeds);
  if (walk.unresolved.length) {
    throw new BuildError(
      `miniprogram_npm: these lead nowhere in ${libDir}:\n  ${walk.unresolved.join('\n  ')}`,
    );
  }
  return [...walk.used].sort();
}

/**
 * Makes `<mpRoot>/miniprogram_npm/<pkg>` a real copy (never a symlink: wcc and miniprogram-simulate
 * read it as files) of the files of each package's miniprogram folder that the mini-program source
 * (`paths.mpSrc(ctx)`) reaches. A copy is skipped when the stamp records the same version and the
 * same files, and the folder still holds as many files as the stamp says.
 * Returns the names of the packages copied.
 */
export function syncMiniprogramNpm(ctx: BuildContext, mpRoot: string, stampFile: string): string[] {
  const npmDir = path.join(mpRoot, 'miniprogram_npm');
  const stamp = readJsonOr<Stamp>(stampFile, {});
  const copied: string[] = [];
  for (const name of MP_NPM_PACKAGES) {
    const info = packageInfo(ctx, name);
    const reached = reachedFiles(info.libDir, packageSeeds(paths.mpSrc(ctx), name));
    const dest = path.join(npmDir, name);
    const seen = stamp[name];
    const lstat = fs.lstatSync(dest, { throwIfNoEntry: false });
    if (
      seen?.version === info.version &&
      seen.reached?.join() === reached.join() &&
      lstat?.isDirectory() &&
      countFiles(dest) === seen.files
    )
      continue;
    fs.rmSync(dest, { recursive: true, force: true }); // also drops a symlink left by an older setup
    for (const file of reached) {
      fs.mkdirSync(path.dirname(path.join(dest, file)), { recursive: true });
      fs.copyFileSync(path.join(info.libDir, file), path.join(dest, file));
    }
    stamp[name] = { version: info.version, files: countFiles(dest), reached };
    copied.push(name);
  }
  if (copied.length) writeFile(stampFile, `${JSON.stringify(stamp, null, 2)}\n`);
  return copied;
}

/** dist/miniprogram/miniprogram_npm; its stamp sits outside miniprogramRoot so DevTools never uploads it. */
export function npm(ctx: BuildContext): void {
  const copied = syncMiniprogramNpm(ctx, paths.mpOut(ctx), path.join(ctx.out, NPM_STAMP));
  if (copied.length) ctx.log(`miniprogram_npm: copied ${copied.join(', ')} to ${rel(ctx, paths.mpOut(ctx))}`);
}
