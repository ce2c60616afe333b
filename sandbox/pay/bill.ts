/**
 * downloadBill (reference §8): the trade bill of one Beijing day from the sandbox's own payments and
 * refunds, in the v2 text format (BOM, CRLF, header lines bare, every data field back-quoted, money in
 * yuan with 2 decimals, fees with 5, a summary equal to the column sums), optionally gzipped.
 */
import { gzipSync } from 'node:zlib';
import type { Fields } from './answers';
import type { PayContext } from './context';
import { providerOpenid } from './ids';
import type { RefundRow, TradeRow } from './records';
import { DAY_MS, addMonths, billDay, displayTime, parseBillDay } from './time';
import { readNonce, readString, readSubMchId, type Request } from './validate';

export type BillType = 'ALL' | 'SUCCESS' | 'REFUND' | 'RECHARGE_REFUND';

const COMMON =
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额';
const TAIL = '商品名称,商户数据包,手续费,费率,订单金额';
export const BILL_HEADERS: Record<'ALL' | 'SUCCESS' | 'REFUND', string> = {
  ALL: `${COMMON},微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,${TAIL},申请退款金额,费率备注`,
  SUCCESS: `${COMMON},${TAIL},费率备注`,
  REFUND: `${COMMON},退款申请时间,退款成功时间,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,${TAIL},申请退款金额,费率备注`,
};
export const BILL_SUMMARY_HEADER =
  '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额';

/** Amounts of one detail line, in fen, for the summary. */
interface Amounts {
  settle: number;
  refund: number;
  order: number;
  applied: number;
  fee: number;
}

interface Line {
  cells: Record<string, string>;
  amounts: Amounts;
}

export type BillAnswer = { json: Fields } | { raw: Buffer; contentType: string };

const fail = (msg: string, code?: string): BillAnswer => ({
  json: { return_code: 'FAIL', return_msg: msg, ...(code ? { error_code: code } : {}) },
});

/** Fen as yuan with 2 decimals, by integer arithmetic. */
export function yuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** A fee in fen as yuan with 5 decimals (fees are whole fen, so the last three are zeros). */
export function feeYuan(fen: number): string {
  return `${yuan(fen)}000`;
}

/** Fees are rounded to the fen (四舍五入). */
export function feeOf(fen: number, rate: number): number {
  return Math.round(fen * rate);
}

export function downloadBill(ctx: PayContext, req: Request): BillAnswer {
  const { config, clock } = ctx;
  const subMchId = req.sub_mch_id === undefined ? undefined : readSubMchId(req, config);
  readNonce(req, config.requireNonceStr);
  const date = readString(req, 'bill_date');
  const type = readString(req, 'bill_type', { maxBytes: 16 }) ?? 'ALL';
  const tarType = readString(req, 'tar_type', { maxBytes: 8 });
  const dayStart = date === undefined ? null : parseBillDay(date);
  if (dayStart === null) return fail('invalid bill_date', '20001');
  if (!['ALL', 'SUCCESS', 'REFUND', 'RECHARGE_REFUND'].includes(type)) return fail('invalid bill_type');
  if (tarType !== undefined && tarType !== 'GZIP') return fail('invalid tar_type');
  const now = clock.now();
  const todayStart = parseBillDay(billDay(now)) as number;
  if (dayStart >= todayStart || dayStart < addMonths(todayStart, -config.billHistoryMonths)) {
    return fail('invalid bill_date', '20001');
  }
  if (now < dayStart + DAY_MS + config.billAvailableHour * 3600_000) return fail('Bill Creating');
  const text = billText(ctx, type as BillType, dayStart, subMchId);
  if (text === null) return fail('No Bill Exist', '20002');
  const body = Buffer.from(text, 'utf8');
  return tarType === 'GZIP'
    ? { raw: gzipSync(body), contentType: 'application/octet-stream' }
    : { raw: body, contentType: 'text/plain; charset=utf-8' };
}

/** The bill of the Beijing day starting at `dayStart`, or null when it has no lines (APIv3 reuses it). */
export function billText(
  ctx: PayContext,
  type: BillType,
  dayStart: number,
  subMchId?: string,
): string | null {
  const header = BILL_HEADERS[type === 'RECHARGE_REFUND' ? 'REFUND' : type];
  return renderBill(ctx, header, billLines(ctx, type, dayStart, subMchId));
}

/** The detail lines of the day, produced one at a time: a day can hold 100,000s of trades. */
function* billLines(ctx: PayContext, type: BillType, dayStart: number, subMchId?: string): Generator<Line> {
  const { records } = ctx;
  const end = dayStart + DAY_MS;
  if (type === 'ALL' || type === 'SUCCESS') {
    for (const t of records.tradesPaidBetween(dayStart, end, subMchId)) yield paymentLine(ctx, t);
  }
  if (type === 'ALL' || type === 'REFUND') {
    for (const r of records.refundsBetween(dayStart, end, subMchId)) {
      const t = records.trade(r.sub_mch_id, r.out_trade_no);
      if (t) yield refundLine(ctx, t, r);
    }
  }
}

