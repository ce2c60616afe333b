/**
 * The HTTP access service (HTTP 访问服务, reference §10): HTTP paths routed to event-type functions
 * with CloudBase's integration request/response, route authentication off (what a WeChat Pay
 * callback route needs). Served on the sandbox's port for any path no sandbox route owns, and
 * internally for URLs on the environment's access domain, which is how v3 notifications reach a
 * function: `https://<env>-<suffix>.ap-shanghai.app.tcloudbase.com/<route>` (or the older
 * `https://<env>.service.tcloudbase.com/<route>`).
 */
import type { IncomingMessage, ServerResponse } from 'http';
import { readBody } from '../cloud/protocol';
import { SandboxError } from '../errors';
import type { HttpAnswer } from '../pay/v3/notify';
import type { FunctionRuntime } from '../runtime/functions';
import { integrationAnswer, integrationEvent, type AccessAnswer, type AccessRequest } from './integration';
import type { AccessRoutes } from './routes';

export interface AccessServiceOptions {
  functions: FunctionRuntime;
  envId: string;
  appId: string;
  routes: AccessRoutes;
}

/**
 * On CloudBase a function's web page lives on the access domain, an origin of its own; here it is
 * served on the sandbox's port, whose origin may drive everything (access.ts). This CSP gives it an
 * opaque origin instead: its scripts still run, and what they send carries `Origin: null`, refused.
 * Without it a page that reflects its input, opened from a link on any site, controlled the sandbox.
 */
export const ACCESS_PAGE_CSP = 'sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads';

/** The numeric suffix CloudBase appends to the environment in default access domains. */
const DOMAIN_SUFFIX = '1300000000';

/** The default HTTP access domain of an environment. */
export function accessDomain(envId: string): string {
  return `${envId}-${DOMAIN_SUFFIX}.ap-shanghai.app.tcloudbase.com`;
}

/** §10.2/§13 UNCONFIRMED: whether the gateway passes a JSON body as text or as base64. */
export interface AccessSettings {
  /** Every body as base64 (`isBase64Encoded: true`), not only binary ones. */
  base64Bodies: boolean;
}

export class AccessService {
  private settings: AccessSettings = { base64Bodies: false };

  constructor(private readonly opts: AccessServiceOptions) {}

  config(): AccessSettings {
    return { ...this.settings };
  }

  configure(patch: Partial<AccessSettings>): AccessSettings {
    this.settings = { ...this.settings, ...patch };
    return this.config();
  }

  get routes(): AccessRoutes {
    return this.opts.routes;
  }

  /** The default access domain of the environment (what a notify_url should use). */
  domain(): string {
    return accessDomain(this.opts.envId);
  }

  baseUrl(): string {
    return `https://${this.domain()}`;
  }

  isAccessHost(host: string): boolean {
    const h = host.toLowerCase();
    return h === this.domain() || h === `${this.opts.envId}.service.tcloudbase.com`;
  }

  /** The answer of the routed function; undefined when no route serves the path. */
  async serve(req: AccessRequest): Promise<AccessAnswer | undefined> {
    const path = new URL(req.url, 'http://access').pathname;
    const route = this.opts.routes.match(decodeURIComponent(path));
    if (!route) return undefined;
    const event = integrationEvent(req, { envId: this.opts.envId, appId: this.opts.appId }, this.settings);
    try {
      const outcome = await this.opts.functions.invoke(route.functionName, event, {
        source: 'http',
        appid: this.opts.appId,
      });
      return integrationAnswer(outcome.result);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const code = err instanceof SandboxError ? err.code : 'FUNCTIONS_EXECUTE_FAIL';
      return jsonAnswer(502, { code, message });
    }
  }

  /** For the notifier: delivers to `url` when it is on the access domain. */
  internal(
    url: URL,
    request: { headers: Record<string, string>; body: Buffer },
  ): Promise<HttpAnswer> | undefined {
    if (url.protocol !== 'https:' || !this.isAccessHost(url.host)) return undefined;
    const headers = { ...request.headers, host: url.host, 'content-length': String(request.body.length) };
    return this.serve({
      method: 'POST',
      url: `${url.pathname}${url.search}`,
      headers,
      body: request.body,
    }).then((answer) => {
      const a =
        answer ??
        jsonAnswer(404, { code: 'INVALID_PATH', message: `no HTTP access route for ${url.pathname}` });
      return { status: a.status, body: a.body.toString('utf8') };
    });
  }

  /** Serves a request that reached the sandbox's port; false when no route owns its path. */
  async handleHttp(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const path = new URL(req.url ?? '/', 'http://access').pathname;
    if (!this.opts.routes.match(decodeURIComponent(path))) return false;
    const body = await readBody(req);
    const answer = await this.serve({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      body,
    });
    if (!answer) return false;
    const { 'content-security-policy': own, ...headers } = answer.headers;
    // The function's own policy, if any, is enforced too: each one only narrows what a page may do.
    res.setHeader('content-security-policy', own ? [own, ACCESS_PAGE_CSP] : ACCESS_PAGE_CSP);
    res.writeHead(answer.status, { ...headers, 'content-length': answer.body.length });
    res.end(answer.body);
    return true;
  }
}

function jsonAnswer(status: number, body: unknown): AccessAnswer {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: Buffer.from(JSON.stringify(body), 'utf8'),
  };
}
