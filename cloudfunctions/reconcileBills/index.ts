/**
 * reconcileBills (timer, daily at 10:30 Beijing time, after WeChat has the bills): reconciles
 * yesterday's bill and repairs payments the kit missed.
 */
import type { BillReport } from '../../typings/paykit/bill';
import { reconcileDay, yesterday } from '../common/bills';
import { initCloud, kit } from '../common/context';

initCloud();

export async function main(): Promise<
  Pick<BillReport, 'billDate' | 'billExists' | 'summaryMatches'> & { discrepancies: number }
> {
  const report = await reconcileDay(kit(), yesterday(), true);
  console.log(
    '[paykit] reconciled',
    report.billDate,
    JSON.stringify(report.payments),
    report.discrepancies.length,
    'discrepancies',
  );
  return {
    billDate: report.billDate,
    billExists: report.billExists,
    summaryMatches: report.summaryMatches,
    discrepancies: report.discrepancies.length,
  };
}
