// What preview/upload/deploy would send, read from the built project: the mini-program files (after
// ignoreUploadUnusedFiles and packOptions.ignore) with their sizes, and each built cloud function with
// its files and timer triggers. Problems are collected, never thrown, so a dry run can list them all.
import * as fs from 'fs';
import * as path from 'path';
import { allFiles, type BuildContext, functionFolders, listFiles, paths, rel, SECRETS } from './context';
import { DEFAULT_PRIVATE_KEY_FILE } from '../cloudfunctions/common/providers/apiv3/config';
import { formatBytes } from './ci-inputs';
import { CODE_EXTS, walkMiniprogram } from './ci-walk';

/** miniprogram-ci 2.1.42 MiniProgramWhiteList: WeChat drops every other file type. */
export const UPLOAD_EXTS = [
  '.wxml', '.wxss', '.wxs', '.png', '.jpg', '.jpeg', '.gif', '.svg', '.js', '.json', '.cer', '.mp3',
  '.aac', '.m4a', '.mp4', '.wav', '.ogg', '.silk', '.wasm', '.br', '.cur', '.ico', '.skel', '.crt', '.cert',
]; // prettier-ignore
export const MB = 1024 * 1024;
/** The main package and each subpackage. */
export const MAIN_PACKAGE_LIMIT = 2 * MB;
export const TOTAL_PACKAGE_LIMIT = 20 * MB;
/** Guard for one cloud function's uploaded code (raw bytes, so stricter than the zipped limit). */
export const FUNCTION_LIMIT = 50 * MB;
export const PLACEHOLDER_APPIDS = ['', 'touristappid', 'wx0000000000000000'];

export interface FileEntry {
  file: string;
  size: number;
}

export interface Trigger {
  name: string;
  type: string;
  config: string;
}

export interface FunctionPlan {
  name: string;
  dir: string;
  files: FileEntry[];
  total: number;
  triggers: Trigger[];
}

export interface ProjectConfig {
  appid?: string;
  miniprogramRoot?: string;
  cloudfunctionRoot?: string;
  setting?: Record<string, unknown>;
  packOptions?: { ignore?: Array<{ type: string; value: string }> };
}

export interface ProjectPlan {
  config: ProjectConfig;
  mpRoot: string;
  cloudRoot: string;
  /** Files of the mini-program that would be uploaded, with subpackage root ('' = main package). */
  files: Array<FileEntry & { pkg: string }>;
  /** Files left out (unused code, packOptions.ignore, type not accepted). */
  skipped: { count: number; size: number };
  functions: FunctionPlan[];
  problems: string[];
  notes: string[];
}

const sum = (files: FileEntry[]) => files.reduce((n, f) => n + f.size, 0);

function readJson<T>(file: string, label: string, problems: string[]): T | undefined {
  if (!fs.existsSync(file)) {
    problems.push(`${label} is missing`);
    return undefined;
  }
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch (err) {
    problems.push(`${label} is not valid JSON: ${(err as Error).message}`);
    return undefined;
  }
}

