/**
 * The sandbox's control surface: status, functions and their logs, the database (read, query,
 * import, export), and the clock. Pay controls (deliveries, faults) live in pay-control.ts.
 * Every input is checked here: bad input is a 400 naming the valid values, an unknown route a 404.
 */
import type { IncomingMessage, ServerResponse } from 'http';
import { SandboxError } from '../errors';
import { badRequest, oneOf, optionalString, readJson, requireString, sendJson, wholeNumber } from '../http';
import { mingo } from '../cloud/mingo';
import { isKillMode } from '../runtime/chaos';
import type { Sandbox } from '../server';
import { streamEvents } from '../dashboard/live';
import { handleDashboard } from '../dashboard/routes';
import { handlePayControl } from './pay-control';
import { handleShippingControl } from './shipping-control';
import { handleV3Control } from './v3-control';

/** What getWXContext().SOURCE can say (runtime/functions.ts Caller). */
const SOURCES = ['wx_devtools', 'wx_client', 'scf', 'timer', 'wx_pay'] as const;
const CLOCK_ACTIONS = ['freeze', 'resume', 'advance', 'set', 'reset'] as const;
const AREAS = 'status, functions, triggers, logs, db, clock, pay, v3, access, shipping, events, dashboard';

export async function handleControl(
  sandbox: Sandbox,
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sandbox');
  const parts = pathname.split('/').filter(Boolean).slice(1); // drop "sandbox"
  const method = req.method ?? 'GET';
  const [area = 'status', ...rest] = parts;
  const only = (allowed: string, path = `/sandbox/${parts.join('/')}`) => {
    if (!allowed.split('|').includes(method)) {
      throw new SandboxError('METHOD_NOT_ALLOWED', `${path} takes ${allowed.replace('|', ' or ')}`, 405);
    }
  };

  if (area === 'status' && !rest.length) {
    only('GET');
    return sendJson(res, 200, {
      url: sandbox.url,
      envId: sandbox.envId,
      appId: sandbox.appId,
      functions: sandbox.functions.list(),
      clock: sandbox.clock.state(),
      openTransactions: sandbox.db.openTransactions(),
      apiv3: { mchid: sandbox.v3.merchant().mchid, accessDomain: sandbox.access.domain() },
    });
  }
  if (area === 'functions' && rest.length === 1 && (rest[0] === 'kill' || rest[0] === 'chaos')) {
    return handleChaos(sandbox, req, res, rest[0]);
  }
  if (area === 'functions' && !rest.length) {
    only('GET');
    const list = sandbox.functions.list().map((name) => ({ name, ...sandbox.functions.config(name) }));
    // Spare workers: started, wx-server-sdk loaded, no function yet (runtime/spares.ts).
    return sendJson(res, 200, { functions: list, spares: sandbox.functions.sparePids() });
  }
  if (area === 'functions' && rest.length === 2 && rest[1] === 'invoke') {
    only('POST');
    return invoke(sandbox, req, res, rest[0]);
  }
  if (area === 'functions' && rest.length === 1 && rest[0] === 'reload') {
    only('POST');
    sandbox.triggers.reload();
    return sendJson(res, 200, { functions: sandbox.functions.list(), triggers: sandbox.triggers.list() });
  }
  if (area === 'triggers' && rest[0] === 'settle' && rest.length === 1) {
    only('POST');
    await sandbox.triggers.settled();
    return sendJson(res, 200, { settled: true });
  }
  if (area === 'triggers' && !rest.length) {
    only('GET');
    return sendJson(res, 200, {
      triggers: sandbox.triggers.list(),
      firings: sandbox.triggers.firings.slice(-100),
      problems: sandbox.triggers.problems,
    });
  }
  if (area === 'logs' && !rest.length) {
    only('GET');
    const limit = url.searchParams.get('limit');
    const logs = sandbox.functions.log.list({
      name: url.searchParams.get('name') ?? undefined,
      openid: url.searchParams.get('openid') ?? undefined,
      limit: limit === null ? 100 : wholeNumber('limit', /^\d+$/.test(limit) ? Number(limit) : limit, 1),
    });
    return sendJson(res, 200, { logs });
  }
  if (area === 'db') return handleDb(sandbox, req, res, rest, url);
  if (area === 'clock' && !rest.length) {
    only('GET|POST');
    return handleClock(sandbox, req, res);
  }
  if (area === 'pay') return handlePayControl(sandbox, req, res, rest);
  if (area === 'events' && !rest.length) {
    only('GET');
    return streamEvents(sandbox, req, res);
  }
  if (area === 'dashboard') return handleDashboard(sandbox, req, res, rest, url);
  if (area === 'shipping') return handleShippingControl(sandbox, req, res, rest);
  if (area === 'v3' || area === 'access') return handleV3Control(sandbox, req, res, area, rest);
  throw new SandboxError('NOT_FOUND', `no control route ${method} ${pathname} (areas: ${AREAS})`, 404);
}

