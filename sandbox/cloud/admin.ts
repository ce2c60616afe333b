/**
 * Answers the `/admin` actions wx-server-sdk sends: `database.*` to the database, function calls
 * to the runtime, `wx.wxPayApi` to the pay emulator and `wx.openApi` (cloud calls) to the
 * order-shipping emulation. The API token in each request tells
 * which invocation (and so which caller) is asking.
 */
import type { IncomingMessage, ServerResponse } from 'http';
import { randomBytes } from 'crypto';
import { SandboxError } from '../errors';
import type { Invocation } from '../runtime/functions';
import type { Sandbox } from '../server';
import { decodeApiOptions, decodeOpenApiRequest, encodeOpenApiAnswer } from '../shipping/wire';
import { fieldText, parseAdminBody, readBody, transportOf, type AdminParams } from './protocol';

export async function handleAdmin(
  sandbox: Sandbox,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const requestId = randomBytes(12).toString('hex');
  try {
    const params = parseAdminBody(req.headers['content-type'], await readBody(req));
    const answer = await dispatch(sandbox, params);
    if ('raw' in answer) {
      res.writeHead(200, { 'content-type': answer.contentType, 'content-length': answer.raw.length });
      res.end(answer.raw);
      return;
    }
    // A pay answer goes out bare; with a charset in its content type the SDK's response hook
    // would pre-parse it and then refuse it as an unknown response.
    if (answer.bare) send(res, answer.json, 'application/json');
    else send(res, { requestId, ...answer.json });
  } catch (err) {
    const e =
      err instanceof SandboxError
        ? err
        : new SandboxError('SYS_ERR', `sandbox error: ${(err as Error).message}`);
    if (!(err instanceof SandboxError)) console.error('[sandbox] /admin failed:', err);
    send(res, { code: e.code, message: e.message, requestId });
  }
}

type AdminAnswer = { json: Record<string, unknown>; bare?: boolean } | { raw: Buffer; contentType: string };

async function dispatch(sandbox: Sandbox, params: AdminParams): Promise<AdminAnswer> {
  const { action, wxCloudApiToken } = transportOf(params);
  const invocation = wxCloudApiToken ? sandbox.functions.identify(wxCloudApiToken) : undefined;
  if (invocation) {
    const kind = action.startsWith('database.')
      ? 'database'
      : action === 'wx.wxPayApi'
        ? 'pay'
        : action === 'wx.openApi'
          ? 'openapi'
          : 'functions';
    invocation.calls[kind]++;
    // Chaos (bench chaos): the instance may die before this call is carried out, or just after.
    if (await sandbox.functions.atApiCall(invocation, 'before'))
      throw new SandboxError('SYS_ERR', 'the function instance was killed');
  }
  const answer = await perform(sandbox, params, action, invocation);
  if (invocation) await sandbox.functions.atApiCall(invocation, 'after');
  return answer;
}

async function perform(
  sandbox: Sandbox,
  params: AdminParams,
  action: string,
  invocation: Invocation | undefined,
): Promise<AdminAnswer> {
  if (action.startsWith('database.')) {
    return { json: await sandbox.db.handle(action, stripTransport(params)) };
  }
  if (action === 'functions.invokeFunction') {
    const name = fieldText(params.function_name);
    let event: unknown = {};
    const raw = fieldText(params.request_data);
    if (raw) {
      try {
        event = JSON.parse(raw);
      } catch {
        throw new SandboxError('INVALID_PARAM', 'request_data is not JSON');
      }
    }
    // A function called from another function keeps the original caller, as in the cloud.
    const caller = invocation
      ? { ...invocation.caller, source: 'scf' }
      : { source: 'scf', appid: sandbox.appId };
    const outcome = await sandbox.functions.invoke(name, event, caller);
    return { json: { data: { response_data: JSON.stringify(outcome.result) } } };
  }
  if (action === 'wx.wxPayApi') {
    const apiName = fieldText(params.apiName);
    let requestData: Record<string, unknown>;
    try {
      requestData = JSON.parse(fieldText(params.requestData) || '{}') as Record<string, unknown>;
    } catch {
      throw new SandboxError('INVALID_PARAM', 'requestData is not JSON');
    }
    // Reference §1, sub-app option: `cloud.cloudPay({ appid })` pays for that mini-program.
    const options = params.apiOptions;
    const subApp = Buffer.isBuffer(options) ? decodeApiOptions(options) : '';
    const caller = {
      appid: subApp || (invocation?.caller.appid ?? sandbox.appId),
      openid: invocation?.caller.openid,
      envId: sandbox.envId,
      openapi: invocation ? () => sandbox.functions.config(invocation.name).openapi : undefined,
    };
    const answer = await sandbox.pay.call(apiName, requestData, caller);
    // The platform's refusal goes out as JSON the SDK parses into an object, which it rejects with
    // its errcode; WeChat Pay's answers go out bare, which it parses itself.
    if ('platform' in answer) return { json: answer.platform };
    return 'json' in answer ? { json: answer.json, bare: true } : answer;
  }
  if (action === 'wx.openApi')
    return { raw: await openApi(sandbox, params, invocation), contentType: 'application/octet-stream' };
  throw new SandboxError('INVALID_PARAM', `action ${action} is not emulated by the paykit sandbox`);
}

/** A cloud call (`cloud.openapi.*`): protobuf in, protobuf with WeChat's JSON out (shipping/wire.ts). */
async function openApi(
  sandbox: Sandbox,
  params: AdminParams,
  invocation: Invocation | undefined,
): Promise<Buffer> {
  const api = fieldText(params.apiName);
  const raw = params.requestData;
  const request = decodeOpenApiRequest(Buffer.isBuffer(raw) ? raw : Buffer.from(fieldText(raw), 'utf8'));
  const body: Record<string, unknown> = {};
  for (const { key, json } of request.pairs) {
    try {
      body[key] = JSON.parse(json) as unknown;
    } catch {
      return encodeOpenApiAnswer({ json: { errcode: 47001, errmsg: `data format error: ${key}` } });
    }
  }
  const caller = {
    appid: request.appid || invocation?.caller.appid || sandbox.appId,
    permissions: invocation ? sandbox.functions.config(invocation.name).openapi : undefined,
  };
  return encodeOpenApiAnswer(await sandbox.shipping.call(api, body, caller));
}

const TRANSPORT_FIELDS = [
  'envName',
  'wxCloudApiToken',
  'wxCloudbaseAccesstoken',
  'tcb_sessionToken',
  'sessionToken',
  'crossAuthorizationToken',
  'timestamp',
  'eventId',
  'wxCloudSessionToken',
  'dataVersion',
];

function stripTransport(params: AdminParams): AdminParams {
  const out: AdminParams = {};
  for (const [k, v] of Object.entries(params)) if (!TRANSPORT_FIELDS.includes(k)) out[k] = v;
  return out;
}

function send(res: ServerResponse, body: unknown, contentType = 'application/json; charset=utf-8'): void {
  const text = JSON.stringify(body);
  res.writeHead(200, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