/** project.config.json packOptions.ignore: file, folder, suffix, prefix and regexp entries. */
function packIgnored(file: string, rules: Array<{ type: string; value: string }>): boolean {
  return rules.some(({ type, value }) => {
    const v = String(value).replace(/^\.?\//, '');
    if (type === 'file') return file === v;
    if (type === 'folder') return file.startsWith(`${v.replace(/\/$/, '')}/`);
    if (type === 'suffix') return file.endsWith(value);
    if (type === 'prefix') return path.posix.basename(file).startsWith(value);
    if (type === 'regexp') return new RegExp(value).test(file);
    return false;
  });
}

function planMiniprogram(plan: ProjectPlan, relRoot: string): void {
  const { mpRoot, config, problems, notes } = plan;
  const appJson = readJson<{ subpackages?: Array<{ root: string }>; subPackages?: Array<{ root: string }> }>(
    path.join(mpRoot, 'app.json'),
    `${relRoot}/app.json`,
    problems,
  );
  if (!appJson) return;
  if (!fs.existsSync(path.join(mpRoot, 'app.js'))) problems.push(`${relRoot}/app.js is missing`);
  // miniprogram_npm is uploaded, node_modules never.
  const all = allFiles(mpRoot).filter((f) => !f.split('/').includes('node_modules'));
  const stray = all.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  if (stray.length)
    problems.push(`${relRoot} holds TypeScript sources (${stray[0]}, ...): run npm run build`);
  const pruneUnused = config.setting?.ignoreUploadUnusedFiles !== false;
  const walk = pruneUnused ? walkMiniprogram(mpRoot) : undefined;
  for (const u of walk?.unresolved ?? []) problems.push(`${relRoot}/${u} is not in the build`);
  const ignore = config.packOptions?.ignore ?? [];
  const subRoots = [...(appJson.subpackages ?? []), ...(appJson.subPackages ?? [])].map(
    (s) => `${s.root.replace(/^\/|\/$/g, '')}/`,
  );
  for (const file of all) {
    const size = fs.statSync(path.join(mpRoot, file)).size;
    const ext = path.posix.extname(file).toLowerCase();
    const unused = walk !== undefined && CODE_EXTS.includes(ext) && !walk.used.has(file);
    if (!UPLOAD_EXTS.includes(ext) || unused || packIgnored(file, ignore)) {
      plan.skipped.count++;
      plan.skipped.size += size;
      continue;
    }
    plan.files.push({ file, size, pkg: subRoots.find((r) => file.startsWith(r)) ?? '' });
  }
  if (pruneUnused) notes.push('ignoreUploadUnusedFiles is on: only code reached from app.json is counted');
  const main = sum(plan.files.filter((f) => f.pkg === ''));
  if (main > MAIN_PACKAGE_LIMIT)
    problems.push(`main package is ${formatBytes(main)}: WeChat accepts at most 2 MB`);
  for (const root of subRoots) {
    const size = sum(plan.files.filter((f) => f.pkg === root));
    if (size > MAIN_PACKAGE_LIMIT)
      problems.push(`subpackage ${root} is ${formatBytes(size)}: WeChat accepts at most 2 MB`);
  }
  if (sum(plan.files) > TOTAL_PACKAGE_LIMIT) problems.push('all packages together exceed 20 MB');
}

function readTriggers(name: string, configFile: string, problems: string[]): Trigger[] {
  const config = readJson<{ triggers?: unknown }>(configFile, `${name}/config.json`, problems);
  const list = config?.triggers ?? [];
  if (!Array.isArray(list)) {
    problems.push(`cloud function ${name}: config.json "triggers" must be an array`);
    return [];
  }
  const triggers: Trigger[] = [];
  for (const t of list as Array<Partial<Trigger>>) {
    const where = `cloud function ${name}: trigger ${JSON.stringify(t?.name ?? t)}`;
    if (typeof t?.name !== 'string' || !/^[A-Za-z][\w-]{0,59}$/.test(t.name))
      problems.push(`${where} needs a name (a letter, then up to 59 letters, digits, - or _)`);
    else if (t.type !== 'timer') problems.push(`${where} has type ${JSON.stringify(t.type)}: only "timer"`);
    else if (typeof t.config !== 'string' || t.config.trim().split(/\s+/).length !== 7)
      problems.push(`${where} needs a 7-field cron "config" (second minute hour day month weekday year)`);
    else triggers.push({ name: t.name, type: t.type, config: t.config });
  }
  return triggers;
}

function planFunctions(ctx: BuildContext, plan: ProjectPlan): void {
  const { cloudRoot, problems } = plan;
  const relRoot = rel(ctx, cloudRoot);
  if (!fs.existsSync(cloudRoot)) {
    problems.push(`${relRoot} does not exist: run npm run build`);
    return;
  }
  const built = functionFolders(cloudRoot);
  const srcDir = path.join(ctx.root, 'cloudfunctions');
  const sources = functionFolders(srcDir).filter((n) => fs.existsSync(path.join(srcDir, n, 'index.ts')));
  for (const name of sources.filter((n) => !built.includes(n)))
    problems.push(`cloud function ${name} is not built (no ${relRoot}/${name}): run npm run build`);
  if (!built.length) problems.push(`${relRoot} holds no cloud function`);
  // The merchant's secrets travel with each function from the build: one added or changed since
  // would be missing or stale in every function deployed.
  const secretsDir = path.join(ctx.root, SECRETS);
  const secrets = new Map(
    (fs.existsSync(secretsDir) ? listFiles(secretsDir, () => true) : []).map((f) => [
      f,
      fs.readFileSync(path.join(secretsDir, f)),
    ]),
  );
  // Every new merchant pays through APIv3, whose functions read their key from this file unless the
  // console gives them the PEM itself: deployed without either, each answers NOT_CONFIGURED.
  if (!secrets.has(path.relative(SECRETS, DEFAULT_PRIVATE_KEY_FILE)))
    plan.notes.push(
      `no ${DEFAULT_PRIVATE_KEY_FILE}: on APIv3 (every new merchant) the functions then need ` +
        'PAYKIT_MCH_PRIVATE_KEY (the PEM) in their environment; cloudPay needs no key',
    );
  for (const name of built) {
    const dir = path.join(cloudRoot, name);
    const stale = [...secrets].flatMap(([f, bytes]) => {
      const copy = path.join(dir, SECRETS, f);
      return fs.existsSync(copy) && fs.readFileSync(copy).equals(bytes) ? [] : [f];
    });
    if (stale.length)
      problems.push(`cloud function ${name} lacks the current ${SECRETS}/${stale[0]}: run npm run build`);
    for (const f of ['index.js', 'package.json']) {
      if (!fs.existsSync(path.join(dir, f))) problems.push(`cloud function ${name} has no ${f}`);
    }
    // remoteNpmInstall: the cloud installs package.json dependencies, local node_modules stay here.
    const files = listFiles(dir, () => true).map((file) => ({
      file,
      size: fs.statSync(path.join(dir, file)).size,
    }));
    const total = sum(files);
    if (total > FUNCTION_LIMIT)
      problems.push(`cloud function ${name} is ${formatBytes(total)}: keep it under 50 MB`);
    const configFile = path.join(dir, 'config.json');
    const triggers = fs.existsSync(configFile) ? readTriggers(name, configFile, problems) : [];
    plan.functions.push({ name, dir, files, total, triggers });
  }
}

/**
 * miniprogram-ci sends the folder project.config.json names; the tasks build into dist/. Any other
 * folder would send what they did not build (the sources, an old copy).
 */
function notTheBuild(
  ctx: BuildContext,
  key: 'miniprogramRoot' | 'cloudfunctionRoot',
  config: ProjectConfig,
  out: string,
): string {
  return `project.config.json "${key}" is ${JSON.stringify(config[key] ?? '')}: set it to "${rel(ctx, out)}/", where the build writes what is sent`;
}

/** Reads project.config.json and plans the mini-program (preview/upload) or the functions (deploy). */
export function planProject(ctx: BuildContext, what: 'miniprogram' | 'functions'): ProjectPlan {
  const problems: string[] = [];
  const config =
    readJson<ProjectConfig>(path.join(ctx.root, 'project.config.json'), 'project.config.json', problems) ??
    {};
  const mpRoot = path.resolve(ctx.root, config.miniprogramRoot ?? '');
  const cloudRoot = path.resolve(ctx.root, config.cloudfunctionRoot ?? 'cloudfunctions');
  const plan: ProjectPlan = {
    config,
    mpRoot,
    cloudRoot,
    files: [],
    skipped: { count: 0, size: 0 },
    functions: [],
    problems,
    notes: [],
  };
  if (problems.length) return plan;
  if (PLACEHOLDER_APPIDS.includes(config.appid ?? ''))
    plan.notes.push(
      `project.config.json appid is the placeholder ${JSON.stringify(config.appid ?? '')}: the credentials appid is sent instead`,
    );
  if (what === 'miniprogram') {
    const relRoot = rel(ctx, mpRoot) || '.';
    if (mpRoot !== paths.mpOut(ctx))
      problems.push(notTheBuild(ctx, 'miniprogramRoot', config, paths.mpOut(ctx)));
    else if (!fs.existsSync(mpRoot)) problems.push(`${relRoot} does not exist: run npm run build`);
    else planMiniprogram(plan, relRoot);
  } else {
    if (!config.cloudfunctionRoot) problems.push('project.config.json has no "cloudfunctionRoot"');
    else if (cloudRoot !== paths.cloudOut(ctx))
      problems.push(notTheBuild(ctx, 'cloudfunctionRoot', config, paths.cloudOut(ctx)));
    else planFunctions(ctx, plan);
  }
  return plan;
}
