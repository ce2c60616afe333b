/** @jest-environment node */
/**
 * downloadBill through the real wx-server-sdk, from the sandbox's own trades of a fixed day: the
 * ALL, SUCCESS and REFUND types with their exact headers and rows, money in yuan, the summary equal
 * to the rows, GZIP as a Buffer, and the availability rules (past days only, from 10:00 the next
 * day, the last three months).
 */
import { gunzipSync } from 'zlib';
import { PAYER, beijingDay, startPaySdk, type PaySdk } from '../helpers/paysdk';
import { SUB_MCH_ID, TRADE_DAY_BILL_READY, TRADE_DAY_NOON } from '../helpers/constants';

const HEADERS = {
  ALL: '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注',
  SUCCESS:
    '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,商品名称,商户数据包,手续费,费率,订单金额,费率备注',
  REFUND:
    '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,退款申请时间,退款成功时间,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注',
};
const SUMMARY_HEADER =
  '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额';

const DAY = beijingDay(TRADE_DAY_NOON); // 20240315

let sdk: PaySdk;
const orders: Record<string, { outTradeNo: string; transactionId: string }> = {};
let refundA: Record<string, unknown>;

interface Bill {
  text: string;
  header: string;
  rows: Array<Record<string, string>>;
  summary: string[];
}

function parseBill(text: string): Bill {
  expect(text.startsWith('\uFEFF')).toBe(true);
  expect(text.endsWith('\r\n')).toBe(true);
  const lines = text.slice(1, -2).split('\r\n');
  expect(lines.some((l) => l.includes('\n') || l === '')).toBe(false);
  const header = lines[0];
  const columns = header.split(',');
  const summaryAt = lines.indexOf(SUMMARY_HEADER);
  expect(summaryAt).toBe(lines.length - 2);
  const rows = lines.slice(1, summaryAt).map((line) => {
    const cells = line.split(',');
    expect(cells).toHaveLength(columns.length);
    expect(cells.every((c) => c.startsWith('`'))).toBe(true);
    return Object.fromEntries(columns.map((c, i) => [c, cells[i].slice(1)]));
  });
  const summary = lines[summaryAt + 1].split(',');
  expect(summary.every((c) => c.startsWith('`'))).toBe(true);
  return { text, header, rows, summary: summary.map((c) => c.slice(1)) };
}

const bill = (billDate: string, billType?: string, extra: Record<string, unknown> = {}) =>
  sdk.ok('downloadBill', {
    subMchId: SUB_MCH_ID,
    billDate,
    nonceStr: 'b',
    ...(billType ? { billType } : {}),
    ...extra,
  });

async function billText(billDate: string, billType: string): Promise<Bill> {
  const res = await bill(billDate, billType);
  expect(res).toEqual(expect.objectContaining({ errCode: 0, errMsg: 'cloudPay.downloadBill:ok' }));
  expect(typeof res.data).toBe('string');
  return parseBill(res.data as string);
}

const fen = (yuan: string) => Math.round(Number(yuan) * 100);
const total = (rows: Array<Record<string, string>>, col: string) => rows.reduce((s, r) => s + fen(r[col]), 0);

beforeAll(async () => {
  sdk = await startPaySdk(['cloudpay', 'flakyCallback'], TRADE_DAY_NOON);
  // Day D (2024-03-15, Beijing): two payments, a refund of one, an unpaid order.
  for (const [name, totalFee] of [
    ['A', 100],
    ['B', 250],
  ] as const) {
    const { params } = await sdk.paidOrder({ totalFee, attach: `order-${name}`, body: `商品${name}` });
    const query = await sdk.queryOrder(params.outTradeNo);
    orders[name] = { outTradeNo: String(params.outTradeNo), transactionId: String(query.transactionId) };
    await sdk.advance(60_000);
  }
  await sdk.order({ totalFee: 999 });
  refundA = await sdk.ok('refund', {
    subMchId: SUB_MCH_ID,
    outTradeNo: orders.A.outTradeNo,
    outRefundNo: `RA${orders.A.outTradeNo}`,
    totalFee: 100,
    refundFee: 30,
    nonceStr: 'r',
  });
  // Day D+1 01:00: a payment and a refund of B; they belong to the next day's bill.
  await sdk.clock({ action: 'set', at: TRADE_DAY_NOON + 13 * 3600_000 });
  const { params } = await sdk.paidOrder({ totalFee: 77 });
  orders.C = { outTradeNo: String(params.outTradeNo), transactionId: '' };
  await sdk.ok('refund', {
    subMchId: SUB_MCH_ID,
    outTradeNo: orders.B.outTradeNo,
    outRefundNo: `RB${orders.B.outTradeNo}`,
    totalFee: 250,
    refundFee: 50,
    nonceStr: 'r',
  });
  await sdk.settle();
});

