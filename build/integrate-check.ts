// "Is the kit wired into this mini-program?": what docs/integrate.md asks you to check after the steps,
// as a list of problems (empty when everything is in place). Reads files only; changes nothing.
import * as fs from 'fs';
import * as path from 'path';
import { BuildError, CLOUD, CLOUD_COMMON } from './context';

export interface HostLayout {
  appRoot: string;
  projectConfigFile: string;
  /** project.config.json miniprogramRoot (default: the project root). */
  mpRoot: string;
  /** project.config.json cloudfunctionRoot (default: cloudfunctions/). */
  cloudRoot: string;
  /** false when project.config.json names no cloudfunctionRoot yet. */
  hasCloudRoot: boolean;
}

/** Where the host keeps its mini-program and its cloud functions, from its project.config.json. */
export function readHostLayout(appRoot: string): HostLayout {
  const root = path.resolve(appRoot);
  const projectConfigFile = path.join(root, 'project.config.json');
  let config: { miniprogramRoot?: string; cloudfunctionRoot?: string };
  try {
    config = JSON.parse(fs.readFileSync(projectConfigFile, 'utf8')) as typeof config;
  } catch (err) {
    throw new BuildError(`${projectConfigFile} is not readable JSON: ${(err as Error).message}`);
  }
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
  };
}

/** The kit's function names: the folders of its cloudfunctions/ but common. */
export function kitFunctionNames(kitRoot: string): string[] {
  const dir = path.join(kitRoot, CLOUD);
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name !== CLOUD_COMMON && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

/** The pages the kit brings, when their folder was copied. */
const KIT_PAGE_PATHS = ['pages/orders/list/index', 'pages/orders/detail/index', 'pages/admin/bills/index'];

interface AppJson {
  pages?: string[];
  subPackages?: Array<{ root: string; pages: string[] }>;
  subpackages?: Array<{ root: string; pages: string[] }>;
  usingComponents?: Record<string, string>;
}

const exists = (file: string) => fs.existsSync(file);
const hasScript = (base: string) => exists(`${base}.ts`) || exists(`${base}.js`);

function readJsonOr<T>(file: string, fallback: T): T {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return fallback;
  }
}

/** Every page app.json registers, main package and subpackages, as full paths. */
export function registeredPages(app: AppJson): string[] {
  const subs = [...(app.subPackages ?? []), ...(app.subpackages ?? [])];
  return [
    ...(app.pages ?? []),
    ...subs.flatMap((s) => s.pages.map((p) => `${s.root.replace(/\/+$/, '')}/${p}`)),
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
        checkComponents(mpRoot, `${base}.json`, seen, problems, npmMisses);
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

/**
 * What is missing or wrong in the host project: unregistered kit pages, registered pages without
 * files, components that do not resolve, the npm dependency, paykit-options, app.ts's configurePaykit
 * call, and the kit's functions in the cloudfunctionRoot. Empty when the kit is wired in.
 */
export function checkIntegration(appRoot: string, kitRoot = path.resolve(__dirname, '..')): string[] {
  const layout = readHostLayout(appRoot);
  const { mpRoot } = layout;
  const problems: string[] = [];
  const app = readJsonOr<AppJson>(path.join(mpRoot, 'app.json'), {});
  const pages = registeredPages(app);

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
    checkComponents(mpRoot, path.join(mpRoot, `${json}.json`), seen, problems, npmMisses);
  }
  for (const [pkg, users] of npmMisses) {
    problems.push(
      `miniprogram_npm: ${pkg} is missing, used by ${[...users].join(', ')} (npm install, then 工具 → 构建 npm)`,
    );
  }

  const pkg = readJsonOr<{ dependencies?: Record<string, string> }>(
    path.join(layout.appRoot, 'package.json'),
    {},
  );
  if (!pkg.dependencies?.['@vant/weapp'])
    problems.push('package.json: @vant/weapp is not in "dependencies" (npm install @vant/weapp)');

  if (!hasScript(path.join(mpRoot, 'paykit-options')))
    problems.push('paykit-options.ts is missing (it says which env or sandbox the kit talks to)');
  const appScript = ['app.ts', 'app.js'].map((f) => path.join(mpRoot, f)).find(exists);
  const appCode = appScript ? fs.readFileSync(appScript, 'utf8') : '';
  if (!/configurePaykit\s*\(/.test(appCode) || !appCode.includes('paykit-options'))
    problems.push('app.ts does not call configurePaykit(paykitOptions) from ./paykit-options in onLaunch');

  if (!layout.hasCloudRoot) problems.push('project.config.json has no cloudfunctionRoot');
  const cloudDir = path.relative(layout.appRoot, layout.cloudRoot).split(path.sep).join('/');
  for (const name of kitFunctionNames(kitRoot)) {
    const dir = path.join(layout.cloudRoot, name);
    if (!exists(path.join(dir, 'index.js')) || !exists(path.join(dir, 'package.json')))
      problems.push(`${cloudDir}/${name} is missing (copy the kit's built dist/cloudfunctions/${name})`);
  }
  return problems;
}
