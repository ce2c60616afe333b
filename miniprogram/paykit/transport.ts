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

/** The sandbox gateway's answer to `POST /gateway/call`. */
type GatewayAnswer =
  { ok: true; result: unknown; requestId?: string } | { ok: false; errCode?: number; errMsg?: string };

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

function isGatewayAnswer(value: unknown): value is GatewayAnswer {
  return typeof value === 'object' && value !== null && typeof (value as { ok?: unknown }).ok === 'boolean';
}

/** Local mode: the sandbox gateway, posting as the configured sandbox user. */
export function invokeLocal(name: string, data: object, config: Readonly<PaykitConfig>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    wx.request({
      url: `${config.gatewayUrl}/gateway/call`,
      method: 'POST',
      header: { 'content-type': 'application/json' },
      data: { name, data, openid: config.localOpenid },
      success: (res) => {
        const answer: unknown = res.data;
        if (!isGatewayAnswer(answer)) {
          reject(new PaykitError('BAD_RESPONSE', `gateway answered HTTP ${res.statusCode}`));
        } else if (answer.ok) {
          resolve(answer.result);
        } else {
          reject(new PaykitError(transportCode(answer), describe(answer)));
        }
      },
      fail: (err: WxFailure) => reject(new PaykitError('NETWORK_ERROR', describe(err))),
    });
  });
}
