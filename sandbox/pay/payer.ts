/**
 * The payer acting on a prepay, standing in for the WeChat pay sheet behind `wx.requestPayment`
 * (reference §13): the answer is the errMsg the mini-program would see.
 */
import type { PayContext } from './context';
import { providerOpenid } from './ids';
import type { TradeLifecycle } from './lifecycle';

export type PayerAction = 'pay' | 'cancel' | 'fail' | 'notenough' | 'slow';

export const PAYER_ACTIONS: readonly PayerAction[] = ['pay', 'cancel', 'fail', 'notenough', 'slow'];

const fail = (reason: string): { errMsg: string } => ({ errMsg: `requestPayment:fail ${reason}` });

export function act(
  ctx: PayContext,
  lifecycle: TradeLifecycle,
  input: { package: string; openid: string; action: PayerAction },
): { errMsg: string } {
  const { records, clock, config } = ctx;
  if (!PAYER_ACTIONS.includes(input.action)) return fail(`unknown action ${String(input.action)}`);
  const match = /^prepay_id=(\S+)$/.exec(input.package ?? '');
  if (!match) return fail('package参数错误');
  const prepay = records.prepay(match[1]);
  if (!prepay) return fail('prepay_id无效');
  const trade = records.trade(prepay.sub_mch_id, prepay.out_trade_no);
  if (!trade) return fail('prepay_id无效');
  const payer = trade.sub_openid
    ? trade.sub_openid === input.openid
    : trade.openid === providerOpenid(config.providerAppid, input.openid);
  if (!payer) return fail('下单账号与支付账号不一致，请核实后再支付');
  switch (trade.state) {
    case 'SUCCESS':
    case 'REFUND':
      return fail('该订单已支付');
    case 'CLOSED':
      return fail('该订单已关闭');
    default:
  }
  const now = clock.now();
  // A slow payment the pay sheet already said was made is settling: the sheet does not take another.
  if (trade.paying_until !== null && now < trade.paying_until) return fail('该订单正在支付中');
  if (trade.time_expire !== null && now >= trade.time_expire) return fail('该订单已失效');
  if (now >= prepay.expires_at) return fail('该订单已过期');
  switch (input.action) {
    case 'cancel':
      return { errMsg: 'requestPayment:fail cancel' };
    // Reference §11.1: a mini-program payment never reaches PAYERROR or USERPAYING (付款码 states).
    // A failed or short payment leaves the trade NOTPAY: the user may pay the same prepay again.
    case 'fail':
      return fail('支付失败');
    case 'notenough':
      return fail('余额不足');
    case 'slow':
      lifecycle.startSlowPayment(trade);
      return { errMsg: 'requestPayment:ok' };
    case 'pay':
      lifecycle.markPaid(trade);
      return { errMsg: 'requestPayment:ok' };
  }
}
