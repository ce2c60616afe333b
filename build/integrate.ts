// Adds the kit to an existing mini-program project: the copy and merge steps of docs/integrate.md,
// done the same way every time. Everything here can be done by hand; this only makes it repeatable.
//
//   node -r esbuild-register build/integrate.ts <app-root> [--no-admin] [--subpackages] [--overwrite] [--js|--ts]
//   node -r esbuild-register build/integrate.ts <app-root> --check [--js|--ts]
//
// A TypeScript host (app.ts) gets the kit's .ts sources and typings/paykit; a JavaScript host (app.js,
// or --js) gets the compiled .js from the kit's dist/miniprogram (run npm run build first).
import * as fs from 'fs';
import { createRequire } from 'module';
import * as path from 'path';
import { allFiles, BuildError, CLOUD, MERCHANT_HOOKS, MP, posixRelative, readJson, SECRETS } from './context';
import { bundleWithHooks, esbuildSync, hooksApiFor } from './integrate-hooks';
import { pageTitlesIn, STRINGS, STRINGS_BUILD, titledPageJson } from './page-titles';
import {
  appCallsConfigure,
  appScriptName,
  checkIntegration,
  hostPackageJson,
  KIT_ADMIN_PART,
  KIT_MP_PARTS,
  KIT_PAGES,
  paykitOptionsName,
  readHostLayout,
  type HostLanguage,
  type HostLayout,
} from './integrate-check';

/** The kit's runtime npm dependency (DevTools: 工具 → 构建 npm copies it into miniprogram_npm). */
export const VANT = '@vant/weapp';

export interface IntegrateOptions {
  /** The kit's repository root (holds miniprogram/, typings/paykit and, once built, dist/cloudfunctions). */
  kitRoot: string;
  /** The host project's root (holds its project.config.json). */
  appRoot: string;
  /** Also add pages/admin: bills (merchant bills and reconciliation) and to-ship (shipping paid orders). Default true. */
  admin?: boolean;
  /** Register the kit's pages as subpackages instead of main-package pages. Default false. */
  subpackages?: boolean;
  /** Replace files of an earlier copy that differ (upgrading the kit). Default false: differing files stop it. */
  overwrite?: boolean;
  /** Also copy the built functions into the host's cloudfunctionRoot. Default true. */
  functions?: boolean;
  /** What paykit-options is created with (never overwritten). Default `{ mode: 'cloud', env: '' }`. */
  paykitOptions?: { mode?: 'cloud' | 'local'; env?: string; gatewayUrl?: string };
  /** The host's script language. Default: TypeScript when its mini-program has app.ts, else JavaScript. */
  language?: HostLanguage;
}

export interface IntegrateResult {
  /** The language the kit was added in. */
  language: HostLanguage;
  /** Files written (new, or replaced with --overwrite), relative to the app root (posix). */
  copied: string[];
  /** Files of the kit already there with the same contents, left alone. */
  unchanged: string[];
  /** Host files created or edited: app.json, project.config.json, package.json. */
  edited: string[];
  /**
   * The merchant's secrets (the APIv3 private key from the kit's secrets/) copied into the host's
   * functions, relative to the app root: git-ignored there through the host's .gitignore.
   */
  secrets: string[];
  /** Pages added to app.json (full page paths). */
  pagesAdded: string[];
  /** What is left to do by hand, in order. */
  todo: string[];
}

interface CopyPlan {
  /** The file to copy, or the bytes to write (the hooks API compiled for a JavaScript host). */
  from: string | Buffer;
  to: string;
  /** The destination already holds exactly this file. */
  same: boolean;
}

/**
 * Source → destination for every file of `fromDir`, refusing destinations that differ (unless
 * overwrite). `contents` may give a file's bytes instead of its source (by its path in `fromDir`).
 */
function plan(
  fromDir: string,
  toDir: string,
  appRoot: string,
  overwrite: boolean,
  conflicts: string[],
  contents: (file: string) => Buffer | undefined = () => undefined,
) {
  return allFiles(fromDir).map((f) =>
    planFile(contents(f) ?? path.join(fromDir, f), path.join(toDir, f), appRoot, overwrite, conflicts),
  );
}

/**
 * A TypeScript host gets the kit's sources, whose page .json carry no title: each is written with
 * the title the kit's build gives it (build/page-titles.ts). A JavaScript host's copy of the build
 * has them already, so it gets no titles here.
 */
