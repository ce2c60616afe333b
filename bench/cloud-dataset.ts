/**
 * The 1,000,000-order dataset of the `db` bench: built once, in-process, straight into a sandbox
 * data folder (.sandbox/bench-1m/cloud.sqlite, git-ignored) and reused while its marker file says
 * it is complete and current. Rows are written as the canonical EJSON text the sandbox stores
 * (checked against the sandbox's own encoder on samples); the index build is in cloud-indexer.ts.
 */
import { seededRandom } from '../sandbox/runtime/chaos';
import { BEIJING_OFFSET_MS } from '../cloudfunctions/common/beijing';
import * as fs from 'fs';
import * as path from 'path';
import type { IndexSpec } from '../sandbox/cloud/database';
import { scalarKey, type SqlKey } from '../sandbox/cloud/keys';
import { decodeValue, stringifyEJSON } from '../sandbox/cloud/values';

export const ROOT = path.resolve(__dirname, '..');
export const ORDERS_COLLECTION = 'paykit_orders';

/** Bump when the generator changes: a cached dataset of another version is rebuilt. */
export const FORMAT = 1;

export interface DatasetSpec {
  dir: string;
  orders: number;
  users: number;
  /** createdAt of order i is spanStart + i * (spanMs / orders) plus jitter: rowid order ≈ time order. */
  spanStart: number;
  spanMs: number;
}

export const DEFAULT_DATASET: DatasetSpec = {
  dir: path.join(ROOT, '.sandbox/bench-1m'),
  orders: 1_000_000,
  users: 50_000,
  spanStart: Date.UTC(2024, 0, 1),
  spanMs: 365 * 86_400_000,
};

export const STATUS_MIX: Array<[status: string, share: number]> = [
  ['SUCCESS', 0.6],
  ['CLOSED', 0.25],
  ['NOTPAY', 0.1],
  ['REFUND', 0.04],
  ['PAYERROR', 0.01],
];

const PRODUCTS = [
  { sku: 'coffee-latte', name: '拿铁咖啡', price: 2800 },
  { sku: 'tea-oolong', name: '乌龙茶', price: 1600 },
  { sku: 'cake-cheese', name: '芝士蛋糕', price: 3200 },
  { sku: 'sticker-pack', name: '贴纸一套', price: 1 },
];
const APPID = 'wx0000000000sandbox';
const ORDER_TTL_MS = 30 * 60_000;

export function indexSpecs(): IndexSpec[] {
  const file = path.join(ROOT, 'cloudfunctions/common/indexes.json');
  return JSON.parse(fs.readFileSync(file, 'utf8')) as IndexSpec[];
}

/** The k-th user's openid (28 characters, like WeChat's). */
export function openidOf(k: number): string {
  return `oBench${String(k).padStart(6, '0')}xxxxxxxxxxxxxxxx`;
}

/**
 * Users are skewed the way shops are: user k gets about orders·(√((k+1)/users) − √(k/users)) orders,
 * so user 0 has ~4,500, user 5,000 ~30 and user 49,999 ~10.
 */
export function expectedOrdersOf(spec: DatasetSpec, k: number): number {
  return spec.orders * (Math.sqrt((k + 1) / spec.users) - Math.sqrt(k / spec.users));
}

/** A small seeded PRNG, so every build makes the same data. */
export const prng = seededRandom;

function stamp(ms: number): string {
  const iso = new Date(ms + BEIJING_OFFSET_MS).toISOString();
  return (
    iso.slice(0, 4) +
    iso.slice(5, 7) +
    iso.slice(8, 10) +
    iso.slice(11, 13) +
    iso.slice(14, 16) +
    iso.slice(17, 19)
  );
}

const int = (n: number) => `{"$numberInt":"${n}"}`;
const long = (n: number) => `{"$numberLong":"${n}"}`;
const date = (ms: number) => `{"$date":{"$numberLong":"${ms}"}}`;

export interface GeneratedOrder {
  id: string;
  text: string;
  /** Sort keys (keys.ts) of the top-level scalar fields, as the sandbox's paykit_key computes them. */
  keys: Record<string, SqlKey>;
}

