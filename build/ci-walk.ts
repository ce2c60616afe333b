// Which code files of a built mini-program are reachable from app.json: an estimate of what DevTools
// keeps when project.config.json has "ignoreUploadUnusedFiles": true. Code files are followed through
// pages, usingComponents, require(), <import>/<include>/<wxs> and @import; every other file (images,
// media) is counted as uploaded, so the size check errs on the large side.
import * as fs from 'fs';
import * as path from 'path';
import { findRequires } from './context';

export const CODE_EXTS = ['.js', '.json', '.wxml', '.wxss', '.wxs'];
const COMPONENT_EXTS = ['.js', '.json', '.wxml', '.wxss'];

export interface WalkResult {
  /** Reached code files, posix paths relative to the mini-program root. */
  used: Set<string>;
  /** References that lead nowhere ("file: reference"). */
  unresolved: string[];
}

interface AppJsonLike {
  pages?: string[];
  subpackages?: Array<{ root: string; pages?: string[] }>;
  subPackages?: Array<{ root: string; pages?: string[] }>;
  usingComponents?: Record<string, string>;
  componentGenerics?: Record<string, { default?: string } | boolean>;
  tabBar?: { list?: Array<{ iconPath?: string; selectedIconPath?: string }> };
  sitemapLocation?: string;
  themeLocation?: string;
}

/** What a walk starts from: the mini-program's app files, or given components and modules. */
interface Seeds {
  app?: boolean;
  /** Components as usingComponents names them, relative to the root ('button/index'). */
  components?: string[];
  /** Modules as require() names them, relative to the root ('toast/toast'). */
  modules?: string[];
}

export function walkMiniprogram(mpRoot: string): WalkResult {
  return walkCode(mpRoot, { app: true });
}

/**
 * The code files of a package's miniprogram folder (`root`) that the given components and modules
 * reach, following each one's own usingComponents, require(), wxs and @import.
 */
export function walkPackage(root: string, seeds: Omit<Seeds, 'app'>): WalkResult {
  return walkCode(root, seeds);
}

function walkCode(mpRoot: string, seeds: Seeds): WalkResult {
  const used = new Set<string>();
  const unresolved: string[] = [];
  const exists = (rel: string) => {
    try {
      return fs.statSync(path.join(mpRoot, rel)).isFile();
    } catch {
      return false;
    }
  };
  const read = (rel: string) => fs.readFileSync(path.join(mpRoot, rel), 'utf8');
  const norm = (p: string) => path.posix.normalize(p).replace(/^\/+/, '');

  /** Candidate bases for `spec` seen in `from`: absolute, relative, then miniprogram_npm. */
  const bases = (from: string, spec: string): string[] => {
    if (spec.startsWith('/')) return [norm(spec)];
    const relative = norm(path.posix.join(path.posix.dirname(from), spec));
    if (/^\.\.?\//.test(spec)) return [relative];
    return [relative, norm(`miniprogram_npm/${spec}`)];
  };
  const queue: string[] = [];
  const add = (rel: string) => {
    if (!used.has(rel)) {
      used.add(rel);
      queue.push(rel);
    }
  };
  /** First existing file among the bases with the given suffixes. */
  const addFile = (from: string, spec: string, suffixes: string[]) => {
    for (const base of bases(from, spec)) {
      for (const s of suffixes) {
        if (exists(base + s)) return add(base + s);
      }
    }
    unresolved.push(`${from}: ${spec}`);
  };
  /** A page or component: every one of its .js/.json/.wxml/.wxss that exists. */
  const addComponent = (from: string, spec: string) => {
    if (spec.startsWith('plugin://') || spec.startsWith('plugin-private://')) return;
    for (const base of bases(from, spec.replace(/\.(js|json|wxml|wxss)$/, ''))) {
      for (const b of [base, `${base}/index`]) {
        if (exists(`${b}.json`) || exists(`${b}.js`)) {
          for (const ext of COMPONENT_EXTS) if (exists(b + ext)) add(b + ext);
          return;
        }
      }
    }
    unresolved.push(`${from}: ${spec}`);
  };

  const visitJson = (rel: string, json: AppJsonLike, isApp: boolean) => {
    for (const spec of Object.values(json.usingComponents ?? {})) addComponent(rel, spec);
    for (const g of Object.values(json.componentGenerics ?? {})) {
      if (g && typeof g === 'object' && g.default) addComponent(rel, g.default);
    }
    if (!isApp) return;
    for (const page of json.pages ?? []) addComponent(rel, `/${page}`);
    for (const sub of [...(json.subpackages ?? []), ...(json.subPackages ?? [])]) {
      for (const page of sub.pages ?? []) addComponent(rel, `/${sub.root.replace(/\/$/, '')}/${page}`);
    }
    for (const item of json.tabBar?.list ?? []) {
      for (const icon of [item.iconPath, item.selectedIconPath])
        if (icon) addFile(rel, `/${norm(icon)}`, ['']);
    }
    for (const loc of [json.sitemapLocation, json.themeLocation])
      if (loc) addFile(rel, `/${norm(loc)}`, ['']);
  };

  if (seeds.app) for (const f of ['app.json', 'app.js', 'app.wxss']) if (exists(f)) add(f);
  for (const spec of seeds.components ?? []) addComponent('', `/${spec}`);
  for (const spec of seeds.modules ?? []) addFile('', `/${spec}`, ['', '.js', '/index.js']);
  while (queue.length) {
    const rel = queue.shift() as string;
    const ext = path.posix.extname(rel);
    if (ext === '.json') {
      let json: AppJsonLike;
      try {
        json = JSON.parse(read(rel)) as AppJsonLike;
      } catch (err) {
        unresolved.push(`${rel}: not valid JSON (${(err as Error).message})`);
        continue;
      }
      visitJson(rel, json, rel === 'app.json');
    } else if (ext === '.js') {
      for (const spec of findRequires(read(rel))) addFile(rel, spec, ['', '.js', '/index.js']);
    } else if (ext === '.wxs') {
      for (const spec of findRequires(read(rel))) addFile(rel, spec, ['', '.wxs']);
    } else if (ext === '.wxml') {
      for (const m of read(rel).matchAll(/<(import|include|wxs)\b[^>]*?\bsrc\s*=\s*["']([^"'{}]+)["']/g)) {
        addFile(rel, m[2], m[1] === 'wxs' ? ['', '.wxs'] : ['', '.wxml']);
      }
    } else if (ext === '.wxss') {
      for (const m of read(rel).matchAll(/@import\s+(?:url\()?\s*["']([^"']+)["']/g)) {
        addFile(rel, m[1], ['', '.wxss']);
      }
    }
  }
  return { used, unresolved };
}
