/**
 * Reading v3 request bodies the way WeChat's gateway maps JSON onto its fields (§8.2, §15): the JSON
 * pointer and the field's Chinese name go into the PARAM_ERROR message, `detail` carries the location
 * and the value.
 */
import { isIP } from 'node:net';
import { paramError, type V3Error } from './errors';

export type Json = Record<string, unknown>;

export interface FieldRule {
  /** JSON pointer below /body, e.g. `amount/total`. */
  path: string;
  /** The field's name in WeChat's messages, e.g. `总金额`. */
  label: string;
  required?: boolean;
  maxBytes?: number;
  minLength?: number;
  pattern?: RegExp;
  location?: 'body' | 'query' | 'path';
}

/** The value at a pointer below the body; a numeric segment indexes an array (`goods_detail/0/quantity`). */
function at(body: Json, path: string): unknown {
  let value: unknown = body;
  for (const key of path.split('/')) {
    if (Array.isArray(value)) {
      value = /^\d+$/.test(key) ? (value as unknown[])[Number(key)] : undefined;
      continue;
    }
    if (typeof value !== 'object' || value === null || !Object.prototype.hasOwnProperty.call(value, key)) {
      return undefined;
    }
    value = (value as Json)[key];
  }
  return value;
}

function wrongType(rule: FieldRule, what: string, value: unknown): V3Error {
  return paramError(
    `无法将 JSON 输入源“${pointer(rule)}”映射到目标字段“${rule.label}”中，此字段需要一个${what}`,
    { location: rule.location ?? 'body', value },
  );
}

function pointer(rule: FieldRule): string {
  return `/${rule.location ?? 'body'}/${rule.path}`;
}

export function missingField(rule: FieldRule): V3Error {
  return paramError(`输入源“${pointer(rule)}”映射到字段“${rule.label}”必填性规则校验失败，此字段为必填项`, {
    location: rule.location ?? 'body',
  });
}

function ruleFailed(rule: FieldRule, why: string, value: unknown): V3Error {
  return paramError(`输入源“${pointer(rule)}”映射到值字段“${rule.label}”字符串规则校验失败，${why}`, {
    location: rule.location ?? 'body',
    value,
  });
}

/** WeChat accepts only 1–3 byte UTF-8 characters (§1.1): no emoji. */
const FOUR_BYTE = /[\u{10000}-\u{10FFFF}]/u;

export function readText(body: Json, rule: FieldRule): string | undefined {
  const value = at(body, rule.path);
  if (value === undefined || value === null) {
    if (rule.required) throw missingField(rule);
    return undefined;
  }
  if (typeof value !== 'string') {
    throw paramError(
      `无法将 JSON 输入源“${pointer(rule)}”映射到目标字段“${rule.label}”中，此字段需要一个字符串`,
      {
        location: rule.location ?? 'body',
        value,
      },
    );
  }
  if (rule.required && value === '') throw missingField(rule);
  const bytes = Buffer.byteLength(value);
  if (rule.maxBytes !== undefined && bytes > rule.maxBytes) {
    throw ruleFailed(rule, `字节数 ${bytes}，大于最大值 ${rule.maxBytes}`, value);
  }
  if (rule.minLength !== undefined && value.length < rule.minLength) {
    throw ruleFailed(rule, `字节数 ${bytes}，小于最小值 ${rule.minLength}`, value);
  }
  if (rule.pattern && !rule.pattern.test(value)) {
    throw ruleFailed(rule, `字符串必须匹配正则表达式 ${rule.pattern.source}`, value);
  }
  if (FOUR_BYTE.test(value)) throw ruleFailed(rule, '字符串包含不支持的4字节UTF-8字符', value);
  return value;
}

/** §15: a money amount must be a JSON integer (0.01 and 110.00000000000001 are refused). */
export function readInteger(body: Json, rule: FieldRule): number | undefined {
  const value = at(body, rule.path);
  if (value === undefined || value === null) {
    if (rule.required) throw missingField(rule);
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw paramError(
      `无法将 JSON 输入源“${pointer(rule)}”映射到目标字段“${rule.label}”中，此字段需要一个合法的 64 位有符号整数`,
      { location: rule.location ?? 'body', value },
    );
  }
  return value;
}

export function readObject(body: Json, rule: FieldRule): Json | undefined {
  const value = at(body, rule.path);
  if (value === undefined || value === null) {
    if (rule.required) throw missingField(rule);
    return undefined;
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw paramError(
      `无法将 JSON 输入源“${pointer(rule)}”映射到目标字段“${rule.label}”中，此字段需要一个对象`,
      {
        location: rule.location ?? 'body',
        value,
      },
    );
  }
  return value as Json;
}

export function parseJsonBody(raw: Buffer): Json {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw paramError('请求体不是合法的JSON', { location: 'body' });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw paramError('请求体必须是JSON对象', { location: 'body' });
  }
  return parsed as Json;
}

export function readBoolean(body: Json, rule: FieldRule): boolean | undefined {
  const value = at(body, rule.path);
  if (value === undefined || value === null) {
    if (rule.required) throw missingField(rule);
    return undefined;
  }
  if (typeof value !== 'boolean') throw wrongType(rule, '布尔值', value);
  return value;
}

export function readArray(body: Json, rule: FieldRule): unknown[] | undefined {
  const value = at(body, rule.path);
  if (value === undefined || value === null) {
    if (rule.required) throw missingField(rule);
    return undefined;
  }
  if (!Array.isArray(value)) throw wrongType(rule, '数组', value);
  return value;
}

/** §4.1 `payer_client_ip`: an IPv4 or IPv6 address. */
export function readIp(body: Json, rule: FieldRule): string | undefined {
  const value = readText(body, rule);
  if (value !== undefined && isIP(value) === 0) {
    throw ruleFailed(rule, '不是合法的IPv4或IPv6地址', value);
  }
  return value;
}
