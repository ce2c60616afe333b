/**
 * listOrders: the caller's orders, newest first, by status, with a cursor (never `skip`, whose
 * cost grows with the page number). The cursor names the last order returned; the next page
 * starts strictly after it in (createdAt desc, orderNo desc) order, on the declared indexes.
 */
import type { ListOrdersRequest, ListOrdersResult } from '../../typings/paykit/functions';
import type { OrderStatus } from '../../typings/paykit/order';
import type { Kit } from './context';
import { invalid } from './errors';
import { toView } from './model';
import type { Event } from './validate';

const STATUSES: OrderStatus[] = ['NOTPAY', 'SUCCESS', 'CLOSED', 'REFUND', 'PAYERROR'];
export const DEFAULT_PAGE = 20;
export const MAX_PAGE = 50;

interface Cursor {
  at: number;
  orderNo: string;
}

export function readListRequest(event: Event): Required<Pick<ListOrdersRequest, 'pageSize'>> & {
  status?: OrderStatus;
  cursor?: Cursor;
} {
  const { status, cursor, pageSize } = event;
  if (status !== undefined && !STATUSES.includes(status as OrderStatus)) {
    throw invalid(`status must be one of ${STATUSES.join(', ')}`);
  }
  if (
    pageSize !== undefined &&
    (!Number.isInteger(pageSize) || (pageSize as number) < 1 || (pageSize as number) > MAX_PAGE)
  ) {
    throw invalid(`pageSize must be a whole number from 1 to ${MAX_PAGE}`);
  }
  return {
    status: status as OrderStatus | undefined,
    cursor: cursor === undefined || cursor === null ? undefined : decodeCursor(cursor),
    pageSize: (pageSize as number | undefined) ?? DEFAULT_PAGE,
  };
}

export async function listOrders(
  kit: Kit,
  openid: string,
  req: { status?: OrderStatus; cursor?: Cursor; pageSize: number },
): Promise<ListOrdersResult> {
  const before = req.cursor ? new Date(req.cursor.at) : undefined;
  // Orders of the cursor's millisecond that the previous page returned come back first (at most
  // one page of them): fetching that many more rows skips them without a second query.
  const rows = await kit.store.ordersOf(openid, {
    status: req.status,
    before,
    limit: req.pageSize + 1 + MAX_PAGE,
  });
  const after = req.cursor
    ? rows.filter(
        (o) =>
          o.createdAt.getTime() < req.cursor!.at ||
          (o.createdAt.getTime() === req.cursor!.at && o._id < req.cursor!.orderNo),
      )
    : rows;
  const page = after.slice(0, req.pageSize);
  const last = page[page.length - 1];
  return {
    orders: page.map(toView),
    nextCursor:
      after.length > req.pageSize && last
        ? encodeCursor({ at: last.createdAt.getTime(), orderNo: last._id })
        : null,
  };
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(`${c.at}:${c.orderNo}`).toString('base64url');
}

function decodeCursor(value: unknown): Cursor {
  if (typeof value !== 'string' || value.length > 100) throw invalid('cursor is not one this function gave');
  const m = /^(\d{1,15}):(PK\d{22})$/.exec(Buffer.from(value, 'base64url').toString());
  if (!m) throw invalid('cursor is not one this function gave');
  return { at: Number(m[1]), orderNo: m[2] };
}
