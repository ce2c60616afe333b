/**
 * The sandbox: one HTTP server that is WeChat Cloud for wx-server-sdk (`/admin`), the WeChat client
 * for the mini-program side (`/gateway`), and a control surface for people and tests (`/sandbox`).
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import { ADMIN_TOKEN_PARAM, isLoopback, isWildcard, refusal, type AccessPolicy } from './access';
import { AccessRoutes, type AccessRoute } from './access/routes';
import { AccessService } from './access/service';
import { persistedClock, type SandboxClock } from './clock';
import { handleAdmin } from './cloud/admin';
import { CloudDatabase, type IndexSpec } from './cloud/database';
import { SandboxError } from './errors';
import { DASHBOARD_INDEXES } from './dashboard/orders';
import { serveDashboard } from './dashboard/static';
import { SandboxEvents } from './events';
import { handleControl } from './gateway/control';
import { handleGateway } from './gateway/gateway';
import { decodePath, sendError } from './http';
import { prepareMerchant } from './merchant';
import { DEFAULT_NOTIFY_PATH, kitEnvironment, writeKitConfig } from './merchant-files';
import { APIV3_ENV } from './pay/context';
import { PayService } from './pay/service';
import { V3Service } from './pay/v3/service';
import { ShippingService } from './shipping';
import { FunctionRuntime } from './runtime/functions';
import { TimerTriggers } from './runtime/triggers';

export interface SandboxOptions {
  /** 0 picks a free port. */
  port?: number;
  /** Address to bind (default 127.0.0.1). Anything but loopback requires the access token. */
  host?: string;
  /** The access token required beyond loopback (default: a random one; see `Sandbox.token`). */
  token?: string;
  /** Web origins allowed besides the sandbox's own (see access.ts). */
  allowOrigins?: string[];
  /** Where the database file lives; created if missing. */
  dataDir: string;
  /** Built functions, one folder each with index.js. */
  functionsDir: string;
  envId?: string;
  appId?: string;
  indexes?: IndexSpec[];
  /** Environment variables for every function (what the cloud console's 环境变量 sets). */
  functionEnv?: Record<string, string>;
  /** See CloudDatabaseOptions.durability. */
  durability?: 'process' | 'full';
  /** HTTP access service routes (path → event-type function). */
  routes?: AccessRoute[];
  /**
   * The pay provider the kit's functions use: `cloudpay` (the default) or `apiv3`, which gives every
   * function the test merchant's APIv3 configuration (keys, this sandbox as WeChat Pay's host, the
   * notify URL on the HTTP access domain).
   */
  provider?: 'cloudpay' | 'apiv3';
}

export interface Sandbox {
  url: string;
  adminUrl: string;
  /** Set when the sandbox listens beyond loopback: every request must present it. */
  token?: string;
  envId: string;
  appId: string;
  dataDir: string;
  clock: SandboxClock;
  db: CloudDatabase;
  pay: PayService;
  functions: FunctionRuntime;
  triggers: TimerTriggers;
  /** WeChat Pay APIv3 at /v3/… and its test merchant. */
  v3: V3Service;
  /** CloudBase's HTTP access service. */
  access: AccessService;
  /** What changes, as it changes (`GET /sandbox/events`, the dashboard's live feed). */
  events: SandboxEvents;
  /** The pay provider the kit's functions use. */
  provider: 'cloudpay' | 'apiv3';
  /** The openids the kit's functions treat as merchant admins (PAYKIT_ADMIN_OPENIDS). */
  admins(): string[];
  /** WeChat's order-shipping management (cloud calls wxa.sec.order.*, pushes, confirm receipt). */
  shipping: ShippingService;
  close(): Promise<void>;
}

export const DEFAULT_ENV_ID = 'paykit-sandbox';
export const DEFAULT_APP_ID = 'wx0000000000sandbox';

