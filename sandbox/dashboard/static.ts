/**
 * Serves the dashboard: `GET /` (the page shell; client routes live in the hash, `/#/orders`, so the
 * server knows one page) and `GET /dashboard/app.js|app.css` (built by `gulp dashboard` into
 * dist/dashboard). Every answer carries a strict CSP (own scripts and styles only, no framing), and
 * the page holds no data: it asks the Host/Origin/token-checked `/sandbox/*` routes for everything.
 */
import * as fs from 'fs';
import type { IncomingMessage, ServerResponse } from 'http';
import * as path from 'path';
import { DASHBOARD_ASSETS } from '../access';
import { SandboxError } from '../errors';

/** dist/dashboard: next to dist/sandbox when bundled, from the sources when run with esbuild-register. */
export const DASHBOARD_DIR = __filename.endsWith('.ts')
  ? path.resolve(__dirname, '../../dist/dashboard')
  : path.resolve(__dirname, '../dashboard');

export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': DASHBOARD_CSP,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

const PAGE = `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>weapp-paykit 沙箱</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/dashboard/app.css">
<script defer src="/dashboard/app.js"></script>
</head>
<body>
<div id="app"></div>
<noscript>The sandbox dashboard needs JavaScript. 沙箱控制台需要启用 JavaScript。</noscript>
</body>
</html>
`;

const TYPES: Record<string, string> = {
  '/dashboard/app.js': 'text/javascript; charset=utf-8',
  '/dashboard/app.css': 'text/css; charset=utf-8',
};

function send(req: IncomingMessage, res: ServerResponse, type: string, body: string | Buffer): void {
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-cache',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** Answers the dashboard's routes; false when `pathname` is not one of them. */
export function serveDashboard(req: IncomingMessage, res: ServerResponse, pathname: string): boolean {
  if (!DASHBOARD_ASSETS.includes(pathname)) return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    throw new SandboxError('METHOD_NOT_ALLOWED', `${pathname} takes GET`, 405);
  }
  if (pathname === '/') {
    send(req, res, 'text/html; charset=utf-8', PAGE);
    return true;
  }
  const file = path.join(DASHBOARD_DIR, path.basename(pathname));
  let body: Buffer;
  try {
    body = fs.readFileSync(file);
  } catch {
    throw new SandboxError(
      'NOT_FOUND',
      `${pathname} is not built (${file} is missing): run npm run build, or npx gulp dashboard`,
      404,
    );
  }
  send(req, res, TYPES[pathname], body);
  return true;
}
