// Page titles have one owner, paykit/strings.ts (`pageTitleText`), like every other text a person sees:
// the kit's page .json carry none, and the build writes each page's navigationBarTitleText into its
// .json in dist/miniprogram, the folder DevTools and miniprogram-ci open (project.config.json's
// miniprogramRoot); build/integrate.ts does the same for the sources a TypeScript host copies. An
// English build stays one file away. No esbuild here: integrate.ts also runs where it cannot load.
import type { BuildOptions } from 'esbuild';
import * as fs from 'fs';
import * as path from 'path';
import * as vm from 'vm';
import { BuildError } from './context';

/** The strings module, relative to miniprogram/. */
export const STRINGS = 'paykit/strings.ts';
export const TITLE_KEY = 'navigationBarTitleText';

/** How the strings module is compiled for pageTitlesIn: one CommonJS file, in memory. */
export const STRINGS_BUILD = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  write: false,
  logLevel: 'silent',
} as const satisfies BuildOptions;

/**
 * `pageTitleText` (page path → title) of the strings module compiled to CommonJS (it imports only
 * types). Refuses a title that is not text: the build does not type-check, so a misspelt reference
 * (`shopText.titel`) is undefined here, and the page would lose its title without a word.
 */
export function pageTitlesIn(compiled: string): Record<string, string> {
  const module = { exports: {} as { pageTitleText?: Record<string, unknown> } };
  vm.runInNewContext(compiled, { module, exports: module.exports }, { filename: STRINGS });
  const titles = module.exports.pageTitleText ?? {};
  for (const [page, title] of Object.entries(titles)) {
    if (typeof title !== 'string')
      throw new BuildError(
        `pageTitleText in ${STRINGS} gives ${page} ${title === undefined ? 'undefined' : JSON.stringify(title)}, not a title`,
      );
  }
  return titles as Record<string, string>;
}

/**
 * The .json of `page` (relative to `mpDir`, without extension) with its title first, or undefined
 * when the folder has no such page (a host app without the demo shop). Refuses a title of the
 * json's own that is not this one: it would show instead of strings.ts's.
 */
export function titledPageJson(mpDir: string, page: string, title: string): string | undefined {
  const file = path.join(mpDir, `${page}.json`);
  if (!fs.existsSync(file)) return undefined;
  const where = `${path.basename(mpDir)}/${page}.json`;
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new BuildError(`${where} is not valid JSON: ${(err as Error).message}`);
  }
  if (TITLE_KEY in json && json[TITLE_KEY] !== title)
    throw new BuildError(
      `${where} sets ${TITLE_KEY} ${JSON.stringify(json[TITLE_KEY])}, but pageTitleText in ${STRINGS} says ${JSON.stringify(title)}: remove it from the json (the build writes it)`,
    );
  return `${JSON.stringify({ [TITLE_KEY]: title, ...json }, null, 2)}\n`;
}
