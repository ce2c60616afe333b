// "Is the kit wired into this mini-program?": what docs/integrate.md asks you to check after the steps,
// as a list of problems (empty when everything is in place). Reads files only; changes nothing.
import * as fs from 'fs';
import * as path from 'path';
import {
  allFiles,
  BuildError,
  CLOUD,
  functionFolders,
  isKitScript,
  posixRelative,
  readJson,
  readJsonOr,
} from './context';

/** Folders copied from the kit's miniprogram/ into the host's miniprogramRoot. */
export const KIT_MP_PARTS = ['paykit', 'behaviors', 'components/pay-button', 'pages/orders'];
/** The merchant pages (bills, to-ship): optional (only merchant admins can use them). */
export const KIT_ADMIN_PART = 'pages/admin';

/** The pages the kit adds, by the folder (subpackage root) each lives in. */
export const KIT_PAGES: Record<string, string[]> = {
  'pages/orders': ['list/index', 'detail/index'],
  [KIT_ADMIN_PART]: ['bills/index', 'to-ship/index'],
};

/** The language of the host's scripts: what the kit's copy must be written in. */
export type HostLanguage = 'ts' | 'js';

export interface HostLayout {
  appRoot: string;
  projectConfigFile: string;
  /** project.config.json miniprogramRoot (default: the project root). */
  mpRoot: string;
  /** project.config.json cloudfunctionRoot (default: cloudfunctions/). */
  cloudRoot: string;
  /** false when project.config.json names no cloudfunctionRoot yet. */
  hasCloudRoot: boolean;
  /** TypeScript when the mini-program has app.ts, else JavaScript (app.js); or as the caller said. */
  language: HostLanguage;
}

/**
 * Where the host keeps its mini-program and its cloud functions, from its project.config.json, and
 * the language of its scripts (`language` overrides what app.ts / app.js say).
 */
export function readHostLayout(appRoot: string, language?: HostLanguage): HostLayout {
  const root = path.resolve(appRoot);
  const projectConfigFile = path.join(root, 'project.config.json');
  const config = readJson<{ miniprogramRoot?: string; cloudfunctionRoot?: string }>(projectConfigFile);
  const mpRoot = path.resolve(root, config.miniprogramRoot ?? '');
  if (!fs.existsSync(path.join(mpRoot, 'app.json'))) {
    throw new BuildError(`${path.join(mpRoot, 'app.json')} is missing: is ${root} a mini-program project?`);
  }
  return {
    appRoot: root,
    projectConfigFile,
    mpRoot,
    cloudRoot: path.resolve(root, config.cloudfunctionRoot ?? `${CLOUD}/`),
    hasCloudRoot: Boolean(config.cloudfunctionRoot),
    language: language ?? (fs.existsSync(path.join(mpRoot, 'app.ts')) ? 'ts' : 'js'),
  };
}

/** The host's app script as it is named: its app.ts or app.js, else the one its language would have. */
export function appScriptName(layout: HostLayout): string {
  const own = ['app.ts', 'app.js'].find((f) => fs.existsSync(path.join(layout.mpRoot, f)));
  return own ?? `app.${layout.language}`;
}

/** paykit-options as the host has it (either extension), else as its language would name it. */
export function paykitOptionsName(layout: HostLayout): string {
  const own = ['paykit-options.ts', 'paykit-options.js'].find((f) =>
    fs.existsSync(path.join(layout.mpRoot, f)),
  );
  return own ?? `paykit-options.${layout.language}`;
}

/**
 * The host's package.json: at the project root (DevTools' TypeScript template), else inside the
 * mini-program folder (where 构建 npm looks by default); undefined when it has none.
 */
export function hostPackageJson(layout: HostLayout): string | undefined {
  return [layout.appRoot, layout.mpRoot]
    .map((dir) => path.join(dir, 'package.json'))
    .find((file) => fs.existsSync(file));
}

