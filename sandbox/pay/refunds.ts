/**
 * refund / queryRefund (reference §6, §7, §11.5): partial and full refunds bounded by the amount paid,
 * idempotent per out_refund_no, PROCESSING → SUCCESS on the sandbox clock, refund callbacks.
 */
import { bizFail, returnFail, succeed, type PayApiFailure, type Fields, type Party } from './answers';
import type { PayContext } from './context';
import { refundId as newRefundId } from './ids';
import { findTrade, partyOf } from './orders';
import type { RefundRow, TradeRow } from './records';
import { displayTime } from './time';
import {
  OUT_REFUND_NO,
  readFen,
  readInt,
  readNonce,
  readString,
  readSubMchId,
  requireString,
  type Request,
} from './validate';

const REFUND_LISTS: Fields = { coupon_type_list: [], coupon_refund_id_list: [], coupon_refund_fee_list: [] };
const PAGE = 10;
const MISMATCH = '订单金额或退款金额与之前请求不一致，请核实后再试';

function refundFail(ctx: PayContext, party: Party, code: string, des: string): PayApiFailure {
  return bizFail(ctx.config, party, code, des, REFUND_LISTS);
}

function refundAnswer(ctx: PayContext, trade: TradeRow, refund: RefundRow): Fields {
  return succeed(ctx.config, partyOf(trade), {
    transaction_id: refund.transaction_id,
    out_trade_no: refund.out_trade_no,
    out_refund_no: refund.out_refund_no,
    refund_id: refund.refund_id,
    refund_fee: refund.refund_fee,
    settlement_refund_fee: refund.refund_fee,
    total_fee: trade.total_fee,
    settlement_total_fee: trade.total_fee,
    fee_type: trade.fee_type,
    cash_fee: trade.total_fee,
    cash_fee_type: trade.fee_type,
    cash_refund_fee: refund.refund_fee,
    coupon_refund_fee: 0,
    coupon_refund_count: 0,
    ...REFUND_LISTS,
  });
}

/** Reads and checks a refund request; returns the refund to create, or throws the answer. */
export function refund(ctx: PayContext, req: Request): { answer: Fields; created?: RefundRow } {
  const { config } = ctx;
  const subMchId = readSubMchId(req, config);
  if (!config.refundAuthorized) throw returnFail('特约子商户商户号未授权服务商的产品权限', REFUND_LISTS);
  readNonce(req, config.requireNonceStr);
  const outRefundNo = requireString(req, 'out_refund_no', { maxBytes: 64, pattern: OUT_REFUND_NO });
  const totalFee = readFen(req, 'total_fee') as number;
  const refundFee = readFen(req, 'refund_fee') as number;
  const feeType = readString(req, 'refund_fee_type', { maxBytes: 8 }) ?? 'CNY';
  if (feeType !== 'CNY') throw returnFail('refund_fee_type参数格式校验错误');
  const refundDesc = readString(req, 'refund_desc', { maxBytes: 80 }) ?? null;
  const account = readString(req, 'refund_account', { maxBytes: 30 }) ?? 'REFUND_SOURCE_UNSETTLED_FUNDS';
  if (account !== 'REFUND_SOURCE_UNSETTLED_FUNDS' && account !== 'REFUND_SOURCE_RECHARGE_FUNDS') {
    throw returnFail('refund_account参数格式校验错误');
  }
  const envId = readString(req, 'env_id', { maxBytes: 64 }) ?? null;
  const functionName = readString(req, 'function_name', { maxBytes: 128 }) ?? null;
  const trade = findTrade(ctx, req, subMchId);
  if (!trade) throw refundFail(ctx, { subMchId }, 'ORDERNOTEXIST', '订单不存在');
  return openRefund(ctx, trade, {
    outRefundNo,
    totalFee,
    refundFee,
    refundDesc,
    account,
    envId,
    functionName,
  });
}

