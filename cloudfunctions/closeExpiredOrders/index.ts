/**
 * closeExpiredOrders (timer, every 5 minutes): closes unpaid orders whose time ran out, recovers
 * payments whose callback was lost, and retries onPaid hooks that failed.
 */
import type { PaykitResponse } from '../../typings/paykit/errors';
import { requireTimer } from '../common/access';
import { initCloud, loadKit } from '../common/context';
import { respond } from '../common/errors';
import { sweep, type SweepReport } from '../common/timers';

initCloud();

export async function main(_event: unknown, context: unknown): Promise<PaykitResponse<SweepReport>> {
  return respond(async () => {
    requireTimer();
    const report = await sweep(loadKit(context));
    console.log('[paykit] sweep', JSON.stringify(report));
    return report;
  });
}
