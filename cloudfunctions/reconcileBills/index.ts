/**
 * reconcileBills (timer, daily at 10:30 Beijing time, after WeChat has the bills): reconciles
 * yesterday's bill and repairs payments the kit missed, then catches up on recent days a failed run
 * left unreconciled. Admins use downloadBill for other days.
 */
import type { BillReport } from '../../typings/paykit/bill';
import type { PaykitResponse } from '../../typings/paykit/errors';
import { reconcileDueDays } from '../common/reconcile-day';
import { requireTimer } from '../common/access';
import { initCloud, loadKit } from '../common/context';
import { respond } from '../common/errors';

initCloud();

type Outcome = Pick<BillReport, 'billDate' | 'billExists' | 'summaryMatches'> & { discrepancies: number };

export async function main(_event: unknown, context: unknown): Promise<PaykitResponse<Outcome>> {
  return respond(async () => {
    requireTimer();
    const report = await reconcileDueDays(loadKit(context));
    console.log('[paykit] reconciled', report.billDate, report.discrepancies.length, 'discrepancies');
    return {
      billDate: report.billDate,
      billExists: report.billExists,
      summaryMatches: report.summaryMatches,
      discrepancies: report.discrepancies.length,
    };
  });
}
