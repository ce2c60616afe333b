/**
 * Routes of the HTTP access service (HTTP 访问服务): path → event-type cloud function. They come from
 * the project's `cloudfunctions/http-routes.json` (`{ "routes": { "/path": "functionName" } }`) and
 * from `--route /path=function` (later ones win). As in CloudBase, a route also serves the paths below
 * it; the longest matching route wins.
 */
import * as fs from 'fs';

export interface AccessRoute {
  path: string;
  functionName: string;
}

const PATH = /^\/[A-Za-z0-9\-_./~]*$/;
const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,59}$/;

export function normalizeRoute(path: string, functionName: string): AccessRoute {
  if (!PATH.test(path))
    throw new Error(`route path must start with / and use URL path characters: "${path}"`);
  if (!NAME.test(functionName))
    throw new Error(`route function name is not a cloud function name: "${functionName}"`);
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
  return { path: trimmed, functionName };
}

/** `/path=function` as `--route` takes it. */
export function parseRouteFlag(spec: string): AccessRoute {
  const eq = spec.indexOf('=');
  if (eq < 1) throw new Error(`--route takes /path=function, got "${spec}"`);
  return normalizeRoute(spec.slice(0, eq), spec.slice(eq + 1));
}

/** Routes of a routes file; a missing file has none. */
export function readRoutesFile(file: string): AccessRoute[] {
  if (!fs.existsSync(file)) return [];
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { routes?: unknown };
  const routes = parsed.routes;
  if (typeof routes !== 'object' || routes === null || Array.isArray(routes)) {
    throw new Error(`${file}: expected { "routes": { "/path": "functionName" } }`);
  }
  return Object.entries(routes as Record<string, unknown>).map(([path, fn]) => {
    if (typeof fn !== 'string') throw new Error(`${file}: route ${path} must name a function`);
    return normalizeRoute(path, fn);
  });
}

export class AccessRoutes {
  private routes = new Map<string, string>();

  constructor(routes: AccessRoute[] = []) {
    for (const r of routes) this.routes.set(r.path, r.functionName);
  }

  set(route: AccessRoute): void {
    this.routes.set(route.path, route.functionName);
  }

  list(): AccessRoute[] {
    return [...this.routes].map(([path, functionName]) => ({ path, functionName }));
  }

  /** The route serving `path` (itself or a parent at a `/` boundary), longest first. */
  match(path: string): AccessRoute | undefined {
    let best: AccessRoute | undefined;
    for (const [prefix, functionName] of this.routes) {
      const hit = path === prefix || prefix === '/' || path.startsWith(`${prefix}/`);
      if (hit && (!best || prefix.length > best.path.length)) best = { path: prefix, functionName };
    }
    return best;
  }
}