afterAll(async () => {
  await sdk?.stop();
});

describe('availability', () => {
  test("today's bill is never there; yesterday's from 10:00; only the last three months", async () => {
    await sdk.clock({ action: 'set', at: TRADE_DAY_BILL_READY - 1 });
    expect(await bill(beijingDay(TRADE_DAY_BILL_READY))).toEqual(
      expect.objectContaining({ returnCode: 'FAIL', returnMsg: 'invalid bill_date', errorCode: '20001' }),
    );
    expect(await bill(DAY)).toEqual(
      expect.objectContaining({ returnCode: 'FAIL', returnMsg: 'Bill Creating' }),
    );
    await sdk.clock({ action: 'set', at: TRADE_DAY_BILL_READY });
    expect(typeof (await bill(DAY)).data).toBe('string');
    // 2023-12-16 is the oldest day kept on 2024-03-16; it had no trades.
    expect(await bill('20231216')).toEqual(
      expect.objectContaining({ returnCode: 'FAIL', returnMsg: 'No Bill Exist', errorCode: '20002' }),
    );
    expect(await bill('20231215')).toEqual(
      expect.objectContaining({ returnCode: 'FAIL', errorCode: '20001' }),
    );
  });

  test('parameter errors', async () => {
    await sdk.clock({ action: 'set', at: TRADE_DAY_BILL_READY });
    expect(await bill('2024-03-15')).toEqual(
      expect.objectContaining({ returnCode: 'FAIL', errorCode: '20001' }),
    );
    expect(await bill('20240230')).toEqual(
      expect.objectContaining({ returnCode: 'FAIL', errorCode: '20001' }),
    );
    expect(await bill(DAY, 'EVERYTHING')).toEqual(
      expect.objectContaining({ returnCode: 'FAIL', returnMsg: 'invalid bill_type' }),
    );
    const asNumber = await sdk.cloudPay('downloadBill', {
      subMchId: SUB_MCH_ID,
      billDate: 20240315,
      nonceStr: 'b',
    });
    expect(asNumber).toEqual(expect.objectContaining({ ok: false, errCode: -501001 }));
  });
});

