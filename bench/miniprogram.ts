/**
 * The mini-program side of the kit: what it adds to the main package (its own files plus only the
 * vant files it reaches, followed through usingComponents, require, wxs src and @import), and the
 * setData bytes per page of 20 orders the orders list sends while loading 5 pages (from a recorded
 * run of the list page suite, which wraps the page's setData).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { bytes } from './stats';

const ROOT = path.resolve(__dirname, '..');
const MP = path.join(ROOT, 'dist/miniprogram');
const NPM = path.join(MP, 'miniprogram_npm');
const COMPONENT_EXTS = ['.js', '.json', '.wxml', '.wxss', '.wxs'];

function ownFiles(): string[] {
  return (fs.readdirSync(MP, { recursive: true }) as string[])
    .filter((rel) => !rel.split(path.sep).includes('miniprogram_npm'))
    .map((rel) => path.join(MP, rel))
    .filter((file) => fs.statSync(file).isFile());
}

/** The files a component path (no extension) consists of. */
function componentFiles(base: string): string[] {
  return COMPONENT_EXTS.map((ext) => base + ext).filter((file) => fs.existsSync(file));
}

/** npm-style usingComponents target → its folder in miniprogram_npm (without extension). */
function usingTarget(from: string, target: string): string {
  if (target.startsWith('/')) return path.join(MP, target);
  if (target.startsWith('.')) return path.resolve(path.dirname(from), target);
  return path.join(NPM, target);
}

/** What one file pulls in: components it uses, modules it requires, templates and styles it imports. */
function references(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const dir = path.dirname(file);
  const found: string[] = [];
  const add = (target: string, exts: string[]) => {
    const base = path.resolve(dir, target);
    const hit = [base, ...exts.map((ext) => base + ext)].find(
      (f) => fs.existsSync(f) && fs.statSync(f).isFile(),
    );
    if (hit) found.push(hit);
  };
  switch (path.extname(file)) {
    case '.json': {
      const using = (JSON.parse(text) as { usingComponents?: Record<string, string> }).usingComponents ?? {};
      for (const target of Object.values(using)) found.push(...componentFiles(usingTarget(file, target)));
      break;
    }
    case '.js':
    case '.wxs':
      for (const m of text.matchAll(/require\(\s*['"]([^'"]+)['"]\s*\)/g)) {
        if (m[1].startsWith('.')) add(m[1], ['.js', '.wxs']);
      }
      break;
    case '.wxml':
      for (const m of text.matchAll(/<(?:wxs|import|include)[^>]*\ssrc=["']([^"']+)["']/g))
        add(m[1], ['.wxml']);
      break;
    case '.wxss':
      for (const m of text.matchAll(/@import\s+['"]([^'"]+)['"]/g)) add(m[1], ['.wxss']);
      break;
  }
  return found;
}

/** Every file reachable from the kit's own files; the vant part is what the kit really ships. */
export function kitFootprint(): {
  own: number;
  ownFiles: number;
  vant: number;
  vantFiles: number;
  components: string[];
} {
  const own = ownFiles();
  const seen = new Set<string>(own);
  const queue = [...own];
  while (queue.length) {
    for (const ref of references(queue.pop()!)) {
      if (!seen.has(ref)) {
        seen.add(ref);
        queue.push(ref);
      }
    }
  }
  const vantFiles = [...seen].filter((file) => file.startsWith(NPM + path.sep));
  const components = [
    ...new Set(vantFiles.filter((f) => f.endsWith('index.json')).map((f) => path.basename(path.dirname(f)))),
  ].sort();
  const size = (files: string[]) => files.reduce((sum, f) => sum + fs.statSync(f).size, 0);
  return {
    own: size(own),
    ownFiles: own.length,
    vant: size(vantFiles),
    vantFiles: vantFiles.length,
    components,
  };
}

interface SetDataReport {
  pageBytes: number[];
  totalBytes: number;
}

/** Runs the list page's 5-page test with recording on and reads what it measured. */
function recordListRun(): SetDataReport {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-bench-')), 'setdata.json');
  const jest = path.join(ROOT, 'node_modules/.bin/jest');
  const res = spawnSync(jest, ['test/miniprogram/pages/orders-list.test.ts', '-t', 'loads 5 pages of 20'], {
    cwd: ROOT,
    env: { ...process.env, PAYKIT_SETDATA_REPORT: out },
    encoding: 'utf8',
  });
  if (res.status !== 0 || !fs.existsSync(out)) {
    throw new Error(`the orders list run failed:\n${res.stdout}\n${res.stderr}`);
  }
  return JSON.parse(fs.readFileSync(out, 'utf8')) as SetDataReport;
}

export async function benchMiniprogram(): Promise<void> {
  if (!fs.existsSync(MP)) throw new Error('dist/miniprogram is missing: run npm run build');
  const size = kitFootprint();
  console.log(
    `kit's own files (dist/miniprogram, no miniprogram_npm): ${bytes(size.own)} in ${size.ownFiles} files`,
  );
  console.log(
    `vant files it reaches (${size.components.length} components): ${bytes(size.vant)} in ${size.vantFiles} files`,
  );
  console.log(`  ${size.components.join(', ')}`);
  console.log(`kit in the main package:                ${bytes(size.own + size.vant)}`);

  const run = recordListRun();
  console.log(`orders list setData bytes, pages 1–5 of 20 rows: ${run.pageBytes.join(', ')}`);
  const perRow = run.pageBytes.map((b) => Math.round(b / 20));
  console.log(`  per row: ${perRow.join(', ')} B; all 5 pages: ${bytes(run.totalBytes)} (no row sent twice)`);
}