function kitPageTitles(kitRoot: string, language: HostLanguage): Record<string, string> {
  if (language === 'js') return {};
  const strings = path.join(kitRoot, MP, STRINGS);
  const compiled = esbuildSync(
    kitRoot,
    { ...STRINGS_BUILD, entryPoints: [strings] },
    `compiling ${MP}/${STRINGS}`,
  );
  return pageTitlesIn(compiled.toString('utf8'));
}

/** The bytes of a titled page json of `part` (by its path in the part), else undefined: copied as is. */
function titledJsonOf(kitMp: string, part: string, titles: Record<string, string>) {
  return (file: string): Buffer | undefined => {
    const page = `${part}/${file}`.replace(/\.json$/, '');
    const titled =
      file.endsWith('.json') && titles[page] !== undefined
        ? titledPageJson(kitMp, page, titles[page])
        : undefined;
    return titled === undefined ? undefined : Buffer.from(titled);
  };
}

function planFile(
  from: string | Buffer,
  to: string,
  appRoot: string,
  overwrite: boolean,
  conflicts: string[],
): CopyPlan {
  const existing = fs.existsSync(to) ? fs.readFileSync(to) : undefined;
  const same =
    existing !== undefined && existing.equals(typeof from === 'string' ? fs.readFileSync(from) : from);
  if (existing && !same && !overwrite) conflicts.push(posixRelative(appRoot, to));
  return { from, to, same };
}

const writeJson = (file: string, value: unknown) =>
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);

interface AppJson {
  pages?: string[];
  subPackages?: Array<{ root: string; pages: string[]; name?: string }>;
  subpackages?: Array<{ root: string; pages: string[]; name?: string }>;
}

/** Registers the kit's pages in app.json; the host's pages keep their order (the first stays the home page). */
export function registerPages(appJsonFile: string, roots: string[], subpackages: boolean): string[] {
  const app = readJson<AppJson>(appJsonFile);
  const main = (app.pages ??= []);
  const subKey = app.subpackages && !app.subPackages ? 'subpackages' : 'subPackages';
  const subs = app[subKey] ?? [];
  const registered = new Set([...main, ...subs.flatMap((s) => s.pages.map((p) => `${s.root}/${p}`))]);
  const added: string[] = [];
  for (const root of roots) {
    for (const page of KIT_PAGES[root]) {
      const full = `${root}/${page}`;
      if (registered.has(full)) continue;
      if (subpackages) {
        let sub = subs.find((s) => s.root.replace(/\/+$/, '') === root);
        if (!sub) subs.push((sub = { root, pages: [] }));
        sub.pages.push(page);
      } else {
        main.push(full);
      }
      added.push(full);
    }
  }
  if (subs.length) app[subKey] = subs;
  if (added.length) writeJson(appJsonFile, app);
  return added;
}

/** paykit-options.ts as the kit's own, with the given values; paykit-options.js (CommonJS) for a JavaScript host. */
export function paykitOptionsSource(
  opts: IntegrateOptions['paykitOptions'] = {},
  language: HostLanguage = 'ts',
): string {
  const fields = [
    `  mode: '${opts.mode ?? 'cloud'}',`,
    `  env: '${opts.env ?? ''}',`,
    ...(opts.gatewayUrl ? [`  gatewayUrl: '${opts.gatewayUrl}',`] : []),
  ];
  if (language === 'js') {
    return [
      "// How this mini-program reaches weapp-paykit. cloud: your cloud environment (env id, or '' for",
      "// the default). local: a running sandbox (npm start in the kit), e.g. mode: 'local',",
      "// gatewayUrl: 'http://127.0.0.1:7788', with DevTools' 不校验合法域名 ticked. All options: the kit's",
      '// docs/miniprogram.md#setup.',
      'const paykitOptions = {',
      ...fields,
      '};',
      '',
      'module.exports = { paykitOptions };',
      '',
    ].join('\n');
  }
  return [
    "// How this mini-program reaches weapp-paykit. cloud: your cloud environment (env id, or '' for",
    "// the default). local: a running sandbox (npm start in the kit), e.g. mode: 'local',",
    "// gatewayUrl: 'http://127.0.0.1:7788', with DevTools' 不校验合法域名 ticked.",
    "import type { PaykitConfigInput } from './paykit/config';",
    '',
    'export const paykitOptions: PaykitConfigInput = {',
    ...fields,
    '};',
    '',
  ].join('\n');
}

/**
 * project.config.json: a cloudfunctionRoot, and 构建 npm pointed at `pkgFile` when it sits outside the
 * mini-program folder (inside it, 构建 npm finds it by itself).
 */
