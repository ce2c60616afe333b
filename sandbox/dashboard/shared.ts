/** Values the dashboard's server routes and its browser UI share (both bundle this file). */
import type { OrderStatus } from '../../typings/paykit/order';
import { BEIJING_OFFSET_MS } from '../beijing';

export const ORDER_STATUSES: readonly OrderStatus[] = ['NOTPAY', 'SUCCESS', 'CLOSED', 'REFUND', 'PAYERROR'];

/** The header a page sends the access token in (sandbox/access.ts reads it). */
export const TOKEN_HEADER = 'x-paykit-token';

/** Orders per page of the orders list (and the largest page the route gives). */
export const ORDERS_PAGE_SIZE = 50;
export const ORDERS_PAGE_MAX = 200;

/** A Beijing calendar day `yyyy-MM-dd` → [start, end) in epoch ms. */
export function beijingDayRange(day: string): [number, number] | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return undefined;
  const start = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) - BEIJING_OFFSET_MS;
  if (!Number.isFinite(start) || new Date(start + BEIJING_OFFSET_MS).getUTCDate() !== Number(m[3]))
    return undefined;
  return [start, start + 24 * 3600_000];
}
