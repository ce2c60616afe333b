/**
 * The mini-program's side of the sandbox: what `wx.cloud.callFunction` and `wx.requestPayment` do
 * in the real client, over plain HTTP, as a chosen sandbox user. The kit's `paykit` client uses it
 * in local mode (WeChat DevTools), and the tests use it as the WeChat client.
 *
 * `POST /gateway/call` answers 200 `{ ok: true, result, requestId }` with whatever the function
 * returned (a kit function's own `{ ok: false, code }` is data, not a gateway error). When the call
 * itself fails, the answer is the sandbox's one error shape, plus what wx.cloud.callFunction's fail
 * callback would have received: `{ error: { code, message, errCode, errMsg } }` with 400 (bad
 * request), 404 (no such function), 502 (it threw, timed out or returned something not JSON).
 */
import type { IncomingMessage, ServerResponse } from 'http';
import { SandboxError } from '../errors';
import { badRequest, oneOf, optionalString, readJson, requireString, sendError, sendJson } from '../http';
import { PAYER_ACTIONS } from '../pay/payer';
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
  // A 204 has no body, so no content-type or content-length either (RFC 9110 §15.3.5, §8.6).
  if (req.method === 'OPTIONS') return void res.writeHead(204).end();
  const route = pathname === '/gateway/call' || pathname === '/gateway/pay' ? pathname : undefined;
  if (!route) {
    throw new SandboxError(
      'NOT_FOUND',
      `no gateway route ${pathname} (POST /gateway/call, /gateway/pay)`,
      404,
    );
  }
  if (req.method !== 'POST') throw new SandboxError('METHOD_NOT_ALLOWED', `${route} takes POST`, 405);
  const body = await readJson(req);
  if (route === '/gateway/call') return callFunction(sandbox, body, res);
  // An APIv3 order's payment parameters (signType RSA) are checked as WeChat's sheet does.
  const failure = sandbox.v3.checkPayment(body);
  if (failure) return void sendJson(res, 200, { errMsg: `requestPayment:fail ${failure}` });
  const answer = await sandbox.pay.act({
    package: requireString(body, 'package'),
    openid: requireString(body, 'openid'),
    action: oneOf('action', body.action, PAYER_ACTIONS, 'pay')!,
  });
  sendJson(res, 200, answer);
}

async function callFunction(
  sandbox: Sandbox,
  body: Record<string, unknown>,
  res: ServerResponse,
): Promise<void> {
  try {
    const name = requireString(body, 'name');
    const openid = requireString(body, 'openid');
    const appid = optionalString(body, 'appid') ?? sandbox.appId;
    const data = body.data ?? {};
    if (typeof data !== 'object' || Array.isArray(data)) {
      throw badRequest('data must be an object (the event the function receives)');
    }
    // The cloud adds the caller to the event of a client call.
    const event = { ...(data as Record<string, unknown>), userInfo: { appId: appid, openId: openid } };
    const outcome = await sandbox.functions.invoke(name, event, { openid, appid, source: 'wx_client' });
    sendJson(res, 200, { ok: true, result: outcome.result, requestId: outcome.requestId });
  } catch (err) {
    if (!(err instanceof SandboxError)) throw err;
    const errCode = CALL_ERROR_CODES[err.code] ?? -501001;
    sendError(res, err, { errCode, errMsg: `cloud.callFunction:fail ${errCode} ${err.message}` });
  }
}