function configureProject(layout: HostLayout, pkgFile: string, todo: string[]): boolean {
  const config = readJson<Record<string, unknown>>(layout.projectConfigFile);
  let changed = false;
  if (!config.cloudfunctionRoot) {
    config.cloudfunctionRoot = `${CLOUD}/`;
    changed = true;
  }
  const setting = (config.setting ?? {}) as Record<string, unknown>;
  const pkgInsideMp = path.dirname(pkgFile) === layout.mpRoot;
  if (!pkgInsideMp && !setting.packNpmManually) {
    const mpDir = `./${posixRelative(layout.appRoot, layout.mpRoot)}/`;
    setting.packNpmManually = true;
    const pkgPath = `./${posixRelative(layout.appRoot, pkgFile)}`;
    setting.packNpmRelationList = [{ packageJsonPath: pkgPath, miniprogramNpmDistDir: mpDir }];
    config.setting = setting;
    changed = true;
    todo.push(`project.config.json: 构建 npm now writes ${mpDir}miniprogram_npm (packNpmRelationList)`);
  }
  if (changed) writeJson(layout.projectConfigFile, config);
  return changed;
}

/** The kit's version of @vant/weapp, as its package.json depends on it. */
function vantSpec(kitRoot: string): string {
  const kitPkg = readJson<{ dependencies?: Record<string, string> }>(path.join(kitRoot, 'package.json'));
  return kitPkg.dependencies?.[VANT] ?? '^1.11.7';
}

/** A package name npm accepts, from the host's folder name. */
function packageName(appRoot: string): string {
  const name = path
    .basename(appRoot)
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+|-+$/g, '');
  return name || 'mini-program';
}

/**
 * The host's package.json with @vant/weapp in its dependencies. A host without one gets one at its
 * project root (what `npm init -y && npm install @vant/weapp` would start), so that 构建 npm has
 * something to build from; `edited` names it when it was created or changed.
 */
function ensureVantDependency(layout: HostLayout, kitRoot: string, edited: string[]): string {
  const existing = hostPackageJson(layout);
  const pkgFile = existing ?? path.join(layout.appRoot, 'package.json');
  const pkg: { dependencies?: Record<string, string>; [key: string]: unknown } = existing
    ? readJson<{ dependencies?: Record<string, string> }>(pkgFile)
    : { name: packageName(layout.appRoot), version: '1.0.0', private: true };
  if (!existing || !pkg.dependencies?.[VANT]) {
    pkg.dependencies = { ...pkg.dependencies, [VANT]: vantSpec(kitRoot) };
    writeJson(pkgFile, pkg);
    edited.push(posixRelative(layout.appRoot, pkgFile));
  }
  return pkgFile;
}

/** Where the kit's mini-program files come from: its sources for TypeScript, its build for JavaScript. */
function kitMiniprogramFor(kitRoot: string, language: HostLanguage): string {
  if (language === 'ts') return path.join(kitRoot, MP);
  const built = path.join(kitRoot, 'dist', MP);
  if (!fs.existsSync(path.join(built, 'paykit/index.js')))
    throw new BuildError(
      `${built} is missing: run npm run build in the kit first (a JavaScript mini-program gets the kit compiled to .js)`,
    );
  return built;
}

/** The to-do for the app script, in the host's own language. */
function appScriptTodo(appName: string, language: HostLanguage): string {
  const how =
    language === 'ts'
      ? "import { configurePaykit } from './paykit/config' and { paykitOptions } from './paykit-options'"
      : "const { configurePaykit } = require('./paykit/config') and const { paykitOptions } = require('./paykit-options')";
  return `${appName}: ${how}; call configurePaykit(paykitOptions) (and wx.cloud.init in cloud mode) in onLaunch, see docs/integrate.md step 4`;
}

/**
 * Copies the kit's mini-program parts (sources and typings for a TypeScript host, the compiled .js
 * for a JavaScript one) and built functions into the host project, registers the pages in app.json,
 * adds @vant/weapp to package.json (creating it if the host has none) and creates paykit-options.
 * Nothing is written when a file would replace a different one (pass overwrite to upgrade); files
 * already identical are left alone and reported as unchanged.
 */