const dateKey = (ms: number) => scalarKey(new Date(ms))!.key;

/** Canonical EJSON of order i, field for field what the kit's createOrder (+ markPaid etc.) stores. */
export function generateOrder(spec: DatasetSpec, i: number, rnd: () => number): GeneratedOrder {
  const createdAt = Math.floor(spec.spanStart + (i + rnd()) * (spec.spanMs / spec.orders));
  const id = `PK${stamp(createdAt)}${String(i).padStart(8, '0')}`;
  const k = Math.floor(spec.users * rnd() ** 2);
  const lines = 1 + Math.floor(rnd() * 3);
  const items: string[] = [];
  const names: string[] = [];
  let totalFee = 0;
  for (let l = 0; l < lines; l++) {
    const p = PRODUCTS[(i + l) % PRODUCTS.length];
    const q = 1 + Math.floor(rnd() * 3);
    totalFee += p.price * q;
    names.push(q > 1 ? `${p.name}×${q}` : p.name);
    items.push(`{"sku":"${p.sku}","name":"${p.name}","unitPrice":${int(p.price)},"quantity":${int(q)}}`);
  }
  let r = rnd();
  let status = STATUS_MIX[STATUS_MIX.length - 1][0];
  for (const [s, share] of STATUS_MIX) {
    if (r < share) {
      status = s;
      break;
    }
    r -= share;
  }
  let hex = '';
  for (let h = 0; h < 4; h++)
    hex += Math.floor(rnd() * 2 ** 32)
      .toString(16)
      .padStart(8, '0');
  const outTradeNo = `${id}A01`;
  const expiresAt = createdAt + ORDER_TTL_MS;
  const attempt =
    `{"outTradeNo":"${outTradeNo}","prepayId":"wx${hex.slice(0, 28)}","createdAt":${long(createdAt)},` +
    `"prepayExpiresAt":${long(expiresAt)},"payment":{"appId":"${APPID}","timeStamp":"${Math.floor(createdAt / 1000)}",` +
    `"nonceStr":"${hex.slice(0, 16).toUpperCase()}","package":"prepay_id=wx${hex.slice(0, 28)}","signType":"MD5",` +
    `"paySign":"${hex.toUpperCase()}"}}`;
  const paid = status === 'SUCCESS' || status === 'REFUND';
  const done = paid ? createdAt + 20_000 : status === 'CLOSED' ? expiresAt : createdAt;
  const version = paid || status === 'CLOSED' ? 2 : 1;
  const text0 =
    `{"_id":"${id}","openid":"${openidOf(k)}","appid":"${APPID}","items":[${items.join(',')}],` +
    `"totalFee":${int(totalFee)},"description":"${names.join('、')}","status":"${status}",` +
    `"attempts":[${attempt}],"outTradeNo":"${outTradeNo}","createdAt":${date(createdAt)},` +
    `"updatedAt":${date(done)},"expiresAt":${date(expiresAt)},"version":${int(version)}`;
  let text = text0;
  if (paid) text += `,"transactionId":"42000${hex.slice(0, 23)}","paidAt":${date(done)}`;
  if (status === 'CLOSED') text += `,"closedAt":${date(done)}`;
  text += '}';
  const keys: Record<string, SqlKey> = {
    _id: id,
    openid: openidOf(k),
    appid: APPID,
    totalFee,
    status,
    outTradeNo,
    createdAt: dateKey(createdAt),
    updatedAt: dateKey(done),
    expiresAt: dateKey(expiresAt),
    version,
    requestKey: null,
    transactionId: paid ? `42000${hex.slice(0, 23)}` : null,
    paidAt: paid ? dateKey(done) : null,
    closedAt: status === 'CLOSED' ? dateKey(done) : null,
  };
  return { id, text, keys };
}

/** The hand-written text must be exactly what the sandbox would store for the same document. */
export function checkCanonical(text: string): void {
  const again = stringifyEJSON(decodeValue(JSON.parse(text), 'bench order', 0));
  if (again !== text) throw new Error(`bench order text is not canonical EJSON:\n${text}\n${again}`);
}
