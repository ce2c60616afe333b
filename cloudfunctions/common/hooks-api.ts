/**
 * The merchant's extension point: what the business does when money moves. The kit never ships or
 * overwrites the merchant's file. The functions build takes `merchant/hooks.ts` at the project root
 * when it exists, and the kit's example (`example-hooks.ts`) otherwise; the file exports `onPaid`
 * and `onRefunded` of the types below (see the README, "Merchant hooks", for the contract).
 *
 *   // merchant/hooks.ts
 *   import type { OnPaid, OnRefunded } from '../cloudfunctions/common/hooks-api';
 *   import { mergeDoc } from '../cloudfunctions/common/hooks-api';
 *   export const onPaid: OnPaid = async (order, db) => { ... };
 *   export const onRefunded: OnRefunded = async (order, refund, db) => { ... };
 */
import type { OrderDoc, RefundRecord } from './model';
import type { Database } from './store';

export type { Database, OrderDoc, RefundRecord };

/** Runs once the order is paid (at least once; never before the payment is recorded). */
export type OnPaid = (order: OrderDoc, db: Database) => Promise<void>;

/** Runs once a refund succeeded (at least once; after the order's onPaid finished). */
export type OnRefunded = (order: OrderDoc, refund: RefundRecord, db: Database) => Promise<void>;

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