export function integrateKit(opts: IntegrateOptions): IntegrateResult {
  const kitRoot = path.resolve(opts.kitRoot);
  const layout = readHostLayout(opts.appRoot, opts.language);
  const { appRoot, mpRoot, language } = layout;
  const admin = opts.admin ?? true;
  const withFunctions = opts.functions ?? true;
  const overwrite = opts.overwrite ?? false;
  const kitMp = kitMiniprogramFor(kitRoot, language);
  const typingsTo = path.join(path.dirname(mpRoot), 'typings/paykit');
  if (language === 'ts' && path.relative(appRoot, typingsTo).startsWith('..')) {
    throw new BuildError(
      "miniprogramRoot is the project root: move the mini-program into a folder (e.g. miniprogram/), as DevTools' TypeScript template does, so typings/ can sit beside it",
    );
  }
  const parts = admin ? [...KIT_MP_PARTS, KIT_ADMIN_PART] : KIT_MP_PARTS;
  const conflicts: string[] = [];
  const copies: CopyPlan[] = [];
  const titles = kitPageTitles(kitRoot, language);
  for (const part of parts) {
    const titled = titledJsonOf(kitMp, part, titles);
    copies.push(
      ...plan(path.join(kitMp, part), path.join(mpRoot, part), appRoot, overwrite, conflicts, titled),
    );
  }
  // Type-only: a JavaScript host has no use for them.
  if (language === 'ts')
    copies.push(...plan(path.join(kitRoot, 'typings/paykit'), typingsTo, appRoot, overwrite, conflicts));
  // The merchant's own hooks (merchant/hooks.ts or .js): the kit never writes them; its functions are
  // bundled again with them instead of copied, as the kit's build does in its own repository.
  const hooks = MERCHANT_HOOKS.map((f) => path.join(appRoot, f)).find((f) => fs.existsSync(f));
  const hooksApi = path.join(
    appRoot,
    'merchant',
    language === 'ts' ? 'paykit-hooks-api.ts' : 'paykit-hooks-api.js',
  );
  copies.push(planFile(hooksApiFor(kitRoot, language), hooksApi, appRoot, overwrite, conflicts));
  if (withFunctions) {
    const built = path.join(kitRoot, 'dist', CLOUD);
    if (!fs.existsSync(built))
      throw new BuildError(`${built} is missing: run npm run build in the kit first`);
    const functionCopies = plan(built, layout.cloudRoot, appRoot, overwrite, conflicts);
    copies.push(
      ...(hooks ? functionCopies.filter((c) => path.basename(c.to) !== 'index.js') : functionCopies),
    );
  }
  if (conflicts.length) {
    throw new BuildError(
      `these files already exist with other contents (yours, or an older kit: pass --overwrite to replace them):\n${conflicts.map((c) => `  ${c}`).join('\n')}`,
    );
  }
  const edited: string[] = [];
  const secrets = copies
    .map((c) => posixRelative(appRoot, c.to))
    .filter((f) => f.split('/').includes(SECRETS));
  // Before the key is written: a host whose git would pick it up never holds it un-ignored.
  if (secrets.length && ignoreSecrets(appRoot, layout.cloudRoot)) edited.push('.gitignore');
  const written = copies.filter((c) => !c.same);
  for (const c of written) {
    fs.mkdirSync(path.dirname(c.to), { recursive: true });
    if (typeof c.from === 'string') fs.copyFileSync(c.from, c.to);
    else fs.writeFileSync(c.to, c.from);
  }
  const copied = written.map((c) => posixRelative(appRoot, c.to));
  if (withFunctions && hooks) copied.push(...bundleWithHooks(kitRoot, layout.cloudRoot, hooks, appRoot));
  const unchanged = copies.filter((c) => c.same).map((c) => posixRelative(appRoot, c.to));
  const todo: string[] = [];

  const hadPackageJson = hostPackageJson(layout) !== undefined;
  const pkgFile = ensureVantDependency(layout, kitRoot, edited);
  if (configureProject(layout, pkgFile, todo)) edited.push(posixRelative(appRoot, layout.projectConfigFile));

  const roots = Object.keys(KIT_PAGES).filter((root) => admin || root !== KIT_ADMIN_PART);
  const appJsonFile = path.join(mpRoot, 'app.json');
  const pagesAdded = registerPages(appJsonFile, roots, opts.subpackages ?? false);
  if (pagesAdded.length) edited.push(posixRelative(appRoot, appJsonFile));

  const optionsName = paykitOptionsName(layout);
  const optionsFile = path.join(mpRoot, optionsName);
  if (!fs.existsSync(optionsFile)) {
    fs.writeFileSync(optionsFile, paykitOptionsSource(opts.paykitOptions, language));
    copied.push(posixRelative(appRoot, optionsFile));
  }

  const pkgRel = posixRelative(appRoot, pkgFile);
  todo.push(
    hadPackageJson
      ? `npm install (in ${path.dirname(pkgRel) === '.' ? 'the project root' : path.dirname(pkgRel)}), then DevTools 工具 → 构建 npm (${VANT} into miniprogram_npm)`
      : `${pkgRel} was created (the project had none) with ${VANT}: npm install, then DevTools 工具 → 构建 npm`,
    ...(appCallsConfigure(layout) ? [] : [appScriptTodo(appScriptName(layout), language)]),
    `${posixRelative(appRoot, optionsFile)}: your env id (cloud) or the sandbox URL (local)`,
    ...(language === 'ts' && !resolvesFrom(hooksApi, 'wx-server-sdk')
      ? [
          `npm install --save-dev wx-server-sdk in the project root: ${posixRelative(appRoot, hooksApi)} takes its database type from it, and your tsc reads it`,
        ]
      : []),
    `${posixRelative(appRoot, layout.cloudRoot)}: right-click each function → 上传并部署：云端安装依赖, then set each function's environment: PAYKIT_PROVIDER=apiv3 and the APIv3 variables for a new merchant (README, "Going live with APIv3"), or PAYKIT_SUB_MCH_ID for a merchant bound to cloudPay`,
  );
  return { language, copied, unchanged, edited, secrets, pagesAdded, todo };
}

