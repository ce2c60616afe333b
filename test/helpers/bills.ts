/** Trade bills for the parser suites: the real fixture, and bills built by header name as production prints them. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import {
  readBill,
  BillFormatError,
  type BillEnd,
  type BillInput,
  type BillRow,
} from '../../cloudfunctions/common/bill/parse';
import { fromUnits } from '../../cloudfunctions/common/bill/money';

export const FIXTURE_PATH = path.resolve(__dirname, '../fixtures/bills/wechat-bill-ALL-sandbox.csv');
export const FIXTURE = readFileSync(FIXTURE_PATH);

export async function collect(input: BillInput): Promise<{ rows: BillRow[]; end: BillEnd }> {
  const rows: BillRow[] = [];
  const end = await readBill(input, (row) => {
    rows.push(row);
  });
  return { rows, end };
}

/**
 * `expect(actual).toEqual(expected)` for parsed rows, tried first with Node's strict deep equality:
 * the cut-everywhere loops compare rows thousands of times, and jest's matcher walks them slowly.
 * Rows strictly equal pass at once; anything else gets toEqual's own verdict and diff.
 */
export function expectRows(actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) expect(actual).toEqual(expected);
}

export async function failure(input: BillInput): Promise<BillFormatError> {
  try {
    await collect(input);
  } catch (err) {
    if (err instanceof BillFormatError) return err;
    throw err;
  }
  throw new Error('the bill was read without error');
}

export async function* chunks(bytes: Buffer, cuts: number[]): AsyncGenerator<Buffer> {
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    yield bytes.subarray(from, cut);
    from = cut;
  }
}

// Bills built here, by header name, the way production prints them.
export const COMMON =
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类';
export const HEADERS = {
  ALL: `${COMMON},应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注`,
  SUCCESS: `${COMMON},应结订单金额,代金券金额,商品名称,商户数据包,手续费,费率,订单金额,费率备注`,
  REFUND: `${COMMON},应结订单金额,代金券金额,退款申请时间,退款成功时间,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注`,
  LEGACY_ALL: `${COMMON.replace('特约商户号', '子商户号')},总金额,代金券或立减优惠金额,微信退款单号,商户退款单号,退款金额,代金券或立减优惠退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率`,
};
export const SUMMARY =
  '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额';
export const LEGACY_SUMMARY = '总交易单数,总交易额,总退款金额,总代金券或立减优惠退款金额,手续费总金额';

export interface Spec {
  outTradeNo: string;
  /** fen */
  total?: number;
  refund?: number;
  /** 0.00001 yuan */
  fee?: number;
  body?: string;
}

export const yuan = (fen: number): string => fromUnits(fen, 2);

export function cells(spec: Spec, i: number): Record<string, string> {
  const refund = spec.refund !== undefined;
  const total = refund ? 0 : (spec.total ?? 0);
  return {
    交易时间: `2024-03-15 10:${String(i % 60).padStart(2, '0')}:00`,
    公众账号ID: 'wx1234567890abcdef',
    商户号: '1800008281',
    特约商户号: '1900000109',
    子商户号: '1900000109',
    设备号: '',
    微信订单号: `42000000002024031500000000${String(i).padStart(2, '0')}`,
    商户订单号: spec.outTradeNo,
    用户标识: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
    交易类型: 'JSAPI',
    交易状态: refund ? 'REFUND' : 'SUCCESS',
    付款银行: 'CFT',
    货币种类: 'CNY',
    应结订单金额: yuan(total),
    总金额: yuan(refund ? 0 : (spec.total ?? 0)),
    代金券金额: '0.00',
    代金券或立减优惠金额: '0.00',
    退款申请时间: refund ? '2024-03-15 11:00:00' : '',
    退款成功时间: refund ? '2024-03-15 11:00:05' : '',
    微信退款单号: refund ? `5030000000202403150000000${i}` : '0',
    商户退款单号: refund ? `R${spec.outTradeNo}` : '0',
    退款金额: yuan(spec.refund ?? 0),
    充值券退款金额: '0.00',
    代金券或立减优惠退款金额: '0.00',
    退款类型: refund ? 'ORIGINAL' : '',
    退款状态: refund ? 'SUCCESS' : '',
    商品名称: spec.body ?? '测试商品',
    商户数据包: '',
    手续费: fromUnits(spec.fee ?? 0, 5),
    费率: '0.60%',
    订单金额: yuan(total),
    申请退款金额: yuan(spec.refund ?? 0),
    费率备注: '',
  };
}

export function bill(header: string, summaryHeader: string, specs: Spec[], eol = '\r\n'): string {
  const names = header.split(',');
  const lines = [header, ...specs.map((s, i) => names.map((n) => '`' + cells(s, i)[n]).join(','))];
  const sum = (f: (s: Spec) => number): number => specs.reduce((a, s) => a + f(s), 0);
  const paid = sum((s) => (s.refund === undefined ? (s.total ?? 0) : 0));
  const refunded = sum((s) => s.refund ?? 0);
  const totals: Record<string, string> = {
    总交易单数: String(specs.length),
    应结订单总金额: yuan(paid),
    总交易额: yuan(paid),
    订单总金额: yuan(paid),
    退款总金额: yuan(refunded),
    总退款金额: yuan(refunded),
    申请退款总金额: yuan(refunded),
    充值券退款总金额: '0.00',
    总代金券或立减优惠退款金额: '0.00',
    手续费总金额: fromUnits(
      sum((s) => s.fee ?? 0),
      5,
    ),
  };
  lines.push(
    summaryHeader,
    summaryHeader
      .split(',')
      .map((n) => '`' + totals[n])
      .join(','),
  );
  return '\uFEFF' + lines.join(eol) + eol;
}

export const DAY: Spec[] = [
  { outTradeNo: 'PK202403151000000000000001A01', total: 29, fee: 17 },
  { outTradeNo: 'PK202403151000000000000002A01', total: 1999, fee: 1199, body: '咖啡,大杯' },
  { outTradeNo: 'PK202403151000000000000003A02', total: 100000, fee: 60000 },
  { outTradeNo: 'PK202403151000000000000002A01', refund: 1999, fee: -1199 },
];
