// The kit's own part of dist/miniprogram (miniprogram_npm is build/npm.ts): its TypeScript compiled file
// by file to CJS (no bundling: require('@vant/weapp/...') must stay so the mini-program resolves it from
// miniprogram_npm, and relative requires stay relative), and its templates, styles, json and images
// copied unchanged.
import * as esbuild from 'esbuild';
import * as fs from 'fs';
import * as path from 'path';
import {
  BuildError,
  type BuildContext,
  findRequires,
  isInside,
  isKitScript,
  isRelative,
  listFiles,
  paths,
  readJsonOr,
  rel,
  writeFile,
  ASSET_EXTS,
} from './context';
import { dest, src } from 'gulp';
import { finished } from 'stream/promises';
import { MP_NPM_PACKAGES, packageInfo } from './npm';
import { type AppJson, registeredPages } from './integrate-check';
import { pageTitlesIn, STRINGS, STRINGS_BUILD, TITLE_KEY, titledPageJson } from './page-titles';

export const MP_TARGET = 'es2017';

/** Every kit .ts under miniprogram/ (not .d.ts, not miniprogram_npm), relative to miniprogram/. */
export function listScripts(ctx: BuildContext): string[] {
  return listFiles(paths.mpSrc(ctx), isKitScript);
}

/**
 * Compiles `files` (relative to miniprogram/; all of them by default). Nothing is written if any
 * output would require something the mini-program cannot load.
 */
export async function compileScripts(ctx: BuildContext, files = listScripts(ctx)): Promise<string[]> {
  if (files.length === 0) return [];
  const src = paths.mpSrc(ctx);
  const out = paths.mpOut(ctx);
  const tsconfig = path.join(ctx.root, 'tsconfig.json');
  const result = await esbuild
    .build({
      entryPoints: files.map((f) => path.join(src, f)),
      outdir: out,
      outbase: src,
      bundle: false,
      format: 'cjs',
      platform: 'neutral',
      target: MP_TARGET,
      charset: 'utf8',
      absWorkingDir: ctx.root,
      write: false,
      logLevel: 'silent',
      ...(fs.existsSync(tsconfig) ? { tsconfig } : {}),
    })
    .catch((err: unknown) => {
      throw esbuildFailure(err);
    });
  const problems = result.outputFiles.flatMap((f) => checkMiniprogramRequires(ctx, f.path, f.text));
  if (problems.length)
    throw new BuildError(
      `mini-program scripts require what the mini-program cannot load:\n${problems.join('\n')}`,
    );
  for (const f of result.outputFiles) writeFile(f.path, f.contents);
  return result.outputFiles.map((f) => f.path);
}

/**
 * A compiled mini-program file may require (a) a relative path that stays inside dist/miniprogram and
 * (b) a package copied into miniprogram_npm, at a path that exists in it. Anything else (node
 * built-ins, typings/, cloud code) fails at runtime in WeChat, so it fails the build here.
 */
export function checkMiniprogramRequires(ctx: BuildContext, outFile: string, code: string): string[] {
  const out = paths.mpOut(ctx);
  const where = rel(ctx, path.join(paths.mpSrc(ctx), path.relative(out, outFile))).replace(/\.js$/, '.ts');
  const problems: string[] = [];
  for (const spec of findRequires(code)) {
    if (isRelative(spec) || spec.startsWith('/')) {
      const target = spec.startsWith('/') ? path.join(out, spec) : path.resolve(path.dirname(outFile), spec);
      if (!isInside(out, target)) problems.push(`  ${where}: require("${spec}") leaves dist/miniprogram`);
      continue;
    }
    const pkg = MP_NPM_PACKAGES.find((p) => spec === p || spec.startsWith(`${p}/`));
    if (!pkg) {
      problems.push(
        `  ${where}: require("${spec}") is not a miniprogram_npm package (${MP_NPM_PACKAGES.join(', ')})`,
      );
    } else if (!npmModuleExists(ctx, pkg, spec.slice(pkg.length + 1))) {
      problems.push(`  ${where}: require("${spec}") does not exist in miniprogram_npm/${pkg}`);
    }
  }
  return problems;
}