/** A refund of `trade` as asked, whoever asks (the API, or the merchant on the merchant platform). */
export interface RefundAsk {
  outRefundNo: string;
  totalFee: number;
  refundFee: number;
  refundDesc: string | null;
  account: string;
  /** Where its notification goes, if anywhere. */
  envId: string | null;
  functionName: string | null;
}

/**
 * The refund rules (reference §6): the same number is the same refund, the trade paid, its total
 * as paid, within the refund window, no more than is left, at most so many, a minute apart.
 * Returns the answer and the refund created, or throws the refusal.
 */
export function openRefund(
  ctx: PayContext,
  trade: TradeRow,
  ask: RefundAsk,
): { answer: Fields; created?: RefundRow } {
  const { config, records, clock } = ctx;
  const { outRefundNo, totalFee, refundFee } = ask;
  const subMchId = trade.sub_mch_id;
  const party = partyOf(trade);
  const existing = records.refund(subMchId, outRefundNo);
  if (existing) {
    const same =
      existing.out_trade_no === trade.out_trade_no &&
      existing.refund_fee === refundFee &&
      existing.total_fee === totalFee;
    if (!same) throw refundFail(ctx, party, 'PARAM_ERROR', MISMATCH);
    return { answer: refundAnswer(ctx, trade, existing) };
  }
  if (trade.state !== 'SUCCESS' && trade.state !== 'REFUND')
    throw refundFail(ctx, party, 'ORDERNOTEXIST', '订单未支付');
  if (totalFee !== trade.total_fee) throw refundFail(ctx, party, 'PARAM_ERROR', MISMATCH);
  const now = clock.now();
  if (now - (trade.time_end ?? now) > config.refundWindowMs) {
    throw refundFail(ctx, party, 'TRADE_OVERDUE', '订单已经超过退款期限');
  }
  const remaining = trade.total_fee - trade.refunded_fee;
  if (remaining <= 0) throw refundFail(ctx, party, 'ERROR', '订单已全额退款');
  if (refundFee > remaining) throw refundFail(ctx, party, 'ERROR', '申请退款金额超过订单可退金额');
  if (records.refundsOf(subMchId, trade.out_trade_no).length >= config.maxRefundsPerOrder) {
    throw refundFail(ctx, party, 'ERROR', '退款次数超过限制');
  }
  if (trade.last_refund_at !== null && now - trade.last_refund_at < config.refundIntervalMs) {
    throw refundFail(ctx, party, 'FREQUENCY_LIMITED', '同一笔订单两次退款需间隔1分钟');
  }
  const row: RefundRow = {
    sub_mch_id: subMchId,
    out_refund_no: outRefundNo,
    refund_id: newRefundId(now),
    out_trade_no: trade.out_trade_no,
    transaction_id: trade.transaction_id ?? '',
    total_fee: totalFee,
    refund_fee: refundFee,
    refund_desc: ask.refundDesc,
    refund_account: ask.account,
    status: 'PROCESSING',
    created_at: now,
    settle_at: now + config.refundProcessingMs,
    success_at: null,
    env_id: ask.envId,
    function_name: ask.functionName,
  };
  records.transaction(() => {
    records.insertRefund(row);
    records.updateTrade(subMchId, trade.out_trade_no, {
      state: 'REFUND',
      refunded_fee: trade.refunded_fee + refundFee,
      last_refund_at: now,
    });
  });
  return { answer: refundAnswer(ctx, trade, row), created: row };
}

interface RefundItem {
  out_refund_no: string;
  refund_id: string;
  refund_channel: string;
  refund_fee: number;
  settlement_refund_fee: number;
  coupon_refund_fee: number;
  coupon_refund_count: number;
  refund_status: string;
  refund_account: string;
  refund_recv_accout: string;
  refund_success_time?: string;
}

