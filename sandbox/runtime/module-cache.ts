/**
 * A compile cache for the installed packages a sandbox process loads: most of a function instance's
 * start is Node reading wx-server-sdk (~420 modules) — resolving each require along node_modules,
 * reading each file and the package.json above it, and compiling it — before any of it runs. These
 * answers are the same every time while node_modules is unchanged, so the first process records them
 * and later ones reuse them:
 * - where `require(x)` from a file inside node_modules led (one lookup instead of a walk of stats);
 * - each file's source and V8's code cache of it (what `vm.Script#createCachedData` gives), read
 *   from one file instead of one read per module plus its package scope's package.json (a file
 *   Node loaded as CommonJS once is CommonJS: its package is not `"type": "module"`).
 * Only files under node_modules take part (and not those using `import()`); the functions' own
 * bundles and the sandbox's code are compiled as always. Each module still runs its own top-level code in its own process: module
 * state, `__dirname`, `require.cache` and stack traces are what Node would give. The cache is
 * dropped when node_modules changes (npm rewrites node_modules/.package-lock.json), when Node or
 * V8 flags differ, and per file when its size or mtime differ. Without npm's lockfile there (another
 * package manager) or with PAYKIT_SANDBOX_MODULE_CACHE=0 there is no cache; a folder that cannot be
 * written just means none is kept.
 */
import * as fs from 'fs';
import Module from 'module';
import * as path from 'path';
import * as vm from 'vm';

/** What Node's loader gives a module (makeRequireFunction in lib/internal/modules/helpers.js). */
type CompiledWrapper = (
  exports: unknown,
  require: NodeJS.Require,
  module: Module,
  filename: string,
  dirname: string,
) => unknown;

/** The parts of Module's internals the cache hooks into (stable since Node 12; v8-compile-cache uses the same). */
interface ModuleInternals {
  _resolveFilename(request: string, parent: Module | undefined, isMain: boolean, options?: unknown): string;
  _resolveLookupPaths(request: string, parent: Module): string[] | null;
  _extensions: NodeJS.RequireExtensions;
  _cache: NodeJS.Dict<Module>;
  wrap(script: string): string;
  prototype: Module & { _compile(content: string, filename: string): unknown };
}

interface Stored {
  /** node_modules' fingerprint and the runtime's: a cache of another one is not used. */
  key: string;
  /** `${parent dir}\0${request}` -> resolved file. */
  resolved: Record<string, string>;
  /** file -> [offset, length, size, mtimeMs, source offset, source length] in the blob. */
  code: Record<string, CodeEntry>;
}

type CodeEntry = [number, number, number, number, number, number];

/** Part of the key: a cache written in another layout is not read. */
const FORMAT = 2;

const M = Module as unknown as ModuleInternals;
const NODE_MODULES = `${path.sep}node_modules${path.sep}`;

/**
 * Installs the cache for this process (once) in `<nodeModules>/.cache/paykit-sandbox/<name>.cache`.
 * Call it before the packages are required; `save()` (also run at exit) writes what was new.
 */
