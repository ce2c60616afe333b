/**
 * unifiedOrder: place an order from catalogue items (or pay an unpaid one) and get the parameters
 * for wx.requestPayment. Price and payer come from the server; an amount or openid in the event
 * is never read.
 */
import type { UnifiedOrderResult } from '../../typings/paykit/functions';
import type { PaykitResponse } from '../../typings/paykit/errors';
import { caller, initCloud, kit } from '../common/context';
import { respond } from '../common/errors';
import { placeOrder } from '../common/orders';
import { asEvent, readItems, readOptionalOrderNo, readRequestKey } from '../common/validate';

initCloud();

export async function main(event: unknown): Promise<PaykitResponse<UnifiedOrderResult>> {
  return respond(() => {
    const e = asEvent(event);
    const orderNo = readOptionalOrderNo(e);
    const input = {
      ...caller(),
      orderNo,
      items: orderNo ? undefined : readItems(e),
      requestKey: readRequestKey(e),
    };
    return placeOrder(kit(), input);
  });
}
