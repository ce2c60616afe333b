/**
 * downloadBill (merchant admins only): fetch one day's bill from WeChat Pay, reconcile it with the
 * kit's orders, optionally repair missed payments and refunds, and store the report in paykit_bills.
 */
import type { DownloadBillResult } from '../../typings/paykit/functions';
import type { PaykitResponse } from '../../typings/paykit/errors';
import { adminCaller } from '../common/access';
import { initCloud, loadKit } from '../common/context';
import { respond } from '../common/errors';
import { reconcileDay } from '../common/reconcile-day';
import { downloadBillRequest, parseRequest } from '../common/requests';

initCloud();

export async function main(event: unknown, context: unknown): Promise<PaykitResponse<DownloadBillResult>> {
  return respond(async () => {
    const kit = loadKit(context);
    adminCaller(kit);
    const request = parseRequest(downloadBillRequest, event);
    return { report: await reconcileDay(kit, request.billDate, request.repair === true) };
  });
}
