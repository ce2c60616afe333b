/**
 * closeExpiredOrders (timer, every 5 minutes): closes unpaid orders whose time ran out, recovers
 * payments whose callback was lost, and retries onPaid hooks that failed.
 */
import { initCloud, kit } from '../common/context';
import { sweep, type SweepReport } from '../common/timers';

initCloud();

export async function main(): Promise<SweepReport> {
  const report = await sweep(kit());
  console.log('[paykit] sweep', JSON.stringify(report));
  return report;
}
