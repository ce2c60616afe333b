/**
 * The mini-program's side of the sandbox: what `wx.cloud.callFunction` and `wx.requestPayment` do
 * in the real client, over plain HTTP, as a chosen sandbox user. The kit's `paykit` client uses it
 * in local mode (WeChat DevTools), and the tests use it as the WeChat client.
 */
import type { IncomingMessage, ServerResponse } from 'http';
import { SandboxError } from '../errors';
import { optionalString, readJson, requireString, sendJson } from '../http';
import type { Sandbox } from '../server';

/** tcb error codes as wx.cloud.callFunction reports them. */
const CALL_ERROR_CODES: Record<string, number> = {
  FUNCTIONS_REQUEST_FAIL: -504001,
  FUNCTIONS_EXECUTE_FAIL: -504002,
  INVALID_PARAM: -501007,
};

export async function handleGateway(
  sandbox: Sandbox,
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
): Promise<void> {
  if (req.method === 'OPTIONS') return void sendJson(res, 204, null);
  if (req.method !== 'POST') throw new SandboxError('INVALID_PARAM', 'gateway calls are POST', 405);
  const body = await readJson(req);
  if (pathname === '/gateway/call') return void sendJson(res, 200, await callFunction(sandbox, body));
  if (pathname === '/gateway/pay') {
    // An APIv3 order's payment parameters (signType RSA) are checked as WeChat's sheet does.
    const failure = sandbox.v3.checkPayment(body);
    if (failure) return void sendJson(res, 200, { errMsg: `requestPayment:fail ${failure}` });
    const answer = await sandbox.pay.act({
      package: requireString(body, 'package'),
      openid: requireString(body, 'openid'),
      action: payAction(body.action),
    });
    return void sendJson(res, 200, answer);
  }
  throw new SandboxError('NOT_FOUND', `no gateway route ${pathname}`, 404);
}

async function callFunction(sandbox: Sandbox, body: Record<string, unknown>) {
  try {
    const name = requireString(body, 'name');
    const openid = requireString(body, 'openid');
    const appid = optionalString(body, 'appid') ?? sandbox.appId;
    const data = body.data ?? {};
    if (typeof data !== 'object' || Array.isArray(data)) {
      throw new SandboxError('INVALID_PARAM', 'data must be an object');
    }
    // The cloud adds the caller to the event of a client call.
    const event = { ...(data as Record<string, unknown>), userInfo: { appId: appid, openId: openid } };
    const outcome = await sandbox.functions.invoke(name, event, { openid, appid, source: 'wx_client' });
    return { ok: true, result: outcome.result, requestId: outcome.requestId };
  } catch (err) {
    if (!(err instanceof SandboxError)) throw err;
    const errCode = CALL_ERROR_CODES[err.code] ?? -501001;
    return { ok: false, errCode, errMsg: `cloud.callFunction:fail ${errCode} ${err.message}` };
  }
}

function payAction(value: unknown): 'pay' | 'cancel' | 'fail' | 'notenough' | 'slow' {
  const actions = ['pay', 'cancel', 'fail', 'notenough', 'slow'] as const;
  const found = actions.find((a) => a === (value ?? 'pay'));
  if (!found) throw new SandboxError('INVALID_PARAM', `action must be one of ${actions.join(', ')}`, 400);
  return found;
}