async function invoke(sandbox: Sandbox, req: IncomingMessage, res: ServerResponse, name: string) {
  const body = await readJson(req);
  // Any JSON is an event here (fuzzing a function's own input checks); the gateway takes objects only.
  const data = body.data ?? {};
  if (!sandbox.functions.list().includes(name)) {
    throw new SandboxError(
      'NOT_FOUND',
      `no function ${JSON.stringify(name)}; the functions are ${sandbox.functions.list().join(', ') || '(none built)'}`,
      404,
    );
  }
  const outcome = await sandbox.functions.invoke(name, data, {
    openid: optionalString(body, 'openid'),
    appid: sandbox.appId,
    source: oneOf('source', body.source, SOURCES, 'wx_devtools')!,
  });
  sendJson(res, 200, outcome);
}

/**
 * Crashes on demand: `POST functions/kill { name?, mode: idle|busy|any }` SIGKILLs one instance at
 * random; `GET|POST functions/chaos { killRate, names, withinCalls, seed }` dooms that share of
 * invocations to die at one of their cloud API calls (runtime/chaos.ts), and reports the kills.
 */
async function handleChaos(sandbox: Sandbox, req: IncomingMessage, res: ServerResponse, what: string) {
  const chaos = sandbox.functions.chaos;
  if (what === 'kill' && req.method === 'POST') {
    const body = await readJson(req);
    const mode = body.mode ?? 'any';
    if (!isKillMode(mode)) throw new SandboxError('INVALID_PARAM', 'mode must be idle, busy or any', 400);
    const name = optionalString(body, 'name');
    return sendJson(res, 200, { killed: await sandbox.functions.kill({ name, mode }) });
  }
  if (what === 'chaos' && (req.method === 'POST' || req.method === 'GET')) {
    const settings = req.method === 'POST' ? chaos.configure(await readJson(req)) : chaos.settings();
    return sendJson(res, 200, { settings, stats: chaos.stats });
  }
  throw new SandboxError('NOT_FOUND', `no route ${req.method} functions/${what}`, 404);
}

async function handleDb(
  sandbox: Sandbox,
  req: IncomingMessage,
  res: ServerResponse,
  rest: string[],
  url: URL,
) {
  const method = req.method ?? 'GET';
  const route = `${method} ${rest.length === 2 ? ':collection/:id' : rest.join('/')}`;
  switch (route) {
    case 'GET export': {
      const names = url.searchParams.get('collections');
      return sendJson(res, 200, sandbox.db.exportData(names ? names.split(',').filter(Boolean) : undefined));
    }
    case 'POST import': {
      const replace = oneOf('replace', url.searchParams.get('replace'), ['1', '0', 'true', 'false']);
      const body = await readJson(req);
      for (const [name, docs] of Object.entries(body)) {
        if (!Array.isArray(docs)) throw badRequest(`${name} must be an array of documents`);
      }
      sandbox.db.importData(body as Record<string, unknown[]>, {
        replace: replace === '1' || replace === 'true',
      });
      return sendJson(res, 200, {
        imported: Object.fromEntries(Object.entries(body).map(([k, v]) => [k, (v as unknown[]).length])),
      });
    }
    case 'POST query': {
      const body = await readJson(req);
      const collection = requireString(body, 'collection');
      const where = body.where ?? {};
      if (typeof where !== 'object' || Array.isArray(where)) {
        throw badRequest('where must be an object (a query such as { "status": "SUCCESS" })');
      }
      const docs = sandbox.db.exportData([collection])[collection] ?? [];
      let found: unknown[];
      try {
        const { Query } = mingo();
        found = new Query(where as Record<string, unknown>).find(docs as Record<string, unknown>[]).all();
      } catch (err) {
        throw badRequest(`where is not a valid query: ${(err as Error).message}`);
      }
      return sendJson(res, 200, { data: found });
    }
    case 'GET :collection/:id':
      return sendJson(res, 200, { data: sandbox.db.getDoc(rest[0], rest[1]) });
    default:
      throw new SandboxError(
        'NOT_FOUND',
        `no db route ${route} (GET export, POST import, POST query, GET <collection>/<id>)`,
        404,
      );
  }
}

async function handleClock(sandbox: Sandbox, req: IncomingMessage, res: ServerResponse) {
  if (req.method === 'POST') {
    const body = await readJson(req);
    const clock = sandbox.clock;
    const action = oneOf('action', body.action, CLOCK_ACTIONS);
    // An instant: ms since the epoch, within what a Date can hold.
    const instant = (key: string) => {
      const at = wholeNumber(key, body[key], 0);
      if (at === undefined || at > 8.64e15) throw badRequest(`${key} must be a time in ms since the epoch`);
      return at;
    };
    switch (action) {
      case 'freeze':
        clock.freeze(body.at === undefined ? undefined : instant('at'));
        break;
      case 'resume':
        clock.resume();
        break;
      case 'advance': {
        if (typeof body.ms === 'number' && body.ms < 0) {
          throw badRequest(
            `ms must be a whole number ≥ 0 (time only moves forward; use set to go back); got ${body.ms}`,
          );
        }
        const ms = wholeNumber('ms', body.ms, 0);
        if (ms === undefined) throw badRequest('advance needs ms, a whole number ≥ 0');
        clock.advance(ms);
        break;
      }
      case 'set':
        clock.set(instant('at'));
        break;
      case 'reset':
        clock.reset();
        break;
      default:
        throw badRequest(`action must be one of ${CLOCK_ACTIONS.join(', ')}`);
    }
  }
  sendJson(res, 200, sandbox.clock.state());
}
