/** refund (merchant admins only): refund part or all of a paid order; idempotent by refundNo. */
import type { RefundResult } from '../../typings/paykit/functions';
import type { PaykitResponse } from '../../typings/paykit/errors';
import { caller, initCloud, kit } from '../common/context';
import { respond } from '../common/errors';
import { refundOrder } from '../common/refunds';
import { asEvent, readOrderNo } from '../common/validate';

initCloud();

export async function main(event: unknown): Promise<PaykitResponse<RefundResult>> {
  return respond(() => {
    const e = asEvent(event);
    return refundOrder(kit(), caller().openid, {
      orderNo: readOrderNo(e),
      refundFee: e.refundFee,
      reason: e.reason,
      refundNo: e.refundNo,
    });
  });
}
