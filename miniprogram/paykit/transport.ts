/**
 * The two ways a call reaches a kit function. Both resolve with the function's raw return value
 * and reject with a PaykitError carrying a transport code; interpreting the value is client.ts's job.
 */
import type { PaykitConfig } from './config';
import { PaykitError } from './errors';

/** What a WeChat API failure callback receives; cloud APIs add a numeric errCode. */
interface WxFailure {
  errMsg?: string;
  errCode?: number;
}

/** The sandbox gateway's answer to `POST /gateway/call` that worked: the function's return value. */
interface GatewayResult {
  ok: true;
  result: unknown;
  requestId?: string;
}

/** The sandbox's one error shape; a failed call adds what wx.cloud.callFunction's fail would get. */
interface GatewayError {
  error: { code: string; message: string; errCode?: number; errMsg?: string };
}

function describe(err: WxFailure): string {
  return [err.errCode, err.errMsg].filter((part) => part !== undefined && part !== '').join(' ');
}

/** Timeouts and lost connections are worth retrying; everything else means the function did not run. */
function transportCode(err: WxFailure): 'NETWORK_ERROR' | 'FUNCTION_ERROR' {
  return /timeout|network|request:fail|ECONNREFUSED/i.test(err.errMsg ?? '')
    ? 'NETWORK_ERROR'
    : 'FUNCTION_ERROR';
}

/** Cloud mode: `wx.cloud.callFunction`. The env comes from `wx.cloud.init` (see app.ts). */
export function invokeCloud(name: string, data: object): Promise<unknown> {
  return new Promise((resolve, reject) => {
    if (!wx.cloud) {
      reject(new PaykitError('NOT_CONFIGURED', 'wx.cloud is not available: call wx.cloud.init first'));
      return;
    }
    wx.cloud.callFunction({
      name,
      data: { ...data },
      success: (res) => resolve(res.result),
      fail: (err: WxFailure) => reject(new PaykitError(transportCode(err), describe(err))),
    });
  });
}

function isGatewayResult(value: unknown): value is GatewayResult {
  return typeof value === 'object' && value !== null && (value as { ok?: unknown }).ok === true;
}

function isGatewayError(value: unknown): value is GatewayError {
  const error: unknown =
    typeof value === 'object' && value !== null ? (value as GatewayError).error : undefined;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}

/** The header a sandbox exposed beyond loopback (`npm start -- --host …`) wants its access token in. */
export function gatewayHeaders(config: Readonly<PaykitConfig>): Record<string, string> {
  return {
    'content-type': 'application/json',
    ...(config.gatewayToken ? { 'x-paykit-token': config.gatewayToken } : {}),
  };
}

/** Local mode: the sandbox gateway, posting as the configured sandbox user. */
export function invokeLocal(name: string, data: object, config: Readonly<PaykitConfig>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    wx.request({
      url: `${config.gatewayUrl}/gateway/call`,
      method: 'POST',
      header: gatewayHeaders(config),
      data: { name, data, openid: config.localOpenid },
      success: (res) => {
        const answer: unknown = res.data;
        if (res.statusCode === 200 && isGatewayResult(answer)) {
          resolve(answer.result);
        } else if (isGatewayError(answer)) {
          const { code, message, errCode, errMsg } = answer.error;
          const failure = { errCode, errMsg: errMsg ?? `${code} ${message}` };
          reject(new PaykitError(transportCode(failure), describe(failure)));
        } else {
          reject(new PaykitError('BAD_RESPONSE', `gateway answered HTTP ${res.statusCode}`));
        }
      },
      fail: (err: WxFailure) => reject(new PaykitError('NETWORK_ERROR', describe(err))),
    });
  });
}