/** Whether `file` would find package `name` (its types included) as Node and tsc resolve it. */
function resolvesFrom(file: string, name: string): boolean {
  try {
    createRequire(file).resolve(`${name}/package.json`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Git-ignores the functions' secrets/ folders in the host (a line in its .gitignore, created if
 * need be): the merchant's private key is copied there to be deployed with each function, and must
 * never reach the host's repository. True when .gitignore was changed.
 */
function ignoreSecrets(appRoot: string, cloudRoot: string): boolean {
  const pattern = `/${posixRelative(appRoot, cloudRoot).replace(/\/$/, '')}/*/${SECRETS}/`;
  const file = path.join(appRoot, '.gitignore');
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  if (text.split(/\r?\n/).includes(pattern)) return false;
  const gap = text && !text.endsWith('\n') ? '\n' : '';
  fs.writeFileSync(
    file,
    `${text}${gap}# The merchant's private key, copied into each function by weapp-paykit\n${pattern}\n`,
  );
  return true;
}

function main(argv: string[]): number {
  const appRoot = argv.find((a) => !a.startsWith('--'));
  const usage =
    'usage: integrate.ts <app-root> [--no-admin] [--subpackages] [--overwrite] [--js|--ts] [--check]';
  const known = ['--no-admin', '--subpackages', '--overwrite', '--js', '--ts', '--check'];
  const unknown = argv.filter((a) => a.startsWith('--') && !known.includes(a));
  if (!appRoot || unknown.length || (argv.includes('--js') && argv.includes('--ts'))) {
    if (unknown.length) console.error(`unknown option ${unknown.join(', ')}`);
    console.error(usage);
    return 2;
  }
  const language: HostLanguage | undefined = argv.includes('--js')
    ? 'js'
    : argv.includes('--ts')
      ? 'ts'
      : undefined;
  if (argv.includes('--check')) {
    const problems = checkIntegration(appRoot, path.resolve(__dirname, '..'), language);
    for (const p of problems) console.log(`- ${p}`);
    console.log(problems.length ? `${problems.length} problem(s)` : 'the kit is wired in');
    return problems.length ? 1 : 0;
  }
  const result = integrateKit({
    kitRoot: path.resolve(__dirname, '..'),
    appRoot,
    admin: !argv.includes('--no-admin'),
    subpackages: argv.includes('--subpackages'),
    overwrite: argv.includes('--overwrite'),
    language,
  });
  const kind =
    result.language === 'js'
      ? 'JavaScript mini-program: the kit compiled to .js (from dist/miniprogram)'
      : 'TypeScript mini-program: the kit as .ts sources, with typings/paykit';
  console.log(kind);
  console.log(
    `copied ${result.copied.length} file(s), ${result.unchanged.length} unchanged (already the same)`,
  );
  console.log(`edited: ${result.edited.join(', ') || 'nothing'}`);
  if (result.secrets.length) {
    console.log(
      `merchant secrets: ${result.secrets.length} file(s) in the functions' secrets/ (your private key), git-ignored in .gitignore: never commit them`,
    );
  }
  console.log(`pages added: ${result.pagesAdded.join(', ') || 'none'}`);
  console.log(`left to do:\n${result.todo.map((t, i) => `  ${i + 1}. ${t}`).join('\n')}`);
  return 0;
}

// Run as a script (not `require.main`: the test tsconfig sees the mini-program's `require` typings).
if (process.argv[1] && path.resolve(process.argv[1]) === __filename) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (err) {
    console.error(err instanceof BuildError ? err.message : err);
    process.exitCode = 1;
  }
}
