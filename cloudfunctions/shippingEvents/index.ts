/**
 * shippingEvents: WeChat's message pushes trade_manage_remind_shipping and
 * trade_manage_order_settlement (routed here in 云开发 → 设置 → 消息推送). Any user can call it
 * too, so the event is only a reason to ask WeChat (get_order) about an order the kit has.
 */
import type { PaykitResponse } from '../../typings/paykit/errors';
import { initCloud, loadKit } from '../common/context';
import { respond } from '../common/errors';
import { handleShippingEvent, type EventVerdict } from '../common/shipping-sync';

initCloud();

export async function main(
  event: unknown,
  context: unknown,
): Promise<PaykitResponse<{ verdict: EventVerdict }>> {
  return respond(async () => {
    const e =
      event && typeof event === 'object' && !Array.isArray(event) ? (event as Record<string, unknown>) : {};
    const { verdict } = await handleShippingEvent(loadKit(context), e);
    return { verdict };
  });
}
