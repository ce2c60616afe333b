/**
 * unifiedOrder: place an order from catalogue items (or pay an unpaid one) and get the parameters
 * for wx.requestPayment. Price and payer come from the server; an amount or openid in the event
 * is never read.
 */
import type { UnifiedOrderResult } from '../../typings/paykit/functions';
import type { PaykitResponse } from '../../typings/paykit/errors';
import { caller } from '../common/access';
import { initCloud, loadKit } from '../common/context';
import { respond } from '../common/errors';
import { placeOrder } from '../common/orders';
import { parseUnifiedOrder } from '../common/requests';

initCloud();

export async function main(event: unknown, context: unknown): Promise<PaykitResponse<UnifiedOrderResult>> {
  return respond(() => placeOrder(loadKit(context), { ...caller(), ...parseUnifiedOrder(event) }));
}