export function installModuleCache(nodeModules: string, name: string): { save(): void } | undefined {
  if (!moduleCacheWanted() || installed) return installed;
  const key = fingerprint(nodeModules);
  if (!key) return undefined;
  const file = path.join(nodeModules, '.cache', 'paykit-sandbox', `${name}.cache`);
  const stored = read(file, key);
  let blob = stored.blob;
  const fresh = new Map<string, { script: vm.Script; source: string; size: number; mtimeMs: number }>();
  let resolvedChanged = false;
  /** The stat `_extensions['.js']` took of a module it served, for that module's `_compile`. */
  const servedStats = new WeakMap<object, fs.Stats>();
  /** The cache's entry for `filename` if the file is the one it was made from (same size and mtime). */
  const entryFor = (filename: string, stat: fs.Stats | undefined): CodeEntry | undefined => {
    const entry = stored.index.code[filename];
    return entry && stat && entry[2] === stat.size && entry[3] === stat.mtimeMs ? entry : undefined;
  };
  const statOf = (filename: string) => fs.statSync(filename, { throwIfNoEntry: false });

  const resolveFilename = M._resolveFilename;
  M._resolveFilename = function (request, parent, isMain, options) {
    const from = parent?.filename;
    if (
      options !== undefined ||
      isMain ||
      !from ||
      !from.includes(NODE_MODULES) ||
      Module.isBuiltin(request)
    ) {
      return resolveFilename.call(this, request, parent, isMain, options);
    }
    const k = `${path.dirname(from)}\0${request}`;
    const hit = stored.index.resolved[k];
    if (hit !== undefined) return hit;
    const file = resolveFilename.call(this, request, parent, isMain, options);
    stored.index.resolved[k] = file;
    resolvedChanged = true;
    return file;
  };

  // A cached file whose size and mtime are unchanged is not read, nor its package scope looked up:
  // its source comes from the blob. Anything else is Node's to load.
  const loadJs = M._extensions['.js'];
  M._extensions['.js'] = function (module: NodeJS.Module, filename: string) {
    const stat =
      filename.includes(NODE_MODULES) && stored.index.code[filename] ? statOf(filename) : undefined;
    const entry = entryFor(filename, stat);
    // The source's UTF-8 length is the file's size too, unless the file is not plain UTF-8 (Node's
    // own reading then decides what the source is).
    if (!entry || !stat || entry[5] !== entry[2]) return loadJs.call(this, module, filename);
    servedStats.set(module, stat);
    (module as Module & { _compile(content: string, filename: string): unknown })._compile(
      blob.toString('utf8', entry[4], entry[4] + entry[5]),
      filename,
    );
  };

  const compile = M.prototype._compile;
  M.prototype._compile = function (content: string, filename: string) {
    // import() needs the loader's own callback for the referring file, which vm.Script cannot be
    // given without an experimental flag: such files are compiled by Node as always.
    if (!filename.includes(NODE_MODULES) || content.includes('import(')) {
      return compile.call(this, content, filename);
    }
    const stat = servedStats.get(this) ?? statOf(filename);
    if (!stat) return compile.call(this, content, filename);
    const entry = entryFor(filename, stat);
    let script: vm.Script;
    try {
      script = new vm.Script(M.wrap(content), {
        filename,
        cachedData: entry && blob.subarray(entry[0], entry[0] + entry[1]),
      });
    } catch {
      // What Node reports itself (ESM syntax in a .js file, a syntax error): its own loader says it.
      return compile.call(this, content, filename);
    }
    if (!entry || script.cachedDataRejected)
      fresh.set(filename, { script, source: content, size: stat.size, mtimeMs: stat.mtimeMs });
    const wrapper = script.runInThisContext({ displayErrors: true }) as CompiledWrapper;
    return wrapper.call(this.exports, this.exports, requireFor(this), this, filename, path.dirname(filename));
  };

  const save = () => {
    if (!resolvedChanged && fresh.size === 0) return;
    // Rewritten whole from the entries alive now, so replaced ones leave no garbage behind.
    const parts: Buffer[] = [];
    let offset = 0;
    const append = (data: Buffer) => {
      parts.push(data);
      offset += data.length;
      return [offset - data.length, data.length] as const;
    };
    const add = (name: string, code: Buffer, source: Buffer, size: number, mtimeMs: number) => {
      const [codeAt, codeLength] = append(code);
      const [sourceAt, sourceLength] = append(source);
      stored.index.code[name] = [codeAt, codeLength, size, mtimeMs, sourceAt, sourceLength];
    };
    const slice = (from: number, bytes: number) => blob.subarray(from, from + bytes);
    for (const [name, [at, length, size, mtimeMs, sourceAt, sourceLength]] of Object.entries(
      stored.index.code,
    )) {
      if (!fresh.has(name)) add(name, slice(at, length), slice(sourceAt, sourceLength), size, mtimeMs);
    }
    for (const [name, f] of fresh) {
      add(name, f.script.createCachedData(), Buffer.from(f.source), f.size, f.mtimeMs);
    }
    fresh.clear();
    resolvedChanged = false;
    // The index now points into the new blob: later loads and saves read that one.
    blob = Buffer.concat(parts);
    write(file, stored.index, blob);
  };
  process.once('exit', save);
  installed = { save };
  return installed;
}

let installed: { save(): void } | undefined;

/** Whether this process's environment allows the cache (PAYKIT_SANDBOX_MODULE_CACHE=0 does not). */
export function moduleCacheWanted(): boolean {
  return process.env.PAYKIT_SANDBOX_MODULE_CACHE !== '0';
}

/** The `require` Node hands a module (same surface: resolve, resolve.paths, main, extensions, cache). */
function requireFor(mod: Module): NodeJS.Require {
  const require = ((id: string) => mod.require(id)) as NodeJS.Require;
  const resolve = ((request: string, options?: { paths?: string[] }) =>
    M._resolveFilename(request, mod, false, options)) as NodeJS.RequireResolve;
  resolve.paths = (request: string) => M._resolveLookupPaths(request, mod);
  require.resolve = resolve;
  require.main = process.mainModule;
  require.extensions = M._extensions;
  require.cache = M._cache;
  return require;
}

/** node_modules as npm last wrote it, and the runtime that made the code cache; undefined without npm's lockfile. */
function fingerprint(nodeModules: string): string | undefined {
  try {
    const lock = fs.statSync(path.join(nodeModules, '.package-lock.json'));
    return [FORMAT, process.version, process.arch, process.execArgv.join(' '), lock.size, lock.mtimeMs].join(
      '|',
    );
  } catch {
    return undefined;
  }
}

/** One file: the index's length (4 bytes), the index as JSON, then the code blob. */
function read(file: string, key: string): { index: Stored; blob: Buffer } {
  const empty = { index: { key, resolved: {}, code: {} }, blob: Buffer.alloc(0) };
  try {
    const all = fs.readFileSync(file);
    const length = all.readUInt32LE(0);
    const index = JSON.parse(all.toString('utf8', 4, 4 + length)) as Stored;
    return index.key === key ? { index, blob: all.subarray(4 + length) } : empty;
  } catch {
    return empty;
  }
}

/** Written beside and renamed into place: a reader sees the old file or the new one, whole. */
function write(file: string, index: Stored, blob: Buffer): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const json = Buffer.from(JSON.stringify(index));
    const length = Buffer.alloc(4);
    length.writeUInt32LE(json.length, 0);
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, Buffer.concat([length, json, blob]));
    fs.renameSync(tmp, file);
  } catch {
    // Read-only install or a full disk: the next process compiles as this one did.
  }
}
