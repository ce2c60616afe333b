/**
 * 全部订单's lookup: what a merchant types or pastes when a customer names an order. The kit's order
 * number (PK + 22 digits), or the 商户单号 of one of its payments (the order number, A and the
 * attempt), which is what the buyer's payment record in WeChat, WeChat Pay's merchant platform and
 * the bills page show: it names the same order. Anything else is said at once, in place, instead
 * of opening an order page that can only answer 订单不存在.
 */
import { ordersText } from '../../../paykit/strings';

const ORDER_NO = /^PK\d{22}$/;
const OUT_TRADE_NO = /^(PK\d{22})A\d{2}$/;
/** WeChat Pay's transaction id (微信支付单号 / 交易单号): 28 digits, not a number the kit looks up. */
const TRANSACTION_ID = /^\d{28}$/;

export type Lookup = { orderNo: string } | { problem: string };

/** The order `typed` names (spaces and case as a paste leaves them do not count), or what is wrong. */
export function lookupOrder(typed: string): Lookup {
  const text = typed.replace(/\s+/g, '').toUpperCase();
  if (ORDER_NO.test(text)) return { orderNo: text };
  const attempt = OUT_TRADE_NO.exec(text);
  if (attempt) return { orderNo: attempt[1] };
  return { problem: TRANSACTION_ID.test(text) ? ordersText.lookupTransactionId : ordersText.lookupInvalid };
}