export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
  fs.mkdirSync(opts.dataDir, { recursive: true });
  // A new data folder's APIv3 merchant needs three RSA keys: made in parallel while the rest starts.
  const merchantReady = prepareMerchant(opts.dataDir, opts.appId ?? DEFAULT_APP_ID);
  merchantReady.catch(() => undefined); // awaited below; a start that fails earlier must not leave it unhandled
  const envId = opts.envId ?? DEFAULT_ENV_ID;
  const appId = opts.appId ?? DEFAULT_APP_ID;
  // Restored before anything schedules on it: records and timers agree with the time they were made in.
  const clock = persistedClock(path.join(opts.dataDir, 'clock.json'));
  const db = new CloudDatabase({
    file: path.join(opts.dataDir, 'cloud.sqlite'),
    clock,
    durability: opts.durability,
  });
  if (opts.indexes) db.ensureIndexes(opts.indexes);
  db.ensureIndexes(DASHBOARD_INDEXES);
  const events = new SandboxEvents();
  db.onWrite = (collection) => {
    if (collection === 'paykit_orders') events.emit('order');
  };
  clock.onSettingChanged(() => events.emit('clock'));

  const host = opts.host ?? '127.0.0.1';
  const token = isLoopback(host) ? undefined : (opts.token ?? randomBytes(24).toString('base64url'));
  let sandbox: Sandbox | undefined;
  let policy: AccessPolicy | undefined;
  const server = http.createServer((req, res) => {
    if (!sandbox || !policy) {
      return sendError(res, new SandboxError('STARTING', 'the sandbox is starting', 503));
    }
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const refused = refusal(policy, req, url);
    if (refused) {
      // The body is not read: let the connection go rather than drain an attacker's upload.
      res.setHeader('connection', 'close');
      return sendError(res, refused);
    }
    route(sandbox, req, res, url.pathname).catch((err: unknown) => sendError(res, err));
  });
  server.keepAliveTimeout = 60_000;
  try {
    await listen(server, opts.port ?? 0, host);
  } catch (err) {
    db.close();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  policy = { bindHost: host, port, token, allowOrigins: opts.allowOrigins };
  const url = `http://${urlHost(host)}:${port}`;
  const adminUrl = `${url}/admin`;
  const functionEnv: Record<string, string> = { ...opts.functionEnv };
  const functions = new FunctionRuntime({
    functionsDir: opts.functionsDir,
    envId,
    appId,
    // wx-server-sdk appends its query to a URL that already has one: the token rides along.
    adminUrl: token ? `${adminUrl}?${ADMIN_TOKEN_PARAM}=${encodeURIComponent(token)}&` : adminUrl,
    now: () => clock.now(),
    frozen: () => clock.state().frozen,
    // Read at every instance start: the APIv3 configuration is added once the merchant is ready.
    functionEnv,
  });
  functions.log.onAdd = (record) => events.emit('invocation', record.name);
  clock.onSettingChanged(() => functions.clockMoved());
  const pay = new PayService({
    sqlite: db.sqlite,
    clock,
    config: { subAppId: appId },
    onChange: (kind, outTradeNo) => events.emit(kind, outTradeNo),
    deliver: async (delivery) => {
      if (delivery.envId === APIV3_ENV)
        return v3.notifications.deliver(delivery.functionName, delivery.event);
      if (delivery.envId !== envId) {
        throw new Error(`env ${delivery.envId} does not exist (the sandbox env is ${envId})`);
      }
      const outcome = await functions.invoke(delivery.functionName, delivery.event, {
        source: 'wx_pay',
        appid: appId,
      });
      return outcome.result;
    },
  });
  await merchantReady;
  const access = new AccessService({ functions, envId, appId, routes: new AccessRoutes(opts.routes) });
  const v3: V3Service = new V3Service({
    pay,
    sqlite: db.sqlite,
    dataDir: opts.dataDir,
    appId,
    baseUrl: () => url,
    internal: (target, request) => access.internal(target, request),
  });
  const notifyUrl = `${access.baseUrl()}${DEFAULT_NOTIFY_PATH}`;
  writeKitConfig(opts.dataDir, v3.merchant(), { baseUrl: url, notifyUrl });
  if (opts.provider === 'apiv3') {
    // What --fn-env sets explicitly wins (say, no public key, to run the kit in certificate mode).
    Object.assign(
      functionEnv,
      kitEnvironment(v3.merchant(), { baseUrl: url, notifyUrl }),
      { PAYKIT_REFUND_NOTIFY_URL: `${notifyUrl}/refund` },
      opts.functionEnv,
    );
  }
  const triggers = new TimerTriggers(functions, clock, appId);
  const shipping = new ShippingService({
    sqlite: db.sqlite,
    clock,
    providerMchId: () => pay.config().providerMchId,
    functionExists: (name) => functions.list().includes(name),
    deliver: async (name, event) =>
      (await functions.invoke(name, event, { source: 'wx_msg', appid: appId })).result,
    takeFault: (name) => pay.takeFault(name),
  });
  sandbox = {
    url,
    adminUrl,
    token,
    envId,
    appId,
    dataDir: opts.dataDir,
    clock,
    db,
    pay,
    functions,
    triggers,
    v3,
    access,
    events,
    provider: opts.provider ?? 'cloudpay',
    admins: () => (functionEnv.PAYKIT_ADMIN_OPENIDS ?? '').split(',').filter(Boolean),
    shipping,
    close: async () => {
      triggers.stop();
      shipping.close();
      pay.close();
      await functions.close();
      clock.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      db.close();
    },
  };
  pay.start();
  shipping.start();
  triggers.reload();
  return sandbox;
}

async function route(
  sandbox: Sandbox,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  pathname: string,
): Promise<void> {
  if (pathname === '/admin' || pathname.startsWith('/admin/')) return handleAdmin(sandbox, req, res);
  if (pathname.startsWith('/gateway/')) return handleGateway(sandbox, req, res, pathname);
  if (pathname.startsWith('/sandbox/') || pathname === '/sandbox')
    return handleControl(sandbox, req, res, pathname);
  if (pathname.startsWith('/v3/')) return sandbox.v3.handle(req, res);
  if (serveDashboard(req, res, pathname)) return;
  // The HTTP access service decodes the path to match its routes: a malformed escape is refused here.
  decodePath(pathname);
  if (await sandbox.access.handleHttp(req, res)) return;
  throw new SandboxError(
    'NOT_FOUND',
    `no route for ${req.method} ${pathname} (routes: / (the dashboard), /sandbox/..., /gateway/call, /gateway/pay, /admin)`,
    404,
  );
}

/** How this machine reaches the server: loopback for a wildcard bind, IPv6 in brackets. */
function urlHost(host: string): string {
  if (isWildcard(host)) return '127.0.0.1';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        reject(
          new Error(`Port ${port} on ${host} is already in use. Stop what runs there or pass --port <n>.`),
        );
      } else reject(err);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
