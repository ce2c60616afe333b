/**
 * downloadBill (merchant admins only): fetch one day's bill from WeChat Pay, reconcile it with the
 * kit's orders, optionally repair missed payments, and store the report in paykit_bills.
 */
import type { DownloadBillResult } from '../../typings/paykit/functions';
import type { PaykitResponse } from '../../typings/paykit/errors';
import { reconcileDay } from '../common/bills';
import { caller, initCloud, kit } from '../common/context';
import { invalid, respond } from '../common/errors';
import { requireAdmin } from '../common/refunds';
import { asEvent } from '../common/validate';

initCloud();

export async function main(event: unknown): Promise<PaykitResponse<DownloadBillResult>> {
  return respond(async () => {
    const e = asEvent(event);
    const k = kit();
    requireAdmin(k, caller().openid);
    if (e.repair !== undefined && typeof e.repair !== 'boolean')
      throw invalid('repair must be true or false');
    return { report: await reconcileDay(k, e.billDate, e.repair === true) };
  });
}