/** The app script already calls configurePaykit with paykit-options. */
export function appCallsConfigure(layout: HostLayout): boolean {
  const file = path.join(layout.mpRoot, appScriptName(layout));
  const code = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  return /configurePaykit\s*\(/.test(code) && code.includes('paykit-options');
}

/** The pages the kit brings, when their folder was copied. */
const KIT_PAGE_PATHS = Object.entries(KIT_PAGES).flatMap(([root, pages]) => pages.map((p) => `${root}/${p}`));

export interface AppJson {
  pages?: string[];
  subPackages?: Array<{ root: string; pages?: string[] }>;
  subpackages?: Array<{ root: string; pages?: string[] }>;
  usingComponents?: Record<string, string>;
}

const exists = (file: string) => fs.existsSync(file);
/** A module's script: .js in a JavaScript host (it cannot run .ts), .ts or .js in a TypeScript one. */
const scriptOf = (language: HostLanguage) => (base: string) =>
  exists(`${base}.js`) || (language === 'ts' && exists(`${base}.ts`));

/** Every page app.json registers, main package and subpackages, as full paths. */
export function registeredPages(app: AppJson): string[] {
  const subs = [...(app.subPackages ?? []), ...(app.subpackages ?? [])];
  return [
    ...(app.pages ?? []),
    ...subs.flatMap((s) => (s.pages ?? []).map((p) => `${s.root.replace(/\/+$/, '')}/${p}`)),
  ];
}

/**
 * usingComponents of `jsonFile` (and, transitively, of the own components it uses) that do not
 * resolve: own paths need .json, .wxml and a script (a problem each); npm paths need the 构建 npm
 * copy (collected per package in `npmMisses`, with the files that use it).
 */
function checkComponents(
  mpRoot: string,
  jsonFile: string,
  seen: Set<string>,
  problems: string[],
  npmMisses: Map<string, Set<string>>,
  hasScript: (base: string) => boolean,
): void {
  if (seen.has(jsonFile)) return;
  seen.add(jsonFile);
  const using = readJsonOr<{ usingComponents?: Record<string, string> }>(jsonFile, {}).usingComponents ?? {};
  const where = path.relative(mpRoot, jsonFile).split(path.sep).join('/');
  for (const [tag, target] of Object.entries(using)) {
    if (target.startsWith('plugin://')) continue;
    if (target.startsWith('/') || target.startsWith('.')) {
      const base = target.startsWith('/')
        ? path.join(mpRoot, target)
        : path.resolve(path.dirname(jsonFile), target);
      if (!exists(`${base}.json`) || !exists(`${base}.wxml`) || !hasScript(base)) {
        problems.push(`${where}: usingComponents "${tag}" → ${target} does not exist`);
      } else {
        checkComponents(mpRoot, `${base}.json`, seen, problems, npmMisses, hasScript);
      }
    } else if (!exists(path.join(mpRoot, 'miniprogram_npm', `${target}.json`))) {
      const pkg = target
        .split('/')
        .slice(0, target.startsWith('@') ? 2 : 1)
        .join('/');
      if (!npmMisses.has(pkg)) npmMisses.set(pkg, new Set());
      npmMisses.get(pkg)!.add(where);
    }
  }
}

/** The kit's folders in the host that hold TypeScript (.ts, not .d.ts): a JavaScript host cannot run them. */
function typeScriptIn(mpRoot: string, parts: string[]): string[] {
  return parts.filter((part) => {
    const dir = path.join(mpRoot, part);
    if (!exists(dir)) return false;
    return allFiles(dir).some(isKitScript);
  });
}

/**
 * What is missing or wrong in the host project: unregistered kit pages, registered pages without
 * files, components that do not resolve, the npm dependency, paykit-options, the app script's
 * configurePaykit call, and the kit's functions in the cloudfunctionRoot. Empty when the kit is wired
 * in. Files are named as the host has them (app.js in a JavaScript mini-program).
 */
export function checkIntegration(
  appRoot: string,
  kitRoot = path.resolve(__dirname, '..'),
  language?: HostLanguage,
): string[] {
  const layout = readHostLayout(appRoot, language);
  const { mpRoot } = layout;
  const hasScript = scriptOf(layout.language);
  const problems: string[] = [];
  const app = readJsonOr<AppJson>(path.join(mpRoot, 'app.json'), {});
  const pages = registeredPages(app);

  if (layout.language === 'js') {
    for (const part of typeScriptIn(mpRoot, [...KIT_MP_PARTS, KIT_ADMIN_PART]))
      problems.push(
        `${part}/ holds TypeScript, which this JavaScript mini-program cannot run: copy the kit's built dist/miniprogram/${part} instead (integrate.ts --js --overwrite)`,
      );
  }
  if (!hasScript(path.join(mpRoot, 'paykit/index')))
    problems.push('paykit/ (the client library) is not copied');
  for (const page of KIT_PAGE_PATHS) {
    const copied = exists(path.join(mpRoot, `${page}.wxml`));
    if (page.startsWith('pages/orders/') && !copied) problems.push(`${page} is not copied`);
    if (copied && !pages.includes(page))
      problems.push(`app.json: ${page} is not registered (add it to "pages" or to a subpackage)`);
  }
  for (const page of pages) {
    const base = path.join(mpRoot, page);
    if (!exists(`${base}.wxml`) || !hasScript(base))
      problems.push(`app.json: ${page} is registered but ${page}.wxml or its script is missing`);
  }

  const seen = new Set<string>();
  const npmMisses = new Map<string, Set<string>>();
  for (const json of ['app', ...pages]) {
    checkComponents(mpRoot, path.join(mpRoot, `${json}.json`), seen, problems, npmMisses, hasScript);
  }
  for (const [pkg, users] of npmMisses) {
    problems.push(
      `miniprogram_npm: ${pkg} is missing, used by ${[...users].join(', ')} (npm install, then 工具 → 构建 npm)`,
    );
  }

  const pkgFile = hostPackageJson(layout);
  const pkg = pkgFile ? readJsonOr<{ dependencies?: Record<string, string> }>(pkgFile, {}) : {};
  if (!pkgFile) problems.push('package.json is missing (npm init -y && npm install @vant/weapp)');
  else if (!pkg.dependencies?.['@vant/weapp'])
    problems.push(
      `${posixRelative(layout.appRoot, pkgFile)}: @vant/weapp is not in "dependencies" (npm install @vant/weapp)`,
    );

  const optionsName = paykitOptionsName(layout);
  if (!hasScript(path.join(mpRoot, 'paykit-options')))
    problems.push(`${optionsName} is missing (it says which env or sandbox the kit talks to)`);
  const appName = appScriptName(layout);
  if (!appCallsConfigure(layout))
    problems.push(
      `${appName} does not call configurePaykit(paykitOptions) from ./paykit-options in onLaunch`,
    );

  if (!layout.hasCloudRoot) problems.push('project.config.json has no cloudfunctionRoot');
  const cloudDir = posixRelative(layout.appRoot, layout.cloudRoot);
  for (const name of functionFolders(path.join(kitRoot, CLOUD))) {
    const dir = path.join(layout.cloudRoot, name);
    if (!exists(path.join(dir, 'index.js')) || !exists(path.join(dir, 'package.json')))
      problems.push(`${cloudDir}/${name} is missing (copy the kit's built dist/cloudfunctions/${name})`);
  }
  return problems;
}
