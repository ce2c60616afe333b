/** refund (merchant admins only): refund part or all of a paid order; idempotent by refundNo. */
import type { RefundResult } from '../../typings/paykit/functions';
import type { PaykitResponse } from '../../typings/paykit/errors';
import { adminCaller } from '../common/access';
import { initCloud, loadKit } from '../common/context';
import { respond } from '../common/errors';
import { refundOrder } from '../common/refunds';
import { parseRequest, refundRequest } from '../common/requests';

initCloud();

export async function main(event: unknown, context: unknown): Promise<PaykitResponse<RefundResult>> {
  return respond(() => {
    const kit = loadKit(context);
    const admin = adminCaller(kit);
    return refundOrder(kit, admin, parseRequest(refundRequest, event));
  });
}
