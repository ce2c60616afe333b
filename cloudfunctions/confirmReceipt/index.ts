/**
 * confirmReceipt: the buyer is back from WeChat's confirm-receipt component; the server asks WeChat
 * (get_order) and moves the buyer's own order only if WeChat has the receipt confirmed.
 */
import type { PaykitResponse } from '../../typings/paykit/errors';
import type { ConfirmReceiptResult } from '../../typings/paykit/shipping';
import { caller } from '../common/access';
import { initCloud, loadKit } from '../common/context';
import { respond } from '../common/errors';
import { parseRequest } from '../common/requests';
import { confirmReceiptRequest } from '../common/shipping-requests';
import { confirmReceipt } from '../common/shipping-sync';

initCloud();

export async function main(event: unknown, context: unknown): Promise<PaykitResponse<ConfirmReceiptResult>> {
  return respond(() =>
    confirmReceipt(loadKit(context), caller().openid, parseRequest(confirmReceiptRequest, event)),
  );
}
