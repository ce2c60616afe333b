/**
 * The mini-program side of the kit: what it adds to the main package (its own files plus the vant
 * files it reaches, followed from app.json by the upload walker, build/ci-walk.ts), the vant copy the
 * build makes (only what is reached) against the whole of vant, and the setData bytes per page of 20
 * orders the orders list sends while loading 5 pages (from a recorded run of the list page suite,
 * which wraps the page's setData).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { walkMiniprogram } from '../build/ci-walk';
import { bytes, withTarget } from './stats';

const ROOT = path.resolve(__dirname, '..');
const MP = path.join(ROOT, 'dist/miniprogram');
const VANT_COPY = path.join(MP, 'miniprogram_npm/@vant/weapp');
const VANT_LIB = path.join(ROOT, 'node_modules/@vant/weapp/lib');
/** WeChat's limit for a mini-program's main package. */
const MAIN_PACKAGE_LIMIT = 2 * 1024 * 1024;

/** Files under `dir` (posix, relative), with their total size. */
function tree(dir: string, skip: (rel: string) => boolean = () => false): { files: string[]; size: number } {
  const files = (fs.readdirSync(dir, { recursive: true }) as string[])
    .map((rel) => rel.split(path.sep).join('/'))
    .filter((rel) => !skip(rel) && fs.statSync(path.join(dir, rel)).isFile());
  return { files, size: files.reduce((sum, rel) => sum + fs.statSync(path.join(dir, rel)).size, 0) };
}

/** Component folders among `files`: those with an index.json. */
const componentsOf = (files: string[]): string[] =>
  files.filter((f) => /^[^/]+\/index\.json$/.test(f)).map((f) => f.split('/')[0]);

/** The kit's own files and the vant files reachable from app.json (what the kit really ships). */
export function kitFootprint(): {
  own: number;
  ownFiles: number;
  vant: number;
  vantFiles: number;
  components: string[];
} {
  const own = tree(MP, (rel) => rel.startsWith('miniprogram_npm/'));
  const npm = 'miniprogram_npm/@vant/weapp/';
  const vantFiles = [...walkMiniprogram(MP).used]
    .filter((f) => f.startsWith(npm))
    .map((f) => f.slice(npm.length));
  return {
    own: own.size,
    ownFiles: own.files.length,
    vant: vantFiles.reduce((sum, f) => sum + fs.statSync(path.join(VANT_COPY, f)).size, 0),
    vantFiles: vantFiles.length,
    components: componentsOf(vantFiles).sort(),
  };
}

interface SetDataReport {
  pageBytes: number[];
  totalBytes: number;
}

/** Runs the list page's 5-page test with recording on and reads what it measured. */
function recordListRun(): SetDataReport {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-bench-'));
  const out = path.join(dir, 'setdata.json');
  try {
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
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchMiniprogram(): Promise<void> {
  if (!fs.existsSync(MP)) throw new Error('dist/miniprogram is missing: run npm run build');
  const size = kitFootprint();
  const whole = tree(VANT_LIB);
  const copy = tree(VANT_COPY);
  const copied = componentsOf(copy.files);
  console.log(
    withTarget(
      `kit's own files (dist/miniprogram, no miniprogram_npm): ${bytes(size.own)} in ${size.ownFiles} files`,
      '(no target)',
    ),
  );
  console.log(
    withTarget(
      `vant files it reaches (${size.components.length} components): ${bytes(size.vant)} in ${size.vantFiles} files: ` +
        size.components.join(', '),
      'all of them copied, nothing else',
      size.vantFiles === copy.files.length,
    ),
  );
  console.log(
    withTarget(
      `vant copied into dist, before pruning (all of vant): ${componentsOf(whole.files).length} components, ` +
        `${bytes(whole.size)} in ${whole.files.length} files`,
      'the old copy: no target',
    ),
  );
  console.log(
    withTarget(
      `vant copied into dist, now: ${copied.length} components, ${bytes(copy.size)} in ${copy.files.length} files`,
      `only the ${size.components.length} reachable components and their dependencies`,
      copied.join() === size.components.join() && copy.files.length === size.vantFiles,
    ),
  );
  const main = size.own + size.vant;
  console.log(
    withTarget(
      `kit in the main package:                ${bytes(main)}`,
      `≤ ${bytes(MAIN_PACKAGE_LIMIT)} (WeChat's main package limit)`,
      main <= MAIN_PACKAGE_LIMIT,
    ),
  );

  const run = recordListRun();
  console.log(
    withTarget(
      `orders list setData bytes, pages 1–5 of 20 rows: ${run.pageBytes.join(', ')}`,
      'each page < 1.5 × page 1 (no row sent twice)',
      run.pageBytes.every((b) => b < run.pageBytes[0] * 1.5),
    ),
  );
  const perRow = run.pageBytes.map((b) => Math.round(b / 20));
  console.log(
    withTarget(`  per row: ${perRow.join(', ')} B; all 5 pages: ${bytes(run.totalBytes)}`, '(no target)'),
  );
}