function tradeCells(ctx: PayContext, t: TradeRow): Record<string, string> {
  const { config } = ctx;
  const providerMch = config.billMchColumns === 'provider-sub';
  return {
    公众账号ID: config.billAppidColumn === 'provider' ? config.providerAppid : t.sub_appid,
    商户号: providerMch ? config.providerMchId : t.sub_mch_id,
    特约商户号: providerMch ? t.sub_mch_id : '0',
    设备号: t.device_info ?? '',
    微信订单号: t.transaction_id ?? '',
    商户订单号: t.out_trade_no,
    用户标识:
      config.billOpenidColumn === 'sub' && t.sub_openid
        ? t.sub_openid
        : t.openid || providerOpenid(config.providerAppid, t.sub_openid),
    交易类型: t.trade_type,
    付款银行: t.bank_type ?? config.bankType,
    货币种类: t.fee_type,
    代金券金额: '0.00',
    商品名称: t.body,
    商户数据包: t.attach ?? '',
    费率: `${(config.feeRate * 100).toFixed(2)}%`,
    费率备注: '',
  };
}

function paymentLine(ctx: PayContext, t: TradeRow): Line {
  const fee = feeOf(t.total_fee, ctx.config.feeRate);
  return {
    // Object.assign, not spread: V8 copies objects with these (non-ASCII) keys very slowly by spread.
    cells: Object.assign(tradeCells(ctx, t), {
      交易时间: displayTime(t.time_end ?? 0),
      交易状态: 'SUCCESS',
      应结订单金额: yuan(t.total_fee),
      微信退款单号: '0',
      商户退款单号: '0',
      退款金额: '0.00',
      充值券退款金额: '0.00',
      退款类型: '',
      退款状态: '',
      手续费: feeYuan(fee),
      订单金额: yuan(t.total_fee),
      申请退款金额: '0.00',
    }),
    amounts: { settle: t.total_fee, refund: 0, order: t.total_fee, applied: 0, fee },
  };
}

function refundLine(ctx: PayContext, t: TradeRow, r: RefundRow): Line {
  const fee = -feeOf(r.refund_fee, ctx.config.feeRate);
  return {
    // Object.assign, not spread: V8 copies objects with these (non-ASCII) keys very slowly by spread.
    cells: Object.assign(tradeCells(ctx, t), {
      // Reference §8.5: a refund row is dated when the refund was asked for, in every bill type.
      交易时间: displayTime(r.created_at),
      交易状态: 'REFUND',
      应结订单金额: '0.00',
      退款申请时间: displayTime(r.created_at),
      退款成功时间: r.success_at !== null ? displayTime(r.success_at) : '',
      微信退款单号: r.refund_id,
      商户退款单号: r.out_refund_no,
      退款金额: yuan(r.refund_fee),
      充值券退款金额: '0.00',
      退款类型: 'ORIGINAL',
      退款状态: r.status,
      手续费: feeYuan(fee),
      订单金额: '0.00',
      申请退款金额: yuan(r.refund_fee),
    }),
    amounts: { settle: 0, refund: r.refund_fee, order: 0, applied: r.refund_fee, fee },
  };
}

/** The bill text, or null when the day has no lines. Each line is rendered as it comes. */
function renderBill(ctx: PayContext, header: string, lines: Iterable<Line>): string | null {
  const { config } = ctx;
  const columns = header.split(',');
  const totals: Amounts = { settle: 0, refund: 0, order: 0, applied: 0, fee: 0 };
  const out: string[] = [header];
  for (const line of lines) {
    let text = '';
    for (let i = 0; i < columns.length; i++) text += `${i ? ',' : ''}\`${line.cells[columns[i]] ?? ''}`;
    out.push(text);
    totals.settle += line.amounts.settle;
    totals.refund += line.amounts.refund;
    totals.order += line.amounts.order;
    totals.applied += line.amounts.applied;
    totals.fee += line.amounts.fee;
  }
  const count = out.length - 1;
  if (!count) return null;
  const sandbox = config.billNumberStyle === 'sandbox';
  const money = (fen: number): string => (sandbox ? floatText(fen / 100) : yuan(fen));
  const summary = [
    sandbox ? floatText(count) : String(count),
    money(totals.settle),
    money(totals.refund),
    money(0),
    sandbox ? floatText(totals.fee / 100) : feeYuan(totals.fee),
    money(totals.order),
    money(totals.applied),
  ];
  out.push(BILL_SUMMARY_HEADER, summary.map((v) => `\`${v}`).join(','));
  return `${config.billKeepsBom ? '\uFEFF' : ''}${out.join('\r\n')}${config.billTrailingCrlf ? '\r\n' : ''}`;
}

/** Python-style float text as WeChat's simulation system prints it (`45.0`, `0.47`). */
function floatText(n: number): string {
  const rounded = Math.round(n * 100) / 100;
  return Number.isInteger(rounded) ? `${rounded}.0` : String(rounded);
}
