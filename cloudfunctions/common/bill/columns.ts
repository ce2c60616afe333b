/**
 * The columns of WeChat Pay's v2 trade bill (reference §8.5), by header name: a bill is read through
 * its header, never by position, so the current ("免充值券", 27/20/29 columns) and legacy (24/18/26
 * columns) formats, and columns WeChat may add later, all read the same way.
 */

export type BillType = 'ALL' | 'SUCCESS' | 'REFUND';
export type BillFormat = 'current' | 'legacy';

/** One detail line. Money in fen; `fee` in 0.00001 yuan. Columns a bill lacks read as '' or 0. */
export interface BillRow {
  /** 'refund' for refund lines (交易状态 REFUND, or any line of a REFUND bill). */
  kind: 'payment' | 'refund';
  /** Line number in the bill text (1 = the header). */
  line: number;
  /** 交易时间, 'yyyy-MM-dd HH:mm:ss' Beijing time: payment time, or refund request time. */
  tradeTime: string;
  appid: string;
  mchId: string;
  /** 特约商户号 (legacy: 子商户号); '0' for an ordinary merchant. */
  subMchId: string;
  deviceInfo: string;
  transactionId: string;
  /** For refund lines, the out_trade_no of the payment refunded. */
  outTradeNo: string;
  openid: string;
  tradeType: string;
  /** SUCCESS, REFUND or REVOKED. */
  tradeState: string;
  bankType: string;
  /** 货币种类 (WeChat's fee_type), e.g. CNY. */
  feeType: string;
  /** 应结订单金额. Legacy bills have no such column: there it is 总金额, like totalFee. */
  settlementFee: number;
  /** 代金券金额 (legacy: 代金券或立减优惠金额). */
  couponFee: number;
  /** 退款申请时间 / 退款成功时间: REFUND bills only. */
  refundApplyTime: string;
  refundSuccessTime: string;
  /** '0' on payment lines of an ALL bill. */
  refundId: string;
  outRefundNo: string;
  refundFee: number;
  /** 充值券退款金额 (legacy: 代金券或立减优惠退款金额). */
  couponRefundFee: number;
  refundType: string;
  refundStatus: string;
  body: string;
  attach: string;
  /** 手续费 in 0.00001 yuan; negative when a refund gives the fee back. */
  fee: number;
  /** 费率 as printed, e.g. '0.60%'. */
  feeRate: string;
  /** 订单金额 (legacy: 总金额); 0 on refund lines of current bills. */
  totalFee: number;
  /** 申请退款金额. Legacy bills have no such column: there it equals refundFee. */
  requestedRefundFee: number;
  feeRemark: string;
}

export type TextField = {
  [K in keyof BillRow]: BillRow[K] extends string ? (K extends 'kind' ? never : K) : never;
}[keyof BillRow];
export type AmountField = Exclude<
  { [K in keyof BillRow]: BillRow[K] extends number ? K : never }[keyof BillRow],
  'line'
>;

/** Header name -> row field, both formats (legacy names map onto the current fields). */
export const TEXT_COLUMNS: Record<string, TextField> = {
  交易时间: 'tradeTime',
  公众账号ID: 'appid',
  商户号: 'mchId',
  特约商户号: 'subMchId',
  子商户号: 'subMchId',
  设备号: 'deviceInfo',
  微信订单号: 'transactionId',
  商户订单号: 'outTradeNo',
  用户标识: 'openid',
  交易类型: 'tradeType',
  交易状态: 'tradeState',
  付款银行: 'bankType',
  货币种类: 'feeType',
  退款申请时间: 'refundApplyTime',
  退款成功时间: 'refundSuccessTime',
  微信退款单号: 'refundId',
  商户退款单号: 'outRefundNo',
  退款类型: 'refundType',
  退款状态: 'refundStatus',
  商品名称: 'body',
  商户数据包: 'attach',
  费率: 'feeRate',
  费率备注: 'feeRemark',
};

