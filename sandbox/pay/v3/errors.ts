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

/**
 * §8.3, §7.4: every documented error code as a fault, with its HTTP status and meaning (older
 * spellings in brackets in the reference are accepted and answer the current code). `ORDER_PAID`
 * and `ORDERPAID` are the two UNCONFIRMED spellings of "order already paid" (§4.2, §5.4).
 */
export const V3_FAULTS: Record<string, [number, string, string]> = {
  PARAM_ERROR: [400, 'PARAM_ERROR', '参数错误'],
  INVALID_REQUEST: [400, 'INVALID_REQUEST', '无效请求'],
  APPID_MCHID_NOT_MATCH: [400, 'APPID_MCHID_NOT_MATCH', 'appid和mch_id不匹配'],
  MCH_NOT_EXISTS: [400, 'MCH_NOT_EXISTS', '商户号不存在'],
  ORDER_CLOSED: [400, 'ORDER_CLOSED', '订单已关闭'],
  ORDER_PAID: [400, 'ORDER_PAID', '订单已支付'],
  ORDERPAID: [400, 'ORDERPAID', '订单已支付'],
  NO_STATEMENT_EXIST: [400, 'NO_STATEMENT_EXIST', '账单文件不存在'],
  STATEMENT_CREATING: [400, 'STATEMENT_CREATING', '账单生成中'],
  SIGN_ERROR: [401, 'SIGN_ERROR', '签名错误'],
  NO_AUTH: [403, 'NO_AUTH', '商户无此接口权限'],
  NOAUTH: [403, 'NO_AUTH', '商户无此接口权限'],
  OUT_TRADE_NO_USED: [403, 'OUT_TRADE_NO_USED', '商户订单号重复'],
  RULE_LIMIT: [403, 'RULE_LIMIT', '业务规则限制'],
  RULELIMIT: [403, 'RULE_LIMIT', '业务规则限制'],
  TRADE_ERROR: [403, 'TRADE_ERROR', '交易错误'],
  NOT_ENOUGH: [403, 'NOT_ENOUGH', '余额不足'],
  NOTENOUGH: [403, 'NOT_ENOUGH', '余额不足'],
  ACCOUNT_ERROR: [403, 'ACCOUNT_ERROR', '账号异常'],
  ACCOUNTERROR: [403, 'ACCOUNT_ERROR', '账号异常'],
  USER_ACCOUNT_ABNORMAL: [403, 'USER_ACCOUNT_ABNORMAL', '退款请求失败'],
  ORDER_NOT_EXIST: [404, 'ORDER_NOT_EXIST', '订单不存在'],
  ORDERNOTEXIST: [404, 'ORDER_NOT_EXIST', '订单不存在'],
  RESOURCE_NOT_EXISTS: [404, 'RESOURCE_NOT_EXISTS', '订单号不存在'],
  FREQUENCY_LIMITED: [429, 'FREQUENCY_LIMITED', '频率超限'],
  SYSTEM_ERROR: [500, 'SYSTEM_ERROR', '系统错误'],
  SYSTEMERROR: [500, 'SYSTEM_ERROR', '系统错误'],
  BANK_ERROR: [500, 'BANK_ERROR', '银行系统异常'],
  BANKERROR: [500, 'BANK_ERROR', '银行系统异常'],
  OPENID_MISMATCH: [500, 'OPENID_MISMATCH', 'openid和appid不匹配'],
  INVALID_TRANSACTIONID: [500, 'INVALID_TRANSACTIONID', '订单号非法'],
  SERVICE_UNAVAILABLE: [503, 'SERVICE_UNAVAILABLE', '服务不可用'],
  USERPAYING: [202, 'USERPAYING', '用户支付中'],
};

/** Where an API's own error table gives a code another status or meaning (§8.3 Refund, refund query). */
const FAULTS_BY_API: Record<string, Record<string, [number, string]>> = {
  'v3.refund': {
    MCH_NOT_EXISTS: [404, '商户号不存在'],
    NO_AUTH: [403, '没有退款权限'],
    FREQUENCY_LIMITED: [429, '频率限制'],
    SYSTEM_ERROR: [500, '系统超时'],
  },
  'v3.queryRefund': { RESOURCE_NOT_EXISTS: [404, '退款单不存在'] },
};

export function faultError(name: string, api: string): V3Error {
  const [status, code, message] = V3_FAULTS[name] ?? [500, name, `injected fault: ${name}`];
  const own = FAULTS_BY_API[api]?.[code];
  return own ? new V3Error(own[0], code, own[1]) : new V3Error(status, code, message);
}
