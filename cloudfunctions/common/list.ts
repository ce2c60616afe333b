/**
 * listOrders: the caller's orders (or, for a merchant admin asking for `scope: 'all'`, everyone's),
 * newest first, by status, with a cursor (never `skip`, whose cost grows with the page number). The
 * cursor names the last order returned; the next page starts strictly after it in (createdAt desc,
 * orderNo desc) order, on the declared indexes.
 */
import type { ListOrdersResult } from '../../typings/paykit/functions';
import { requireAdmin } from './access';
import type { Kit } from './context';
import { invalid } from './errors';
import { ORDER_NO_PATTERN } from './ids';
import { toView } from './model';
import { DEFAULT_PAGE, MAX_PAGE, type ListOrdersInput } from './requests';

interface Cursor {
  at: number;
  orderNo: string;
}

/**
 * Everyone's orders (`scope: 'all'`) are for merchant admins: asked of the event as it came, before
 * it is validated, so anyone else is refused without learning what else the function would accept.
 */
export function checkScope(kit: Kit, openid: string, event: unknown): void {
  const scope = event && typeof event === 'object' ? (event as { scope?: unknown }).scope : undefined;
  if (scope === 'all') requireAdmin(kit, openid);
}

/** The caller's orders, or with `scope: 'all'` everyone's (the caller checked first: checkScope). */
export async function listOrders(
  kit: Kit,
  openid: string,
  request: ListOrdersInput,
): Promise<ListOrdersResult> {
  const req = {
    status: request.status,
    cursor: request.cursor == null ? undefined : decodeCursor(request.cursor),
    pageSize: request.pageSize ?? DEFAULT_PAGE,
  };
  const before = req.cursor ? new Date(req.cursor.at) : undefined;
  // Orders of the cursor's millisecond that the previous page returned come back first (at most
  // one page of them): fetching that many more rows skips them without a second query.
  const rows = await kit.store.orders({
    ...(request.scope === 'all' ? {} : { openid }),
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

function decodeCursor(value: string): Cursor {
  const [at, orderNo] = Buffer.from(value, 'base64url').toString().split(':');
  if (!/^\d{1,15}$/.test(at ?? '') || !ORDER_NO_PATTERN.test(orderNo ?? '')) {
    throw invalid('cursor is not one this function gave');
  }
  return { at: Number(at), orderNo };
}
