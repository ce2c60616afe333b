/**
 * The sandbox's control surface: status, functions and their logs, the database (read, query,
 * import, export), and the clock. Pay controls (deliveries, faults) live in pay-control.ts.
 */
import type { IncomingMessage, ServerResponse } from 'http';
import { Query } from 'mingo';
import { SandboxError } from '../errors';
import { readJson, requireString, sendJson } from '../http';
import type { Sandbox } from '../server';
import { handlePayControl } from './pay-control';
import { handleV3Control } from './v3-control';

export async function handleControl(
  sandbox: Sandbox,
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sandbox');
  const parts = pathname.split('/').filter(Boolean).slice(1); // drop "sandbox"
  const method = req.method ?? 'GET';
  const [area, ...rest] = parts;

  if (!area || area === 'status') {
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
  if (area === 'functions' && method === 'GET') {
    const list = sandbox.functions.list().map((name) => ({ name, ...sandbox.functions.config(name) }));
    return sendJson(res, 200, { functions: list });
  }
  if (area === 'functions' && rest[1] === 'invoke' && method === 'POST') {
    const body = await readJson(req);
    const outcome = await sandbox.functions.invoke(rest[0], body.data ?? {}, {
      openid: typeof body.openid === 'string' ? body.openid : undefined,
      appid: sandbox.appId,
      source: typeof body.source === 'string' ? body.source : 'wx_devtools',
    });
    return sendJson(res, 200, outcome);
  }
  if (area === 'functions' && rest[0] === 'reload' && method === 'POST') {
    sandbox.triggers.reload();
    return sendJson(res, 200, { functions: sandbox.functions.list(), triggers: sandbox.triggers.list() });
  }
  if (area === 'triggers') {
    return sendJson(res, 200, {
      triggers: sandbox.triggers.list(),
      firings: sandbox.triggers.firings.slice(-100),
      problems: sandbox.triggers.problems,
    });
  }
  if (area === 'logs') {
    const limit = Number(url.searchParams.get('limit') ?? 100);
    const logs = sandbox.functions.log.list({
      name: url.searchParams.get('name') ?? undefined,
      openid: url.searchParams.get('openid') ?? undefined,
      limit: Number.isFinite(limit) && limit > 0 ? limit : 100,
    });
    return sendJson(res, 200, { logs });
  }
  if (area === 'db') return handleDb(sandbox, req, res, rest, url);
  if (area === 'clock') return handleClock(sandbox, req, res);
  if (area === 'pay') return handlePayControl(sandbox, req, res, rest);
  if (area === 'v3' || area === 'access') return handleV3Control(sandbox, req, res, area, rest);
  throw new SandboxError('NOT_FOUND', `no control route ${pathname}`, 404);
}

async function handleDb(
  sandbox: Sandbox,
  req: IncomingMessage,
  res: ServerResponse,
  rest: string[],
  url: URL,
) {
  const method = req.method ?? 'GET';
  if (rest[0] === 'export' && method === 'GET') {
    const names = url.searchParams.get('collections');
    return sendJson(res, 200, sandbox.db.exportData(names ? names.split(',') : undefined));
  }
  if (rest[0] === 'import' && method === 'POST') {
    const body = await readJson(req);
    for (const [name, docs] of Object.entries(body)) {
      if (!Array.isArray(docs))
        throw new SandboxError('INVALID_PARAM', `${name} must be an array of documents`, 400);
    }
    sandbox.db.importData(body as Record<string, unknown[]>, {
      replace: url.searchParams.get('replace') === '1',
    });
    return sendJson(res, 200, {
      imported: Object.fromEntries(Object.entries(body).map(([k, v]) => [k, (v as unknown[]).length])),
    });
  }
  if (rest[0] === 'query' && method === 'POST') {
    const body = await readJson(req);
    const collection = requireString(body, 'collection');
    const where = (body.where ?? {}) as Record<string, unknown>;
    const docs = sandbox.db.exportData([collection])[collection] ?? [];
    return sendJson(res, 200, { data: new Query(where).find(docs as Record<string, unknown>[]).all() });
  }
  if (rest.length === 2 && method === 'GET') {
    return sendJson(res, 200, { data: sandbox.db.getDoc(rest[0], rest[1]) });
  }
  throw new SandboxError('NOT_FOUND', `no db route ${rest.join('/')}`, 404);
}

async function handleClock(sandbox: Sandbox, req: IncomingMessage, res: ServerResponse) {
  if (req.method === 'POST') {
    const body = await readJson(req);
    const clock = sandbox.clock;
    const n = (key: string) => {
      const v = body[key];
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw new SandboxError('INVALID_PARAM', `${key} must be a number`, 400);
      return v;
    };
    switch (body.action) {
      case 'freeze':
        clock.freeze(body.at === undefined ? undefined : n('at'));
        break;
      case 'resume':
        clock.resume();
        break;
      case 'advance':
        clock.advance(n('ms'));
        break;
      case 'set':
        clock.set(n('at'));
        break;
      default:
        throw new SandboxError('INVALID_PARAM', 'action must be freeze, resume, advance or set', 400);
    }
  }
  sendJson(res, 200, sandbox.clock.state());
}