function item(r: RefundRow): RefundItem {
  return {
    out_refund_no: r.out_refund_no,
    refund_id: r.refund_id,
    refund_channel: 'ORIGINAL',
    refund_fee: r.refund_fee,
    settlement_refund_fee: r.refund_fee,
    coupon_refund_fee: 0,
    coupon_refund_count: 0,
    refund_status: r.status,
    refund_account: r.refund_account,
    refund_recv_accout: '支付用户零钱',
    ...(r.success_at !== null ? { refund_success_time: displayTime(r.success_at) } : {}),
  };
}

/** Per-refund data in the chosen style (reference §7: cloud `…_list` arrays vs v2 `_$n` fields). */
function itemFields(style: PayContext['config']['queryRefundStyle'], items: RefundItem[]): Fields {
  if (style === 'indexed') {
    const out: Fields = {};
    items.forEach((it, n) => {
      for (const [k, v] of Object.entries(it)) out[`${k}_${n}`] = v;
    });
    return out;
  }
  const col = <K extends keyof RefundItem>(k: K): unknown[] =>
    style === 'emptyLists' ? [] : items.map((it) => it[k] ?? '');
  return {
    out_refund_no_list: col('out_refund_no'),
    refund_id_list: col('refund_id'),
    refund_channel: col('refund_channel'),
    refund_fee_list: col('refund_fee'),
    settlement_refund_fee_list: col('settlement_refund_fee'),
    coupon_type_array: [],
    coupon_refund_fee_list: col('coupon_refund_fee'),
    coupon_refund_count_list: col('coupon_refund_count'),
    coupon_refund_id_array: [],
    coupon_refund_fee_array: [],
    refund_status_list: col('refund_status'),
    refund_account_list: col('refund_account'),
    refund_recv_accout_list: col('refund_recv_accout'),
    refund_success_time_list: col('refund_success_time'),
  };
}

export function queryRefund(ctx: PayContext, req: Request): Fields {
  const { config, records } = ctx;
  const subMchId = readSubMchId(req, config);
  readNonce(req, config.requireNonceStr);
  const offset = readInt(req, 'offset');
  const byRefundId = readString(req, 'refund_id', { maxBytes: 32 });
  const byOutRefundNo = readString(req, 'out_refund_no', { maxBytes: 64 });
  const notFound = (): PayApiFailure => bizFail(config, { subMchId }, 'REFUNDNOTEXIST', '退款订单查询失败');
  let refunds: RefundRow[];
  let trade: TradeRow | undefined;
  if (byRefundId !== undefined || byOutRefundNo !== undefined) {
    const r =
      byRefundId !== undefined
        ? records.refundById(subMchId, byRefundId)
        : records.refund(subMchId, byOutRefundNo ?? '');
    if (!r) throw notFound();
    refunds = [r];
    trade = records.trade(subMchId, r.out_trade_no);
  } else {
    if (req.transaction_id === undefined && req.out_trade_no === undefined) {
      throw returnFail('refund_id、out_refund_no、transaction_id、out_trade_no不能同时为空');
    }
    trade = findTrade(ctx, req, subMchId);
    refunds = trade ? records.refundsOf(subMchId, trade.out_trade_no) : [];
  }
  if (!trade || !refunds.length) throw notFound();
  const total = refunds.length;
  // Reference §7: an offset past the refund count is PARAM_ERROR; at it, the page is empty.
  if (offset !== undefined && (offset < 0 || offset > total)) {
    throw bizFail(config, partyOf(trade), 'PARAM_ERROR', 'offset参数错误');
  }
  const page = refunds.slice(offset ?? 0, (offset ?? 0) + PAGE);
  return succeed(config, partyOf(trade), {
    transaction_id: trade.transaction_id,
    out_trade_no: trade.out_trade_no,
    total_fee: trade.total_fee,
    settlement_total_fee: trade.total_fee,
    fee_type: trade.fee_type,
    cash_fee: trade.total_fee,
    total_refund_count: total,
    refund_count: page.length,
    ...itemFields(config.queryRefundStyle, page.map(item)),
  });
}
