/**
 * The dashboard's read routes, under `/sandbox/dashboard/`, for what the browser cannot cheaply
 * assemble from the control routes: the overview, the paged orders list, an order's timeline and
 * WeChat Pay's trades. Everything else (actions, the clock, faults) goes through the routes the CLI
 * uses. Bad input is a 400 naming what is expected, an unknown route a 404.
 */
import type { IncomingMessage, ServerResponse } from 'http';
import type { LocalUser, Overview, TradeRowView, TradesPage } from '../../typings/sandbox/dashboard';
import { LOCAL_USERS } from '../commands/call-commands';
import { SandboxError } from '../errors';
import { decodePath, oneOf, sendJson } from '../http';
import { APIV3_ENV } from '../pay/context';
import type { Sandbox } from '../server';
import { countByStatus, listOrders, ordersFilter } from './orders';
import { orderTimeline } from './timeline';
import { handleToolRoute } from './tool-routes';

const TRADE_STATES = ['NOTPAY', 'SUCCESS', 'REFUND', 'CLOSED'] as const;
const APIS = ['cloudpay', 'apiv3'] as const;
/** The trades list shows the newest this many (WeChat Pay's own console pages too). */
const TRADES_LIMIT = 200;
const ROUTES = 'GET overview, orders, orders/<orderNo>, trades';

export function overview(sandbox: Sandbox): Overview {
  const admins = sandbox.admins();
  const users: LocalUser[] = Object.entries(LOCAL_USERS).map(([name, openid]) => ({
    name,
    openid,
    admin: admins.includes(openid),
  }));
  return {
    clock: sandbox.clock.state(),
    counts: countByStatus(sandbox.db),
    faults: sandbox.pay.faults(),
    users,
    provider: sandbox.provider,
    envId: sandbox.envId,
    functions: sandbox.functions.list(),
  };
}

function trades(sandbox: Sandbox, q: URLSearchParams): TradesPage {
  const state = oneOf('state', q.get('state'), TRADE_STATES);
  const api = oneOf('api', q.get('api'), APIS);
  const rows: TradeRowView[] = sandbox.pay.trades({ state, api, newest: TRADES_LIMIT }).map((t) => ({
    outTradeNo: t.outTradeNo,
    api: t.envId === APIV3_ENV ? ('apiv3' as const) : ('cloudpay' as const),
    mchid: t.subMchId,
    state: t.state,
    totalFee: t.totalFee,
    openid: t.subOpenid || t.openid,
    body: t.body,
    createdAt: t.createdAt,
    timeEnd: t.timeEnd,
    transactionId: t.transactionId,
    refundedFee: t.refundedFee,
    prepays: t.prepays,
  }));
  return { trades: rows.reverse() };
}

export async function handleDashboard(
  sandbox: Sandbox,
  req: IncomingMessage,
  res: ServerResponse,
  rest: string[],
  url: URL,
): Promise<void> {
  // The tool pages' routes (Callbacks, Functions, Database, Bills, Faults): tool-routes.ts.
  if (await handleToolRoute(sandbox, req, res, rest, url)) return;
  if (req.method !== 'GET') {
    throw new SandboxError('METHOD_NOT_ALLOWED', `/sandbox/dashboard/${rest.join('/')} takes GET`, 405);
  }
  const [what, id, ...more] = rest;
  if (what === 'overview' && id === undefined) return sendJson(res, 200, overview(sandbox));
  if (what === 'orders' && id === undefined) {
    return sendJson(res, 200, listOrders(sandbox.db, ordersFilter(url.searchParams)));
  }
  if (what === 'orders' && id !== undefined && !more.length) {
    return sendJson(res, 200, orderTimeline(sandbox, decodePath(id, 'the order number')));
  }
  if (what === 'trades' && id === undefined) return sendJson(res, 200, trades(sandbox, url.searchParams));
  throw new SandboxError('NOT_FOUND', `no dashboard route GET ${rest.join('/')} (${ROUTES})`, 404);
}
