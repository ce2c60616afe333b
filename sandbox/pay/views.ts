/** Trades as the control surface shows them (camelCase, times in epoch ms). */
import type { PrepayRow, RefundRow, RefundStatus, TradeRow, TradeState } from './records';

export interface TradeView {
  subMchId: string;
  outTradeNo: string;
  subAppid: string;
  openid: string;
  subOpenid: string;
  body: string;
  attach?: string;
  totalFee: number;
  state: TradeState;
  createdAt: number;
  timeExpire: number | null;
  transactionId: string | null;
  timeEnd: number | null;
  /** While a slow payer is paying. */
  payingUntil: number | null;
  closedAt: number | null;
  refundedFee: number;
  envId: string | null;
  functionName: string | null;
  prepays: Array<{ prepayId: string; createdAt: number; expiresAt: number }>;
  refunds: Array<{
    outRefundNo: string;
    refundId: string;
    refundFee: number;
    status: RefundStatus;
    createdAt: number;
    successAt: number | null;
  }>;
}

export function tradeView(t: TradeRow, prepays: PrepayRow[], refunds: RefundRow[]): TradeView {
  return {
    subMchId: t.sub_mch_id,
    outTradeNo: t.out_trade_no,
    subAppid: t.sub_appid,
    openid: t.openid,
    subOpenid: t.sub_openid,
    body: t.body,
    ...(t.attach !== null ? { attach: t.attach } : {}),
    totalFee: t.total_fee,
    state: t.state,
    createdAt: t.created_at,
    timeExpire: t.time_expire,
    transactionId: t.transaction_id,
    timeEnd: t.time_end,
    payingUntil: t.paying_until,
    closedAt: t.closed_at,
    refundedFee: t.refunded_fee,
    envId: t.env_id,
    functionName: t.function_name,
    prepays: prepays.map((p) => ({
      prepayId: p.prepay_id,
      createdAt: p.created_at,
      expiresAt: p.expires_at,
    })),
    refunds: refunds.map((r) => ({
      outRefundNo: r.out_refund_no,
      refundId: r.refund_id,
      refundFee: r.refund_fee,
      status: r.status,
      createdAt: r.created_at,
      successAt: r.success_at,
    })),
  };
}
