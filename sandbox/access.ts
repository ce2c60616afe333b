/**
 * Who may drive the sandbox. It controls money and data, so a web page the developer happens to
 * visit must not be able to: a request is refused when
 * - its `Host` is not an address the sandbox serves (a DNS-rebinding page sends its own name),
 * - its `Origin` is present and not the sandbox's own (a cross-site page; no Origin = not a browser
 *   page, e.g. the SDK, the CLI, curl or DevTools' wx.request),
 * - it changes something on the control API, the gateway or `/admin` without a JSON body type
 *   (`text/plain`, forms: what a page can send without a CORS preflight; `/admin` also takes the
 *   multipart bodies wx-server-sdk sends for cloudPay),
 * - the sandbox listens beyond loopback and the request lacks the access token (except the
 *   dashboard's static files: code without data, which a browser loads without custom headers; the
 *   page then sends the token with every data request).
 */
import { timingSafeEqual } from 'crypto';
import type { IncomingMessage } from 'http';
import { isIP } from 'net';
import { SandboxError } from './errors';

export interface AccessPolicy {
  /** The address the server is bound to, as given (`127.0.0.1`, `0.0.0.0`, `::`, a LAN address, a name). */
  bindHost: string;
  port: number;
  /** Required on every request when set (the sandbox listens beyond loopback). */
  token?: string;
  /** Origins allowed besides the sandbox's own, exactly as browsers send them (`http://host:port`). */
  allowOrigins?: string[];
}

/** Query parameter carrying the token to `/admin`, whose Authorization header is the SDK's own signature. */
export const ADMIN_TOKEN_PARAM = 'paykit_token';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** The dashboard's page and bundle (sandbox/dashboard/static.ts): the same for everyone, no data. */
export const DASHBOARD_ASSETS: readonly string[] = ['/', '/dashboard/app.js', '/dashboard/app.css'];
/** The surfaces whose changes must be JSON. Others emulate public endpoints (APIv3 at its real paths,
 *  the HTTP access service) and judge their own bodies as the real ones do. */
const JSON_ONLY = /^\/(sandbox|gateway|admin)(\/|$)/;

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** Listening on every interface (`0.0.0.0`, `::`): the server is reachable at any of the machine's IPs. */
export function isWildcard(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === '0.0.0.0' || h === '::' || h === '';
}

/** `name:port` of a Host header (IPv6 in brackets); the port defaults to 80 as for http URLs. */
function parseHost(value: string): { name: string; port: number } | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(value.trim());
  if (!m) return undefined;
  return { name: m[1].replace(/^\[|\]$/g, '').toLowerCase(), port: m[2] ? Number(m[2]) : 80 };
}

function servedName(policy: AccessPolicy, name: string): boolean {
  if (isLoopback(name)) return true;
  const bind = policy.bindHost.replace(/^\[|\]$/g, '').toLowerCase();
  if (name === bind) return true;
  // Bound to every interface, any IP literal can be one of ours; a DNS name cannot be trusted, since
  // DNS rebinding points an attacker's name at this machine.
  return isWildcard(bind) && isIP(name) !== 0;
}

function forbidden(code: string, message: string): SandboxError {
  return new SandboxError(code, message, 403);
}

function hostAllowed(policy: AccessPolicy, host: string | undefined): SandboxError | undefined {
  const parsed = host ? parseHost(host) : undefined;
  if (parsed && parsed.port === policy.port && servedName(policy, parsed.name)) return undefined;
  const served = isWildcard(policy.bindHost)
    ? `127.0.0.1:${policy.port}, localhost:${policy.port} or this machine's IP addresses`
    : isLoopback(policy.bindHost)
      ? `127.0.0.1:${policy.port}, localhost:${policy.port} or [::1]:${policy.port}`
      : `${policy.bindHost}:${policy.port} or 127.0.0.1:${policy.port}`;
  return forbidden(
    'FORBIDDEN_HOST',
    `Host ${JSON.stringify(host ?? '')} is not an address this sandbox serves (${served}); ` +
      'refused, as a page reaching it through DNS rebinding would be',
  );
}

function originAllowed(policy: AccessPolicy, origin: string, host: string): SandboxError | undefined {
  if (origin.toLowerCase() === `http://${host.toLowerCase()}`) return undefined;
  if (policy.allowOrigins?.includes(origin)) return undefined;
  return forbidden(
    'FORBIDDEN_ORIGIN',
    `Origin ${origin} is not this sandbox (http://${host}): a web page on another site may not drive it` +
      ' (start the sandbox with --allow-origin <origin> to allow one)',
  );
}

/** The token a request presents: `Authorization: Bearer`, `X-Paykit-Token`, or `?paykit_token=` on /admin. */
function presentedToken(req: IncomingMessage, url: URL, admin: boolean): string | undefined {
  const header = req.headers['x-paykit-token'];
  if (typeof header === 'string' && header) return header;
  const auth = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (auth) return auth[1];
  return admin ? (url.searchParams.get(ADMIN_TOKEN_PARAM) ?? undefined) : undefined;
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

/** The reason to refuse `req`, or undefined when it may go on. */
export function refusal(policy: AccessPolicy, req: IncomingMessage, url: URL): SandboxError | undefined {
  const host = req.headers.host;
  const badHost = hostAllowed(policy, host);
  if (badHost) return badHost;
  const origin = req.headers.origin;
  if (origin !== undefined) {
    const badOrigin = originAllowed(policy, origin, host ?? '');
    if (badOrigin) return badOrigin;
  }
  const admin = url.pathname === '/admin' || url.pathname.startsWith('/admin/');
  const asset = (req.method === 'GET' || req.method === 'HEAD') && DASHBOARD_ASSETS.includes(url.pathname);
  if (policy.token && !asset) {
    const token = presentedToken(req, url, admin);
    if (!token || !sameToken(token, policy.token)) {
      return new SandboxError(
        'UNAUTHORIZED',
        `this sandbox listens beyond loopback (${policy.bindHost}) and needs its access token ` +
          '(printed by npm start): send the header X-Paykit-Token: <token> or Authorization: Bearer <token>',
        401,
      );
    }
  }
  if (!MUTATING.has(req.method ?? 'GET') || !JSON_ONLY.test(url.pathname)) return undefined;
  const type = mediaType(req);
  if (type === 'application/json' || (admin && type === 'multipart/form-data')) return undefined;
  return new SandboxError(
    'UNSUPPORTED_MEDIA_TYPE',
    `${req.method} ${url.pathname} needs Content-Type: application/json (got ${type ? JSON.stringify(type) : 'none'})`,
    415,
  );
}
