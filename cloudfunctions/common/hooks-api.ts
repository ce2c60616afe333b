/**
 * The merchant's extension point: what the business does when money moves. The kit never ships or
 * overwrites the merchant's file. The functions build takes `merchant/hooks.ts` (or `.js`) at the
 * project root when it exists, and the kit's example (`example-hooks.ts`) otherwise; the file exports
 * `onPaid` and `onRefunded` of the types below (see the README, "Merchant hooks", for the contract).
 * This file stands alone (a host app gets a copy, `merchant/paykit-hooks-api.ts`, from the kit's
 * integration step), so a merchant's hooks import nothing else of the kit.
 *
 *   // merchant/hooks.ts (in a host app: from './paykit-hooks-api')
 *   import { mergeDoc, type OnPaid, type OnRefunded } from '../cloudfunctions/common/hooks-api';
 *   export const onPaid: OnPaid = async (order, db) => { ... };
 *   export const onRefunded: OnRefunded = async (order, refund, db) => { ... };
 */
import type cloud from 'wx-server-sdk';

export type Database = ReturnType<typeof cloud.database>;

/** A paid order as the hooks get it (the document in `paykit_orders`). */
export interface HookOrder {
  /** The order number. */
  _id: string;
  openid: string;
  appid: string;
  items: Array<{ sku: string; name: string; unitPrice: number; quantity: number }>;
  /** fen */
  totalFee: number;
  description: string;
  transactionId?: string;
  paidAt?: Date;
}

/** A successful refund of that order. */
export interface HookRefund {
  outRefundNo: string;
  /** fen */
  refundFee: number;
  reason?: string;
  /** Made by hand on the merchant platform, not through the kit's refund (the kit learnt of it since). */
  onPlatform?: true;
}

/** Runs once the order is paid (at least once; never before the payment is recorded). */
export type OnPaid = (order: HookOrder, db: Database) => Promise<void>;

/** Runs once a refund succeeded (at least once; after the order's onPaid finished). */
export type OnRefunded = (order: HookOrder, refund: HookRefund, db: Database) => Promise<void>;

export interface MerchantHooks {
  onPaid: OnPaid;
  onRefunded: OnRefunded;
}

/** The module specifier the build resolves to the merchant's hooks (or the example). */
export const MERCHANT_HOOKS_MODULE = 'paykit-merchant-hooks';

/**
 * Writes `data` into document `id`, creating it if it is missing and keeping every field it does
 * not name (nested objects merge field by field). Safe to repeat and to race.
 */
export async function mergeDoc(
  db: Database,
  collection: string,
  id: string,
  data: Record<string, unknown>,
): Promise<void> {
  const docs = db.collection(collection);
  const updated = async () =>
    ((await docs.where({ _id: id }).update({ data })) as unknown as { stats: { updated: number } }).stats
      .updated > 0;
  if (await updated()) return;
  try {
    await docs.add({ data: { ...data, _id: id } });
  } catch (err) {
    // Created meanwhile by a concurrent run: merge into it. (An update that changes nothing may
    // count as no update, so the document's existence is what tells.)
    if (await updated()) return;
    const found = (await docs.where({ _id: id }).get()) as unknown as { data: unknown[] };
    if (!found.data.length) throw err;
  }
}
