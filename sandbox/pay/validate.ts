/**
 * Reading request fields the way the cloudPay backend does: a wrong JSON type fails at the platform with
 * `wx api error: -202` (reference §1, §14 #3); a missing or malformed value is a v2 return_code FAIL.
 */
import { returnFail, type PayApiFailure } from './answers';
import type { PayConfig } from './config';

export type Request = Record<string, unknown>;

/**
 * The cloud refusing a pay call before WeChat Pay sees it: answered as `{ errcode, errmsg }`, which
 * wx-server-sdk rejects with `errCode = errcode`, `errMsg = '<api>:fail <errmsg>'` (reference §1).
 */
export class PlatformRefusal extends Error {
  constructor(
    readonly errcode: number,
    readonly errmsg: string,
  ) {
    super(errmsg);
    this.name = 'PlatformRefusal';
  }
}

/**
 * The platform rejection real developers see for mistyped fields (reference §1): errCode -501001,
 * `unifiedOrder:fail wx api error: -202`.
 */
export function typeError(): PlatformRefusal {
  return new PlatformRefusal(-501001, 'wx api error: -202');
}

function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

export function missing(name: string): PayApiFailure {
  return returnFail(`${camel(name)} 不存在`);
}

export function malformed(name: string): PayApiFailure {
  return returnFail(`${name}参数格式校验错误`);
}

export interface StringRule {
  required?: boolean;
  /** Maximum length in UTF-8 bytes (WeChat's String(n) counts bytes). */
  maxBytes?: number;
  pattern?: RegExp;
}

export function readString(req: Request, name: string, rule: StringRule = {}): string | undefined {
  const value = req[name];
  if (value === undefined || value === null || value === '') {
    if (rule.required) throw missing(name);
    return undefined;
  }
  if (typeof value !== 'string') throw typeError();
  if (rule.maxBytes !== undefined && Buffer.byteLength(value, 'utf8') > rule.maxBytes) {
    throw returnFail(`${name}参数长度有误`);
  }
  if (rule.pattern && !rule.pattern.test(value)) throw malformed(name);
  return value;
}

export function requireString(req: Request, name: string, rule: Omit<StringRule, 'required'> = {}): string {
  return readString(req, name, { ...rule, required: true }) as string;
}

/** An amount in fen: a JSON integer (a string or a float is a -202), then positive. */
export function readFen(req: Request, name: string, required = true): number | undefined {
  const value = req[name];
  if (value === undefined || value === null) {
    if (required) throw missing(name);
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isInteger(value)) throw typeError();
  if (value <= 0) throw returnFail(`invalid ${name}`);
  return value;
}

export function readInt(req: Request, name: string): number | undefined {
  const value = req[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw typeError();
  return value;
}

/** sub_mch_id: required (observed message) and bound to the provider. */
export function readSubMchId(req: Request, config: PayConfig): string {
  const value = req.sub_mch_id;
  if (value === undefined || value === null || value === '') throw returnFail('受理机构必须传入sub_mch_id');
  if (typeof value !== 'string') throw typeError();
  if (!/^\d{1,32}$/.test(value)) throw malformed('sub_mch_id');
  if (config.authorizedSubMchIds.length && !config.authorizedSubMchIds.includes(value)) {
    throw returnFail('受理关系不存在');
  }
  return value;
}

export function readNonce(req: Request, required: boolean): string | undefined {
  return readString(req, 'nonce_str', { required, maxBytes: 32 });
}

export const OUT_TRADE_NO = /^[0-9A-Za-z_\-|*@]{6,32}$/;
export const OUT_REFUND_NO = /^[0-9A-Za-z_\-|*@]{1,64}$/;
