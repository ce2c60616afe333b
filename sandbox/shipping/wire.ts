/**
 * The cloud-call wire format wx-server-sdk 4.x speaks for `cloud.openapi.*` (action `wx.openApi`):
 * the request's `requestData` is a protobuf `CommApiData` whose `openapiData.pairs` carry one JSON
 * value per top-level key (already snake_case unless `convertCase: false`), and the answer is a
 * protobuf `CommOpenApiResp` with WeChat's JSON in `respData`, or a cloud `errorCode` such as
 * -604101 (no permission). Field numbers are those of the SDK's own `src/protobuf/openapi.js`.
 */
import { SandboxError } from '../errors';

interface Field {
  no: number;
  /** Varint value (wire type 0), or the bytes of a length-delimited field (wire type 2). */
  value: number | Buffer;
}

function readVarint(buf: Buffer, pos: number): [number, number] {
  let result = 0;
  let shift = 0;
  for (;;) {
    if (pos >= buf.length) throw new SandboxError('INVALID_PARAM', 'requestData: truncated varint');
    const byte = buf[pos++];
    // Values above 2^53 only occur as negative int32 (10 bytes); the low 32 bits are what counts.
    if (shift < 49) result += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(byte & 0x80)) return [result, pos];
    if (shift > 70) throw new SandboxError('INVALID_PARAM', 'requestData: varint too long');
  }
}

function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [key, afterKey] = readVarint(buf, pos);
    const no = Math.floor(key / 8);
    const type = key & 7;
    if (type === 0) {
      const [value, next] = readVarint(buf, afterKey);
      out.push({ no, value });
      pos = next;
    } else if (type === 2) {
      const [length, start] = readVarint(buf, afterKey);
      if (start + length > buf.length)
        throw new SandboxError('INVALID_PARAM', 'requestData: truncated field');
      out.push({ no, value: buf.subarray(start, start + length) });
      pos = start + length;
    } else {
      throw new SandboxError('INVALID_PARAM', `requestData: unsupported wire type ${type}`);
    }
  }
  return out;
}

export interface OpenApiRequest {
  /** Top-level keys with their raw JSON text (undefined when a pair is a file upload). */
  pairs: Array<{ key: string; json: string }>;
  /** `cloud.openapi({ appid })`: the target appid for env sharing; empty for the caller's own. */
  appid: string;
}

/** Decodes `CommApiData` { 1 apiType, 2 openapiData { 1 pairs { 1 key, 2 value } }, 6 appid }. */
export function decodeOpenApiRequest(buf: Buffer): OpenApiRequest {
  const request: OpenApiRequest = { pairs: [], appid: '' };
  for (const f of fields(buf)) {
    if (f.no === 2 && Buffer.isBuffer(f.value)) {
      for (const pair of fields(f.value)) {
        if (pair.no !== 1 || !Buffer.isBuffer(pair.value)) continue;
        let key = '';
        let json = '';
        for (const kv of fields(pair.value)) {
          if (kv.no === 1 && Buffer.isBuffer(kv.value)) key = kv.value.toString('utf8');
          if (kv.no === 2 && Buffer.isBuffer(kv.value)) json = kv.value.toString('utf8');
        }
        request.pairs.push({ key, json });
      }
    }
    if (f.no === 6 && Buffer.isBuffer(f.value)) request.appid = f.value.toString('utf8');
  }
  return request;
}

/**
 * Decodes `ApiOptions` { 1 appid }, which `cloud.cloudPay({ appid })` sends beside a pay call
 * (resource sharing, 批量代开发): the mini-program to pay for; empty for the caller's own.
 */
export function decodeApiOptions(buf: Buffer): string {
  const appid = fields(buf).find((f) => f.no === 1 && Buffer.isBuffer(f.value));
  return appid ? (appid.value as Buffer).toString('utf8') : '';
}

function varint(n: number): Buffer {
  // Negative int32 values are sign-extended to 64 bits: ten bytes.
  let v = n < 0 ? BigInt.asUintN(64, BigInt(n)) : BigInt(n);
  const bytes: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v) byte |= 0x80;
    bytes.push(byte);
  } while (v);
  return Buffer.from(bytes);
}

function bytesField(no: number, value: Buffer): Buffer {
  return Buffer.concat([varint(no * 8 + 2), varint(value.length), value]);
}

/** Encodes `CommOpenApiResp` { 1 respData, 2 contentType, 3 errorCode, 4 httpCode }. */
export function encodeOpenApiAnswer(answer: { json?: unknown; errorCode?: number }): Buffer {
  const parts: Buffer[] = [];
  if (answer.json !== undefined) {
    parts.push(bytesField(1, Buffer.from(JSON.stringify(answer.json), 'utf8')));
    parts.push(bytesField(2, Buffer.from('application/json; encoding=utf-8')));
    parts.push(Buffer.concat([varint(4 * 8), varint(200)]));
  }
  if (answer.errorCode) parts.push(Buffer.concat([varint(3 * 8), varint(answer.errorCode)]));
  return Buffer.concat(parts);
}
