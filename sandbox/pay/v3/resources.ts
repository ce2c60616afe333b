/**
 * The v3 shapes of the shared trade store's rows: the transaction object of a query answer and of a
 * TRANSACTION.SUCCESS notification (§3.4, §5.2), and the refund object (§3.5, §6.2). Times are
 * RFC 3339 in Beijing time.
 */
import type { RefundRow, RefundStatus, TradeRow } from '../records';
import { TRADE_STATE_DESC } from '../orders';

const BEIJING_OFFSET_MS = 8 * 3600_000;

/** `2018-06-08T10:34:56+08:00`. */
export function rfc3339(ms: number): string {
  return `${new Date(ms + BEIJING_OFFSET_MS).toISOString().slice(0, 19)}+08:00`;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-](\d{2}):(\d{2}))$/;

/** Epoch ms of an RFC 3339 date-time with an offset; null when it is not one. */
export function parseRfc3339(text: string): number | null {
  const m = RFC3339.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m;
  if (+mo < 1 || +mo > 12 || +d < 1 || +d > 31 || +h > 23 || +mi > 59 || +s > 59) return null;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return null;
  const day = new Date(Date.UTC(+y, +mo - 1, +d));
  return day.getUTCDate() === +d ? ms : null;
}

export function transactionResource(trade: TradeRow, mchid: string): Record<string, unknown> {
  const paid = trade.state === 'SUCCESS' || trade.state === 'REFUND';
  const amount = paid
    ? { total: trade.total_fee, payer_total: trade.total_fee, currency: 'CNY', payer_currency: 'CNY' }
    : { total: trade.total_fee, currency: 'CNY', payer_currency: 'CNY' };
  return {
    appid: trade.sub_appid,
    mchid,
    out_trade_no: trade.out_trade_no,
    ...(paid ? { transaction_id: trade.transaction_id } : {}),
    trade_type: trade.trade_type,
    trade_state: trade.state,
    trade_state_desc: TRADE_STATE_DESC[trade.state],
    ...(paid ? { bank_type: trade.bank_type ?? 'OTHERS' } : {}),
    attach: trade.attach ?? '',
    ...(paid ? { success_time: rfc3339(trade.time_end ?? 0) } : {}),
    payer: { openid: trade.sub_openid || trade.openid },
    amount,
    ...(trade.device_info !== null ? { scene_info: { device_id: trade.device_info } } : {}),
    ...(paid ? { promotion_detail: [] } : {}),
  };
}

/** v2 statuses in the shared store → v3 (§12). */
export const V3_REFUND_STATUS: Record<RefundStatus, string> = {
  PROCESSING: 'PROCESSING',
  SUCCESS: 'SUCCESS',
  REFUNDCLOSE: 'CLOSED',
  CHANGE: 'ABNORMAL',
};

const RECEIVED_ACCOUNT = '支付用户零钱';

/** The refund as the create/query answers give it (§6.2), with the funds its request named. */
export function refundAnswer(
  trade: TradeRow,
  refund: RefundRow,
  funds: { fundsAccount: string; from: Array<{ account: string; amount: number }> },
): Record<string, unknown> {
  return {
    refund_id: refund.refund_id,
    out_refund_no: refund.out_refund_no,
    transaction_id: refund.transaction_id,
    out_trade_no: refund.out_trade_no,
    channel: 'ORIGINAL',
    user_received_account: RECEIVED_ACCOUNT,
    ...(refund.success_at !== null ? { success_time: rfc3339(refund.success_at) } : {}),
    create_time: rfc3339(refund.created_at),
    status: V3_REFUND_STATUS[refund.status],
    funds_account: funds.fundsAccount,
    amount: {
      total: trade.total_fee,
      refund: refund.refund_fee,
      from: funds.from,
      payer_total: trade.total_fee,
      payer_refund: refund.refund_fee,
      settlement_refund: refund.refund_fee,
      settlement_total: trade.total_fee,
      discount_refund: 0,
      currency: 'CNY',
    },
    promotion_detail: [],
  };
}

/** The decrypted refund notification (§3.5). */
export function refundResource(trade: TradeRow, refund: RefundRow, mchid: string): Record<string, unknown> {
  return {
    mchid,
    transaction_id: refund.transaction_id,
    out_trade_no: refund.out_trade_no,
    refund_id: refund.refund_id,
    out_refund_no: refund.out_refund_no,
    refund_status: V3_REFUND_STATUS[refund.status],
    ...(refund.success_at !== null ? { success_time: rfc3339(refund.success_at) } : {}),
    user_received_account: RECEIVED_ACCOUNT,
    amount: {
      total: trade.total_fee,
      refund: refund.refund_fee,
      payer_total: trade.total_fee,
      payer_refund: refund.refund_fee,
    },
  };
}
