/**
 * The kit's orders (`paykit_orders`) as the dashboard lists them: filtered by status, user and
 * Beijing day, newest first, one page at a time on the server (a keyset cursor on createdAt + _id,
 * so a page costs the same with 10 or 10,000 orders), never the whole collection.
 */
import type { OrderStatus } from '../../typings/paykit/order';
import type { MismatchedPaymentView, OrderRow, OrdersPage } from '../../typings/sandbox/dashboard';
import type { CloudDatabase, IndexSpec } from '../cloud/database';
import { badRequest, oneOf } from '../http';
import { beijingDayRange, ORDER_STATUSES, ORDERS_PAGE_MAX, ORDERS_PAGE_SIZE } from './shared';

export const ORDERS = 'paykit_orders';
/** The kit's record of each merchant hook run (cloudfunctions/common/store.ts recordHookRun). */
export const HOOK_RUNS = 'paykit_hook_runs';

/**
 * The sandbox's own indexes: for the dashboard's newest-first list over every user (the kit's
 * indexes all lead with openid or status; without it an unfiltered page sorts the whole
 * collection), and for an order's first hook run on its timeline (the kit never looks one up).
 */
export const DASHBOARD_INDEXES: IndexSpec[] = [
  {
    collection: ORDERS,
    name: 'dashboard_createdAt',
    fields: [
      ['createdAt', -1],
      ['_id', -1],
    ],
  },
  {
    collection: HOOK_RUNS,
    name: 'dashboard_orderNo_hook_at',
    fields: [
      ['orderNo', 1],
      ['hook', 1],
      ['at', 1],
    ],
  },
];

type Doc = Record<string, unknown>;

const ms = (value: unknown): number | undefined => (value instanceof Date ? value.getTime() : undefined);

export function orderRow(doc: Doc): OrderRow {
  const refunds = Array.isArray(doc.refunds)
    ? (doc.refunds as Array<{ refundFee?: unknown; status?: unknown; onPlatform?: unknown }>)
    : [];
  const paidAt = ms(doc.paidAt);
  return {
    orderNo: String(doc._id),
    openid: String(doc.openid ?? ''),
    status: doc.status as OrderStatus,
    totalFee: Number(doc.totalFee ?? 0),
    description: String(doc.description ?? ''),
    createdAt: ms(doc.createdAt) ?? 0,
    ...(paidAt !== undefined ? { paidAt } : {}),
    refundedFee: refunds
      .filter((r) => r.status === 'SUCCESS')
      .reduce((sum, r) => sum + (typeof r.refundFee === 'number' ? r.refundFee : 0), 0),
    ...(doc.refundedOutside ? { refundedOutside: true as const } : {}),
    ...(refunds.some((r) => r.onPlatform === true && r.status !== 'FAILED')
      ? { refundedOnPlatform: true as const }
      : {}),
    ...mismatched(doc.mismatchedPayment),
  };
}

/** The kit's `mismatchedPayment` (cloudfunctions/common/model.ts) as the dashboard shows it, if any. */
function mismatched(value: unknown): { mismatchedPayment?: MismatchedPaymentView } {
  if (!value || typeof value !== 'object') return {};
  const m = value as Record<string, unknown>;
  return {
    mismatchedPayment: {
      outTradeNo: String(m.outTradeNo ?? ''),
      ...(typeof m.totalFee === 'number' ? { totalFee: m.totalFee } : {}),
      ...(typeof m.merchantId === 'string' ? { merchantId: m.merchantId } : {}),
      transactionId: String(m.transactionId ?? ''),
      state: String(m.state ?? ''),
    },
  };
}

export interface OrdersFilter {
  status?: OrderStatus;
  openid?: string;
  /** Beijing day, yyyy-MM-dd. */
  day?: string;
  cursor?: string;
  limit?: number;
}

/** The filter of `GET /sandbox/dashboard/orders` from its query string; bad values are a 400. */
export function ordersFilter(q: URLSearchParams): OrdersFilter {
  const text = (k: string) => q.get(k) || undefined;
  const limitText = text('limit');
  const limit = limitText === undefined ? ORDERS_PAGE_SIZE : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > ORDERS_PAGE_MAX) {
    throw badRequest(
      `limit must be a whole number from 1 to ${ORDERS_PAGE_MAX}; got ${JSON.stringify(limitText)}`,
    );
  }
  const day = text('day');
  if (day !== undefined && !beijingDayRange(day))
    throw badRequest(`day must be a date yyyy-MM-dd; got ${JSON.stringify(day)}`);
  const openid = text('openid');
  if (openid !== undefined && openid.length > 128) throw badRequest('openid is at most 128 characters');
  return {
    status: oneOf('status', text('status'), ORDER_STATUSES),
    openid,
    day,
    cursor: text('cursor'),
    limit,
  };
}

/** The latest instant a Date holds (ms since the epoch). */
const MAX_DATE_MS = 8.64e15;

function parseCursor(cursor: string): { at: number; orderNo: string } {
  const m = /^(\d{1,16})_([A-Za-z0-9_-]{1,64})$/.exec(cursor);
  // Sixteen digits can be past the last Date: the query's Invalid Date would have no key.
  if (!m || Number(m[1]) > MAX_DATE_MS)
    throw badRequest('cursor is not one this route gave (take nextCursor of the previous page)');
  return { at: Number(m[1]), orderNo: m[2] };
}

export function listOrders(db: CloudDatabase, filter: OrdersFilter): OrdersPage {
  const where: Doc = {};
  if (filter.status) where.status = filter.status;
  if (filter.openid) where.openid = filter.openid;
  const range = filter.day ? beijingDayRange(filter.day) : undefined;
  const createdAt: Doc = {};
  if (range) Object.assign(createdAt, { $gte: new Date(range[0]), $lt: new Date(range[1]) });
  const total = db.count(ORDERS, Object.keys(createdAt).length ? { ...where, createdAt } : where);
  const limit = filter.limit ?? ORDERS_PAGE_SIZE;
  const cursor = filter.cursor ? parseCursor(filter.cursor) : undefined;
  if (cursor) createdAt.$lte = new Date(Math.min(cursor.at, range ? range[1] - 1 : cursor.at));
  const query = Object.keys(createdAt).length ? { ...where, createdAt } : where;
  const sort: Array<[string, 1 | -1]> = [
    ['createdAt', -1],
    ['_id', -1],
  ];
  // Orders created in the cursor's millisecond at or after its order number were on earlier pages:
  // fetch a little more than a page and skip them (rarely more than one).
  let rows: OrderRow[] = [];
  for (let fetch = limit + 8; ; fetch *= 4) {
    const docs = db.find(ORDERS, query, sort, fetch);
    rows = docs
      .map(orderRow)
      .filter(
        (r) =>
          !cursor || r.createdAt < cursor.at || (r.createdAt === cursor.at && r.orderNo < cursor.orderNo),
      );
    if (rows.length > limit || docs.length < fetch) break;
  }
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    orders: page,
    nextCursor: rows.length > limit && last ? `${last.createdAt}_${last.orderNo}` : null,
    total,
  };
}

/** Orders per status (every status present). */
export function countByStatus(db: CloudDatabase): Record<OrderStatus, number> {
  const counts = {} as Record<OrderStatus, number>;
  for (const status of ORDER_STATUSES) counts[status] = db.count(ORDERS, { status });
  return counts;
}
