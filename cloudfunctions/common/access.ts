/**
 * Who may do what. The caller is always `getWXContext()`, never a field of the event: a client can
 * put anything there. Users act on their own orders, merchant admins (PAYKIT_ADMIN_OPENIDS) read
 * anyone's and act on refunds, shipments and bills, and timer functions refuse users altogether.
 */
import cloud from 'wx-server-sdk';
import type { Kit } from './context';
import { ServerError } from './errors';
import type { OrderDoc } from './model';

/** The calling user. */
export function caller(): { openid: string; appid: string } {
  const ctx = cloud.getWXContext();
  const openid = typeof ctx.OPENID === 'string' ? ctx.OPENID : '';
  if (!openid)
    throw new ServerError('UNAUTHENTICATED', 'this function must be called from the mini-program by a user');
  return { openid, appid: typeof ctx.APPID === 'string' ? ctx.APPID : '' };
}

/**
 * Timer functions do housekeeping for everyone; a user calling one from the mini-program (any user
 * can call any cloud function) is refused.
 */
export function requireTimer(): void {
  const ctx = cloud.getWXContext();
  if (ctx.OPENID) throw new ServerError('FORBIDDEN', 'this function runs on its timer only');
}

export function isAdmin(kit: Kit, openid: string): boolean {
  return kit.config.adminOpenids.includes(openid);
}

export function requireAdmin(kit: Kit, openid: string): void {
  if (!isAdmin(kit, openid)) {
    throw new ServerError('FORBIDDEN', 'only merchant admins (PAYKIT_ADMIN_OPENIDS) may do this');
  }
}

/**
 * The calling user, who must be a merchant admin. An admin-only function asks this before it reads
 * its event: anyone else is refused without learning what the function would accept, and without
 * the function doing any work for them.
 */
export function adminCaller(kit: Kit): string {
  const { openid } = caller();
  requireAdmin(kit, openid);
  return openid;
}

/** One of the caller's orders. Someone else's order looks exactly like a missing one. */
export function ownedOrder(kit: Kit, orderNo: string, openid: string): Promise<OrderDoc> {
  return visibleOrder(kit, orderNo, (order) => order.openid === openid);
}

/** An order the caller may read: one of theirs, or any for a merchant admin. Others look missing. */
export function readableOrder(kit: Kit, orderNo: string, openid: string): Promise<OrderDoc> {
  return visibleOrder(kit, orderNo, (order) => order.openid === openid || isAdmin(kit, openid));
}

async function visibleOrder(
  kit: Kit,
  orderNo: string,
  visible: (order: OrderDoc) => boolean,
): Promise<OrderDoc> {
  const order = await kit.store.order(orderNo);
  if (!order || !visible(order)) throw new ServerError('ORDER_NOT_FOUND', `no order ${orderNo}`);
  return order;
}
