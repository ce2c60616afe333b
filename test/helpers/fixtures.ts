/**
 * Builds the fixture cloud functions in test/fixtures/functions (a user's own functions, not the
 * kit's) the way a developer would deploy them: one CommonJS index.js per folder, wx-server-sdk
 * left to the runtime.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { esbuild } from './esbuild';

const FIXTURES = path.resolve(__dirname, '../fixtures/functions');

/** Builds the named fixtures (all of them by default) into a fresh folder and returns it. */
export function buildFixtureFunctions(names: string[] = fs.readdirSync(FIXTURES)): string {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-fixture-fns-'));
  esbuild(
    [
      ...names.map((name) => path.join(FIXTURES, name, 'index.ts')),
      // <out>/<name>/index.js, each fixture bundled on its own.
      `--outdir=${out}`,
      `--outbase=${FIXTURES}`,
      '--bundle',
      '--platform=node',
      '--target=node16',
      '--format=cjs',
      '--external:wx-server-sdk',
    ],
    `could not build the fixture functions ${names.join(', ')}`,
  );
  for (const name of names) {
    const dir = path.join(FIXTURES, name);
    for (const file of ['config.json', 'package.json']) {
      if (fs.existsSync(path.join(dir, file)))
        fs.copyFileSync(path.join(dir, file), path.join(out, name, file));
    }
  }
  return out;
}
