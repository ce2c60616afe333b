// miniprogram_npm without miniprogram-ci: for a package with a "miniprogram" field, DevTools'
// "Build npm" (and ci.packNpmManually) copies that folder verbatim, so a plain copy is identical and
// takes milliseconds instead of seconds.
import * as fs from 'fs';
import * as path from 'path';
import { allFiles, type BuildContext, BuildError, paths, readJsonOr, rel, writeFile } from './context';

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

type Stamp = Record<string, { version: string; files: number }>;

const countFiles = (dir: string) => allFiles(dir).length;

/** Plain recursive copy; several times faster than fs.cpSync here (no per-file checks). */
function copyTree(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    if (e.isDirectory()) copyTree(path.join(from, e.name), path.join(to, e.name));
    else fs.copyFileSync(path.join(from, e.name), path.join(to, e.name));
  }
}

/**
 * Makes `<mpRoot>/miniprogram_npm/<pkg>` a real copy (never a symlink: wcc and miniprogram-simulate
 * read it as files) of each package's miniprogram folder. A copy is skipped when the stamp records the
 * same version and the folder still holds as many files as the stamp says.
 * Returns the names of the packages copied.
 */
export function syncMiniprogramNpm(ctx: BuildContext, mpRoot: string, stampFile: string): string[] {
  const npmDir = path.join(mpRoot, 'miniprogram_npm');
  const stamp = readJsonOr<Stamp>(stampFile, {});
  const copied: string[] = [];
  for (const name of MP_NPM_PACKAGES) {
    const info = packageInfo(ctx, name);
    const dest = path.join(npmDir, name);
    const seen = stamp[name];
    const lstat = fs.lstatSync(dest, { throwIfNoEntry: false });
    if (seen?.version === info.version && lstat?.isDirectory() && countFiles(dest) === seen.files) continue;
    fs.rmSync(dest, { recursive: true, force: true }); // also drops a symlink left by an older setup
    copyTree(info.libDir, dest);
    stamp[name] = { version: info.version, files: countFiles(dest) };
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
