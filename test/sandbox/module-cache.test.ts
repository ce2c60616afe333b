/** @jest-environment node */
/**
 * The sandbox's compile cache for installed packages (sandbox/runtime/module-cache.ts): a module
 * loaded from the cache behaves as Node would load it (exports, __dirname, require.resolve,
 * require.main, dynamic import, stack traces), a changed file is compiled again rather than served
 * stale, a changed node_modules drops the cache, and PAYKIT_SANDBOX_MODULE_CACHE=0 keeps none. Each
 * load runs in its own Node process, as instances do.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT } from '../helpers/sandbox';

let dir: string;
let nodeModules: string;
const cacheFile = () => path.join(nodeModules, '.cache', 'paykit-sandbox', 'probe.cache');

/**
 * Loads packages with the cache installed in a fresh process and returns what they report. The steps
 * (PROBE_STEPS, comma-separated) are read from the environment, not written into the script: the
 * command line is part of the cache's key, so every process here runs the same one. `report` runs
 * package a's report, `save` saves the cache, any other name requires that package (its `word`).
 */
function load(env: Record<string, string> = {}): Record<string, unknown> {
  const script = `
    const { installModuleCache } = require(${JSON.stringify(path.join(ROOT, 'sandbox/runtime/module-cache.ts'))});
    const cache = installModuleCache(${JSON.stringify(nodeModules)}, 'probe');
    const pkg = (name) => require(require('path').join(${JSON.stringify(nodeModules)}, name));
    (async () => {
      let out = {};
      for (const step of (process.env.PROBE_STEPS || 'report,save').split(',')) {
        if (step === 'save') cache && cache.save();
        else if (step === 'report') out = { ...out, ...(await pkg('a').report()) };
        else out[step] = pkg(step).word;
      }
      console.log(JSON.stringify(out));
    })();
  `;
  // The run's own setting (e.g. PAYKIT_SANDBOX_MODULE_CACHE=0 npm test) does not decide these cases.
  const { PAYKIT_SANDBOX_MODULE_CACHE: _ignored, ...inherited } = process.env;
  const out = execFileSync(process.execPath, ['-r', 'esbuild-register', '-e', script], {
    cwd: ROOT,
    env: { ...inherited, ...env },
  });
  return JSON.parse(out.toString()) as Record<string, unknown>;
}

function writePackage(name: string, files: Record<string, string>): void {
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.join(nodeModules, name), { recursive: true });
    fs.writeFileSync(path.join(nodeModules, name, file), text);
  }
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-module-cache-'));
  nodeModules = path.join(dir, 'node_modules');
  writePackage('a', {
    'package.json': '{"name":"a","version":"1.0.0","main":"index.js"}',
    'index.js': `
      const b = require('b');
      exports.report = async () => {
        let stackFile;
        try { b.fail(); } catch (err) { stackFile = /\\((.*[\\\\/]b[\\\\/]\\w+\\.js):\\d+:\\d+\\)/.exec(err.stack)[1]; }
        const sep = await require('c').sep();
        return {
          word: b.word,
          dirname: __dirname,
          resolved: require.resolve('b'),
          lookup: Array.isArray(require.resolve.paths('b')),
          main: require.main === undefined ? 'undefined' : typeof require.main,
          cached: Object.keys(require.cache).some((f) => f.endsWith('index.js')),
          stackFile,
          sep,
        };
      };`,
  });
  writePackage('b', {
    'package.json': '{"name":"b","version":"1.0.0","main":"index.js"}',
    'index.js': "exports.word = 'first';\nexports.fail = () => { throw new Error('b failed'); };\n",
  });
  // A package using import(): compiled by Node itself, and still working beside cached ones.
  writePackage('c', { 'index.js': "exports.sep = async () => (await import('node:path')).sep;\n" });
  fs.writeFileSync(path.join(nodeModules, '.package-lock.json'), '{"lockfileVersion":3}');
});

afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test('a module from the cache behaves as Node loads it, and the cache is kept for the next process', () => {
  const first = load();
  expect(fs.existsSync(cacheFile())).toBe(true);
  const kept = fs.readFileSync(cacheFile());
  const index = JSON.parse(kept.toString('utf8', 4, 4 + kept.readUInt32LE(0))) as { code: object };
  expect(Object.keys(index.code).sort()).toEqual(
    ['a', 'b'].map((name) => path.join(nodeModules, name, 'index.js')),
  );
  const second = load();
  expect(second).toEqual(first);
  expect(first).toEqual({
    word: 'first',
    dirname: path.join(nodeModules, 'a'),
    resolved: path.join(nodeModules, 'b', 'index.js'),
    lookup: true,
    main: 'undefined',
    cached: true,
    stackFile: path.join(nodeModules, 'b', 'index.js'),
    sep: path.sep,
  });
});

const fileB = () => path.join(nodeModules, 'b', 'index.js');

/** Rewrites b's word from 'first' to 'other' (the same length) and sets its mtime to `mtime`. */
function changeB(mtime: Date): void {
  fs.writeFileSync(fileB(), fs.readFileSync(fileB(), 'utf8').replace("'first'", "'other'"));
  fs.utimesSync(fileB(), mtime, mtime);
}

const later = () => new Date(Date.now() + 5000);

test('a changed file is compiled again, even at the same length', () => {
  expect(load().word).toBe('first');
  changeB(later());
  expect(load().word).toBe('other');
});

test('an unchanged file (same size and mtime) is served from the cache, its source not read again', () => {
  // A whole second, which utimes sets exactly (a written file's mtime has nanoseconds).
  const stamp = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
  fs.utimesSync(fileB(), stamp, stamp);
  expect(load().word).toBe('first');
  // The same length, the mtime put back: what identifies a file for the cache, as for its code.
  changeB(stamp);
  expect(load().word).toBe('first');
});

test('a process that saves again (packages first required later, as by an invocation) keeps every entry true', () => {
  expect(load().word).toBe('first');
  // b changes; d is first required after the process saved once.
  changeB(later());
  writePackage('d', { 'index.js': "exports.word = 'later';\n" });
  expect(load({ PROBE_STEPS: 'b,save,d,save' })).toEqual({ b: 'other', d: 'later' });
  // A new process loads a, b and d from what the second save wrote.
  expect(load({ PROBE_STEPS: 'report,d' })).toEqual(expect.objectContaining({ word: 'other', d: 'later' }));
});

test('a reinstalled node_modules drops the cached lookups', () => {
  expect(load().resolved).toBe(path.join(nodeModules, 'b', 'index.js'));
  // npm moves b to another main file and rewrites its lockfile.
  writePackage('b', {
    'package.json': '{"name":"b","version":"2.0.0","main":"main.js"}',
    'main.js': "exports.word = 'moved';\nexports.fail = () => { throw new Error('b failed'); };\n",
  });
  fs.rmSync(path.join(nodeModules, 'b', 'index.js'));
  fs.writeFileSync(path.join(nodeModules, '.package-lock.json'), '{"lockfileVersion":3,"v":2}');
  const after = load();
  expect(after.word).toBe('moved');
  expect(after.resolved).toBe(path.join(nodeModules, 'b', 'main.js'));
});

test('PAYKIT_SANDBOX_MODULE_CACHE=0 keeps no cache, and without npm’s lockfile there is none', () => {
  expect(load({ PAYKIT_SANDBOX_MODULE_CACHE: '0' }).word).toBe('first');
  expect(fs.existsSync(cacheFile())).toBe(false);
  fs.rmSync(path.join(nodeModules, '.package-lock.json'));
  expect(load().word).toBe('first');
  expect(fs.existsSync(cacheFile())).toBe(false);
});