export const AMOUNT_COLUMNS: Record<string, AmountField> = {
  应结订单金额: 'settlementFee',
  代金券金额: 'couponFee',
  代金券或立减优惠金额: 'couponFee',
  退款金额: 'refundFee',
  充值券退款金额: 'couponRefundFee',
  代金券或立减优惠退款金额: 'couponRefundFee',
  手续费: 'fee',
  订单金额: 'totalFee',
  总金额: 'totalFee',
  申请退款金额: 'requestedRefundFee',
};

/** Columns without which a bill cannot be reconciled. */
const REQUIRED: Record<BillFormat, string[]> = {
  current: ['交易时间', '商户订单号', '交易状态', '应结订单金额', '手续费', '订单金额'],
  legacy: ['交易时间', '商户订单号', '交易状态', '总金额', '手续费'],
};

/** The summary line's columns -> the row field they total ('count' = number of detail lines). */
export type SummaryField = 'count' | Exclude<AmountField, 'couponFee'>;
export const SUMMARY_COLUMNS: Record<string, SummaryField> = {
  总交易单数: 'count',
  应结订单总金额: 'settlementFee',
  退款总金额: 'refundFee',
  总退款金额: 'refundFee',
  充值券退款总金额: 'couponRefundFee',
  总代金券或立减优惠退款金额: 'couponRefundFee',
  手续费总金额: 'fee',
  订单总金额: 'totalFee',
  总交易额: 'totalFee',
  申请退款总金额: 'requestedRefundFee',
};
export const SUMMARY_FIRST = '总交易单数';

/** Where each field sits in a bill's lines (-1: the bill has no such column). */
export interface BillLayout {
  billType: BillType;
  format: BillFormat;
  names: string[];
  text: Record<TextField, number>;
  amount: Record<AmountField, number>;
}

/**
 * Every field at -1 (no such column), as literals: the row loop reads these records ~30 times a line,
 * and an object given its 22 keys one by one (`text[field] = -1`) turns into a slow dictionary in V8.
 */
function noColumns(): Pick<BillLayout, 'text' | 'amount'> {
  return {
    text: {
      tradeTime: -1,
      appid: -1,
      mchId: -1,
      subMchId: -1,
      deviceInfo: -1,
      transactionId: -1,
      outTradeNo: -1,
      openid: -1,
      tradeType: -1,
      tradeState: -1,
      bankType: -1,
      feeType: -1,
      refundApplyTime: -1,
      refundSuccessTime: -1,
      refundId: -1,
      outRefundNo: -1,
      refundType: -1,
      refundStatus: -1,
      body: -1,
      attach: -1,
      feeRate: -1,
      feeRemark: -1,
    },
    amount: {
      settlementFee: -1,
      couponFee: -1,
      refundFee: -1,
      couponRefundFee: -1,
      fee: -1,
      totalFee: -1,
      requestedRefundFee: -1,
    },
  };
}

/** The layout of a detail header, or a reason it is not one. */
export function layoutOf(names: string[]): BillLayout | string {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) return `column ${name} appears twice`;
    seen.add(name);
  }
  const format: BillFormat = seen.has('应结订单金额') || seen.has('订单金额') ? 'current' : 'legacy';
  const missing = REQUIRED[format].filter((name) => !seen.has(name));
  if (missing.length === REQUIRED[format].length) return 'not a WeChat Pay trade bill header';
  if (missing.length) return `the header lacks ${missing.join(', ')}`;
  const { text, amount } = noColumns();
  names.forEach((name, i) => {
    if (name in TEXT_COLUMNS) text[TEXT_COLUMNS[name]] = i;
    else if (name in AMOUNT_COLUMNS) amount[AMOUNT_COLUMNS[name]] = i;
  });
  const billType: BillType = seen.has('退款申请时间')
    ? 'REFUND'
    : seen.has('微信退款单号')
      ? 'ALL'
      : 'SUCCESS';
  return { billType, format, names, text, amount };
}