describe('the bill of one day', () => {
  beforeAll(async () => {
    await sdk.clock({ action: 'set', at: TRADE_DAY_BILL_READY });
  });

  test('ALL (the default): payments and refunds of that day only, with the 27 columns', async () => {
    const all = await billText(DAY, 'ALL');
    expect((await bill(DAY)).data).toBe(all.text);
    expect(all.header).toBe(HEADERS.ALL);
    expect(all.rows.map((r) => [r.商户订单号, r.交易状态])).toEqual([
      [orders.A.outTradeNo, 'SUCCESS'],
      [orders.B.outTradeNo, 'SUCCESS'],
      [orders.A.outTradeNo, 'REFUND'],
    ]);
    const [a, b, refund] = all.rows;
    expect(a).toEqual(
      expect.objectContaining({
        交易时间: '2024-03-15 12:00:00',
        商户号: '1800008281',
        特约商户号: SUB_MCH_ID,
        微信订单号: orders.A.transactionId,
        用户标识: PAYER,
        交易类型: 'JSAPI',
        付款银行: 'OTHERS',
        货币种类: 'CNY',
        应结订单金额: '1.00',
        代金券金额: '0.00',
        微信退款单号: '0',
        商户退款单号: '0',
        退款金额: '0.00',
        退款类型: '',
        退款状态: '',
        商品名称: '商品A',
        商户数据包: 'order-A',
        手续费: '0.01000',
        费率: '0.60%',
        订单金额: '1.00',
        申请退款金额: '0.00',
        费率备注: '',
      }),
    );
    expect(b).toEqual(
      expect.objectContaining({ 交易时间: '2024-03-15 12:01:00', 订单金额: '2.50', 手续费: '0.02000' }),
    );
    expect(refund).toEqual(
      expect.objectContaining({
        交易时间: '2024-03-15 12:02:00',
        微信订单号: orders.A.transactionId,
        应结订单金额: '0.00',
        微信退款单号: refundA.refundId,
        商户退款单号: refundA.outRefundNo,
        退款金额: '0.30',
        退款类型: 'ORIGINAL',
        退款状态: 'SUCCESS',
        订单金额: '0.00',
        申请退款金额: '0.30',
      }),
    );
    expect(all.summary).toEqual(['3', '3.50', '0.30', '0.00', '0.03000', '3.50', '0.30']);
    expect(fen(all.summary[1])).toBe(total(all.rows, '应结订单金额'));
    expect(fen(all.summary[4])).toBe(total(all.rows, '手续费'));
  });

  test('SUCCESS: the payments only, 20 columns', async () => {
    const success = await billText(DAY, 'SUCCESS');
    expect(success.header).toBe(HEADERS.SUCCESS);
    expect(success.rows.map((r) => r.商户订单号)).toEqual([orders.A.outTradeNo, orders.B.outTradeNo]);
    expect(success.rows.every((r) => r.交易状态 === 'SUCCESS')).toBe(true);
    expect(success.summary).toEqual(['2', '3.50', '0.00', '0.00', '0.03000', '3.50', '0.00']);
  });

  test('REFUND: the refunds only, 29 columns with application and success times', async () => {
    const refunds = await billText(DAY, 'REFUND');
    expect(refunds.header).toBe(HEADERS.REFUND);
    expect(refunds.rows).toEqual([
      expect.objectContaining({
        商户订单号: orders.A.outTradeNo,
        交易状态: 'REFUND',
        退款申请时间: '2024-03-15 12:02:00',
        退款成功时间: '2024-03-15 12:02:00',
        商户退款单号: `RA${orders.A.outTradeNo}`,
        退款金额: '0.30',
        退款状态: 'SUCCESS',
      }),
    ]);
    expect(refunds.summary).toEqual(['1', '0.00', '0.30', '0.00', '0.00000', '0.00', '0.30']);
  });

  test("the next day's bill has its own payment and the refund of an earlier order", async () => {
    await sdk.clock({ action: 'set', at: TRADE_DAY_BILL_READY + 24 * 3600_000 });
    const next = await billText(beijingDay(TRADE_DAY_BILL_READY), 'ALL');
    expect(next.rows.map((r) => [r.商户订单号, r.交易状态, r.退款金额])).toEqual([
      [orders.C.outTradeNo, 'SUCCESS', '0.00'],
      [orders.B.outTradeNo, 'REFUND', '0.50'],
    ]);
    await sdk.clock({ action: 'set', at: TRADE_DAY_BILL_READY });
  });

  test('GZIP comes back as a Buffer of the same text, for every type', async () => {
    for (const billType of ['ALL', 'SUCCESS', 'REFUND']) {
      const text = (await bill(DAY, billType)).data as string;
      const gz = await bill(DAY, billType, { tarType: 'GZIP' });
      // The fixture returns Buffers as base64 (the SDK resolved a Buffer).
      const bytes = Buffer.from((gz.data as { base64: string }).base64, 'base64');
      expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
      expect(gunzipSync(bytes).toString('utf8')).toBe(text);
    }
    // snake_case tar_type works too.
    const snake = await sdk.ok('downloadBill', {
      sub_mch_id: SUB_MCH_ID,
      bill_date: DAY,
      bill_type: 'SUCCESS',
      tar_type: 'GZIP',
      nonce_str: 'b',
    });
    expect(snake.data).toEqual({ base64: expect.any(String) });
  });
});
