// Shared plumbing for the build steps: where things are, how files are listed, how failures read.
import * as fs from 'fs';
import * as path from 'path';

export interface BuildContext {
  /** Project root: holds miniprogram/, cloudfunctions/, sandbox/ and node_modules/. */
  root: string;
  /** Output folder (dist/ in the project; a temp folder in tests). */
  out: string;
  log: (message: string) => void;
  warn: (message: string) => void;
}

export function createContext(opts: Partial<BuildContext> & { root: string }): BuildContext {
  const root = path.resolve(opts.root);
  return {
    root,
    out: path.resolve(root, opts.out ?? 'dist'),
    log: opts.log ?? ((message) => console.log(`[build] ${message}`)),
    warn: opts.warn ?? ((message) => console.warn(`[build] warning: ${message}`)),
  };
}

export const MP = 'miniprogram';
export const CLOUD = 'cloudfunctions';
export const SANDBOX = 'sandbox';
/** Folder every cloud function shares; inlined into each bundle, never deployed alone. */
export const CLOUD_COMMON = 'common';
/** The git-ignored folder of files every function needs at runtime but git must never hold. */
export const SECRETS = 'secrets';
/** Copied byte for byte (gulp 5 src() needs encoding:false for the images). */
export const ASSET_EXTS = ['.wxml', '.wxss', '.json', '.wxs', '.png', '.jpg', '.jpeg', '.gif', '.svg'];

export const paths = {
  mpSrc: (ctx: BuildContext) => path.join(ctx.root, MP),
  mpOut: (ctx: BuildContext) => path.join(ctx.out, MP),
  cloudSrc: (ctx: BuildContext) => path.join(ctx.root, CLOUD),
  cloudOut: (ctx: BuildContext) => path.join(ctx.out, CLOUD),
  sandboxOut: (ctx: BuildContext) => path.join(ctx.out, SANDBOX),
};

/** A failure the developer must fix; gulp prints only the message (no stack) when showStack is false. */
export class BuildError extends Error {
  readonly showStack = false;
  constructor(message: string) {
    super(message);
    this.name = 'BuildError';
  }
  override toString(): string {
    return `${this.name}: ${this.message}`;
  }
}

/** Folders never walked into: installed or generated code. */
const SKIPPED_DIRS = new Set(['node_modules', 'miniprogram_npm', '.git']);

/**
 * Files under `dir` (recursively, posix-style paths relative to `dir`) accepted by `keep`.
 * Node 20 has no fs.globSync; a small walker that skips installed folders is faster than a glob anyway.
 */
export function listFiles(dir: string, keep: (rel: string) => boolean): string[] {
  const found: string[] = [];
  const walk = (abs: string, rel: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(abs, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const e of entries) {
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!SKIPPED_DIRS.has(e.name)) walk(path.join(abs, e.name), childRel);
      } else if (keep(childRel)) {
        found.push(childRel);
      }
    }
  };
  walk(dir, '');
  return found.sort();
}

/** Every file under `dir`, installed and generated folders included (posix paths relative to `dir`). */
export function allFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

/** The function folders in a cloud functions folder: every folder but common and dot-folders, sorted. */
export function functionFolders(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name !== CLOUD_COMMON && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

export const isKitScript = (rel: string) => rel.endsWith('.ts') && !rel.endsWith('.d.ts');
export const isAsset = (rel: string) => ASSET_EXTS.includes(path.extname(rel).toLowerCase());

/** Writes a file, creating its folder. */
export function writeFile(file: string, contents: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, contents);
}

/** `to` relative to `from`, posix-style, for messages and config files. */
export const posixRelative = (from: string, to: string) => path.relative(from, to).split(path.sep).join('/');

/** Project-relative, posix-style path for messages. */
export const rel = (ctx: BuildContext, file: string) => posixRelative(ctx.root, file);

/** A JSON file the developer must fix when it does not parse. */
export function readJson<T>(file: string): T {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch (err) {
    throw new BuildError(`${file} is not readable JSON: ${(err as Error).message}`);
  }
}

/** A JSON file, or `fallback` when it is missing or does not parse. */
export function readJsonOr<T>(file: string, fallback: T): T {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return fallback;
  }
}

/** `require("x")` specifiers in esbuild's CJS output (esbuild always prints them with double quotes). */
export function findRequires(code: string): string[] {
  const specs = new Set<string>();
  for (const m of code.matchAll(/\brequire\(\s*(["'`])([^"'`]+)\1\s*\)/g)) specs.add(m[2]);
  return [...specs];
}

export const isRelative = (spec: string) => spec === '.' || spec === '..' || /^\.\.?\//.test(spec);

/** true when `file` is `dir` itself or inside it. */
export function isInside(dir: string, file: string): boolean {
  const r = path.relative(dir, file);
  return r === '' || (!r.startsWith('..') && !path.isAbsolute(r));
}

/** What the cloud runs: Node 16, with wx-server-sdk installed from each function's package.json. */
export const CLOUD_TARGET = 'node16';
export const CLOUD_EXTERNALS = ['wx-server-sdk'];

/** How a cloud function is bundled: one CommonJS file for the cloud's Node, wx-server-sdk left out. */
export const CLOUD_BUNDLE = {
  bundle: true,
  platform: 'node',
  target: CLOUD_TARGET,
  format: 'cjs',
  external: CLOUD_EXTERNALS,
  charset: 'utf8',
} as const;
/** Where a project keeps its own merchant hooks: never shipped or overwritten by the kit. */
export const MERCHANT_HOOKS = ['merchant/hooks.ts', 'merchant/hooks.js'];