/** Resolves like the mini-program runtime: `<sub>`, `<sub>.js` or `<sub>/index.js` in the package's copy. */
function npmModuleExists(ctx: BuildContext, pkg: string, sub: string): boolean {
  const base = path.join(packageInfo(ctx, pkg).libDir, sub);
  return ['', '.js', '/index.js'].some((ext) => fs.statSync(base + ext, { throwIfNoEntry: false })?.isFile());
}

/** Removes the output of a deleted source file (watch). */
export function removeScriptOutput(ctx: BuildContext, file: string): void {
  fs.rmSync(path.join(paths.mpOut(ctx), file.replace(/\.ts$/, '.js')), { force: true });
}

/** esbuild's own failure, reduced to "file:line:col: message" lines. */
export function esbuildFailure(err: unknown): Error {
  const failure = err as Partial<esbuild.BuildFailure>;
  if (!Array.isArray(failure.errors)) return err instanceof Error ? err : new Error(String(err));
  const lines = failure.errors.map((m) =>
    m.location
      ? `  ${m.location.file}:${m.location.line}:${m.location.column + 1}: ${m.text}`
      : `  ${m.text}`,
  );
  return new BuildError(`esbuild failed:\n${lines.join('\n')}`);
}

// Templates, styles, json, wxs and images: copied unchanged.
const ASSET_GLOB = `**/*.{${ASSET_EXTS.map((e) => e.slice(1)).join(',')}}`;

/**
 * Copies every kit asset. gulp 5's src() decodes files as utf8 unless encoding is false, which
 * corrupts images, so it is off.
 */
export async function copyAssets(ctx: BuildContext): Promise<void> {
  const stream = src([ASSET_GLOB, '!miniprogram_npm/**', '!**/node_modules/**'], {
    cwd: paths.mpSrc(ctx),
    encoding: false,
    allowEmpty: true,
  }).pipe(dest(paths.mpOut(ctx)));
  await finished(stream);
}

/** Copies (or, when the source is gone, removes) one asset, relative to miniprogram/ (watch). */
export function syncAsset(ctx: BuildContext, file: string): 'copied' | 'removed' {
  const from = path.join(paths.mpSrc(ctx), file);
  const to = path.join(paths.mpOut(ctx), file);
  if (!fs.existsSync(from)) {
    fs.rmSync(to, { force: true });
    return 'removed';
  }
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(from, to);
  return 'copied';
}

/**
 * Writes each page's .json into dist/miniprogram with the title paykit/strings.ts gives it, after the
 * assets were copied untitled (build/page-titles.ts). The strings module is read afresh: a watch run
 * sees its edits. Nothing is written if any page json is refused.
 */
export function writePageTitles(ctx: BuildContext): number {
  const mpDir = paths.mpSrc(ctx);
  const strings = path.join(mpDir, STRINGS);
  if (!fs.existsSync(strings)) return 0;
  let compiled: string;
  try {
    compiled = esbuild.buildSync({ ...STRINGS_BUILD, entryPoints: [strings] }).outputFiles[0].text;
  } catch (err) {
    throw esbuildFailure(err);
  }
  const titles = pageTitlesIn(compiled);
  const pages = Object.entries(titles).flatMap(([page, title]) => {
    const json = titledPageJson(mpDir, page, title);
    return json === undefined ? [] : [{ page, json }];
  });
  for (const { page, json } of pages) writeFile(path.join(paths.mpOut(ctx), `${page}.json`), json);
  for (const page of untitledPages(mpDir, titles))
    ctx.warn(
      `${page} has no title: its navigation bar would be empty; give it one in pageTitleText (${STRINGS})`,
    );
  return pages.length;
}

/**
 * The pages app.json registers (its subpackages' too) that nothing gives a title: none in
 * pageTitleText, none in their own json, none in app.json's window. A page a fork adds and forgets.
 */
function untitledPages(mpDir: string, titles: Record<string, string>): string[] {
  const app = readJsonOr<AppJson & { window?: Record<string, unknown> }>(path.join(mpDir, 'app.json'), {});
  if (typeof app.window?.[TITLE_KEY] === 'string') return [];
  return registeredPages(app).filter((page) => {
    if (page in titles) return false;
    const own = readJsonOr<Record<string, unknown>>(path.join(mpDir, `${page}.json`), {});
    return typeof own[TITLE_KEY] !== 'string';
  });
}
