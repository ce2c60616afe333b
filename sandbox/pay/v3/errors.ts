/**
 * APIv3 errors (reference §8): an HTTP status and `{ code, message, detail? }`. Thrown by validation
 * and business checks, answered by the router.
 */
export interface V3Detail {
  field?: string;
  value?: unknown;
  issue?: string;
  location?: string;
  [key: string]: unknown;
}

export class V3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly detail?: V3Detail,
  ) {
    super(message);
    this.name = 'V3Error';
  }

  body(): Record<string, unknown> {
    return { code: this.code, message: this.message, ...(this.detail ? { detail: this.detail } : {}) };
  }
}

/** 400 PARAM_ERROR in the wording real answers use (the JSON pointer is in the message). */
export function paramError(message: string, detail: V3Detail = { location: 'body' }): V3Error {
  return new V3Error(400, 'PARAM_ERROR', message, detail);
}

export function invalidRequest(message: string): V3Error {
  return new V3Error(400, 'INVALID_REQUEST', message);
}

/** §8.3: what an injected fault answers, by the fault's error name (v2 spellings accepted). */
export const V3_FAULTS: Record<string, [number, string, string]> = {
  SYSTEM_ERROR: [500, 'SYSTEM_ERROR', '系统错误'],
  SYSTEMERROR: [500, 'SYSTEM_ERROR', '系统错误'],
  BANK_ERROR: [500, 'BANK_ERROR', '银行系统异常'],
  FREQUENCY_LIMITED: [429, 'FREQUENCY_LIMITED', '频率超限'],
  NOT_ENOUGH: [403, 'NOT_ENOUGH', '余额不足'],
  NOTENOUGH: [403, 'NOT_ENOUGH', '余额不足'],
  NO_AUTH: [403, 'NO_AUTH', '商户无此接口权限'],
  NOAUTH: [403, 'NO_AUTH', '商户无此接口权限'],
  USER_ACCOUNT_ABNORMAL: [403, 'USER_ACCOUNT_ABNORMAL', '退款请求失败'],
  RULE_LIMIT: [403, 'RULE_LIMIT', '业务规则限制'],
  SERVICE_UNAVAILABLE: [503, 'SERVICE_UNAVAILABLE', '服务不可用'],
};

export function faultError(name: string): V3Error {
  const [status, code, message] = V3_FAULTS[name] ?? [500, name, `injected fault: ${name}`];
  return new V3Error(status, code, message);
}
