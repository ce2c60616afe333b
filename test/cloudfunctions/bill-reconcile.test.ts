/** @jest-environment node */
import { gzipSync } from 'node:zlib';
import { fromUnits } from '../../cloudfunctions/common/bill/money';
import { billBatches } from '../../cloudfunctions/common/bill/parse';
import {
  reconcileBill,
  type LocalOrder,
  type ReconcileSources,
} from '../../cloudfunctions/common/bill/reconcile';

const ALL =
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,' +
  '应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,' +
  '手续费,费率,订单金额,申请退款金额,费率备注';
const REFUND_ONLY = ALL.replace('代金券金额,', '代金券金额,退款申请时间,退款成功时间,');
const SUMMARY =
  '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额';

/** A bill line: a payment of `total` fen, or a refund of `refund` fen, of one outTradeNo. */
type Line = { outTradeNo: string; total?: number; refund?: number; state?: string };

const yuan = (fen: number): string => fromUnits(fen, 2);
const fee = (fen: number): number => fen * 600; // 0.6 % in 0.00001 yuan

function billOf(lines: Line[], header = ALL): string {
  const names = header.split(',');
  const out = [header];
  lines.forEach((l, i) => {
    const refund = l.refund !== undefined;
    const c: Record<string, string> = {
      交易时间: '2024-03-15 12:00:00',
      微信订单号: `42000000002024031500000${String(i).padStart(5, '0')}`,
      商户订单号: l.outTradeNo,
      交易状态: l.state ?? (refund ? 'REFUND' : 'SUCCESS'),
      应结订单金额: yuan(refund ? 0 : (l.total ?? 0)),
      订单金额: yuan(refund ? 0 : (l.total ?? 0)),
      退款金额: yuan(l.refund ?? 0),
      申请退款金额: yuan(l.refund ?? 0),
      微信退款单号: refund ? `50300${i}` : '0',
      商户退款单号: refund ? `R${i}` : '0',
      退款状态: refund ? 'SUCCESS' : '',
      手续费: fromUnits(refund ? -fee(l.refund ?? 0) : fee(l.total ?? 0), 5),
    };
    out.push(names.map((n) => '`' + (c[n] ?? '')).join(','));
  });
  const sum = (f: (l: Line) => number): number => lines.reduce((a, l) => a + f(l), 0);
  const paid = sum((l) => (l.refund === undefined ? (l.total ?? 0) : 0));
  const refunded = sum((l) => l.refund ?? 0);
  const fees = sum((l) => (l.refund !== undefined ? -fee(l.refund) : fee(l.total ?? 0)));
  out.push(
    SUMMARY,
    [lines.length, yuan(paid), yuan(refunded), '0.00', fromUnits(fees, 5), yuan(paid), yuan(refunded)]
      .map((v) => '`' + v)
      .join(','),
  );
  return '\uFEFF' + out.join('\r\n') + '\r\n';
}

const no = (n: number): string => `PK20240315100000000000${String(n).padStart(2, '0')}`;
const attempt = (n: number, a = 1): string => `${no(n)}A${String(a).padStart(2, '0')}`;

/** The kit's side, standing in for the database. */
function kitDb(orders: LocalOrder[], attempts: Record<string, number[]>) {
  const byNo = new Map(orders.map((o) => [o.orderNo, o]));
  const calls: string[][] = [];
  const sources: Omit<ReconcileSources, 'billDate'> = {
    async lookup(outTradeNos) {
      calls.push(outTradeNos);
      const found = new Map<string, LocalOrder>();
      for (const t of outTradeNos) {
        const order = byNo.get(t.slice(0, 24));
        if (order && attempts[order.orderNo]?.includes(Number(t.slice(25)))) found.set(t, order);
      }
      return found;
    },
    async *localPaid() {
      for (const o of orders) if (o.status === 'SUCCESS' || o.status === 'REFUND') yield o;
    },
  };
  return { sources, calls };
}

const paid = (n: number, totalFee: number, a = 1, status: LocalOrder['status'] = 'SUCCESS'): LocalOrder => ({
  orderNo: no(n),
  status,
  totalFee,
  outTradeNo: attempt(n, a),
  transactionId: `local-${n}`,
  paidAt: Date.UTC(2024, 2, 15, 4),
});

describe('reconcileBill', () => {
  // 1 matches; 2 is unpaid here; 3 paid here through A01 but WeChat also took A02; 4 differs in amount;
  // 5 is paid here only; 6 is refunded at WeChat but not here; 7 is refunded on both sides;
  // 8 is of the kit's form but no such order; SHOP-1 is not the kit's at all.
  const orders: LocalOrder[] = [
    paid(1, 100),
    { orderNo: no(2), status: 'NOTPAY', totalFee: 250, outTradeNo: attempt(2) },
    paid(3, 300),
    paid(4, 1000),
    paid(5, 500),
    paid(6, 600),
    paid(7, 700, 1, 'REFUND'),
  ];
  const attempts = {
    [no(1)]: [1],
    [no(2)]: [1],
    [no(3)]: [1, 2],
    [no(4)]: [1],
    [no(5)]: [1],
    [no(6)]: [1],
    [no(7)]: [1],
  };
  const lines: Line[] = [
    { outTradeNo: attempt(1), total: 100 },
    { outTradeNo: attempt(2), total: 250 },
    { outTradeNo: attempt(3), total: 300 },
    { outTradeNo: attempt(3, 2), total: 300 },
    { outTradeNo: attempt(4), total: 100 },
    { outTradeNo: attempt(6), total: 600 },
    { outTradeNo: attempt(6), refund: 200 },
    { outTradeNo: attempt(7), total: 700 },
    { outTradeNo: attempt(7), refund: 700 },
    { outTradeNo: attempt(8), total: 800 },
    { outTradeNo: 'SHOP-1', total: 50 },
  ];

  it('finds every kind of discrepancy of a day, in batches', async () => {
    const { sources, calls } = kitDb(orders, attempts);
    const result = await reconcileBill(billBatches(gzipSync(billOf(lines))), {
      ...sources,
      billDate: '20240315',
      batchSize: 3,
    });
    expect(calls.map((c) => c.length)).toEqual([3, 3, 2, 1]); // distinct per batch: a refund and its payment share one look-up
    expect(calls.flat()).not.toContain('SHOP-1');
    expect(result.billDate).toBe('20240315');
    expect(result.billType).toBe('ALL');
    expect(result.summaryMatches).toBe(true);
    expect(result.checkedLocalPaid).toBe(true);
    expect(result.totals).toEqual({
      payments: { count: 9, fee: 100 + 250 + 300 + 300 + 100 + 600 + 700 + 800 + 50 },
      refunds: { count: 2, fee: 900 },
      serviceFee: fee(3200 - 900),
    });
    const tx = (i: number): string => `42000000002024031500000${String(i).padStart(5, '0')}`;
    expect(result.discrepancies).toEqual([
      {
        kind: 'PAID_AT_WECHAT_NOT_HERE',
        outTradeNo: attempt(2),
        orderNo: no(2),
        wechatFee: 250,
        localFee: 250,
        transactionId: tx(1),
      },
      {
        kind: 'PAID_AT_WECHAT_NOT_HERE',
        outTradeNo: attempt(3, 2),
        orderNo: no(3),
        wechatFee: 300,
        localFee: 300,
        transactionId: tx(3),
      },
      {
        kind: 'AMOUNT_MISMATCH',
        outTradeNo: attempt(4),
        orderNo: no(4),
        wechatFee: 100,
        localFee: 1000,
        transactionId: tx(4),
      },
      { kind: 'UNKNOWN_TRADE', outTradeNo: 'SHOP-1', wechatFee: 50, transactionId: tx(10) },
      { kind: 'UNKNOWN_TRADE', outTradeNo: attempt(8), orderNo: no(8), wechatFee: 800, transactionId: tx(9) },
      {
        kind: 'PAID_HERE_NOT_AT_WECHAT',
        outTradeNo: attempt(5),
        orderNo: no(5),
        localFee: 500,
        transactionId: 'local-5',
      },
    ]);
    expect(result.refundDiscrepancies).toEqual([
      {
        kind: 'REFUND_NOT_HERE',
        outTradeNo: attempt(6),
        orderNo: no(6),
        localStatus: 'SUCCESS',
        outRefundNo: 'R6',
        refundId: '503006',
        wechatFee: 200,
        wechatStatus: 'SUCCESS',
      },
    ]);
    expect(result.discrepancyCounts).toEqual({
      PAID_AT_WECHAT_NOT_HERE: 2,
      AMOUNT_MISMATCH: 1,
      PAID_HERE_NOT_AT_WECHAT: 1,
      UNKNOWN_TRADE: 2,
      REFUND_NOT_HERE: 1,
      REFUNDED_OUTSIDE_KIT: 0,
      PAYMENT_NOT_MATCHING: 0,
    });
    expect(result.discrepanciesDropped).toBe(0);
  });

  it('reports the refund of an order refunded on the merchant platform for an admin, not for repair', async () => {
    // 9 was refunded on the merchant platform before the kit recorded its payment; 10 is not marked.
    const outside: LocalOrder[] = [
      { ...paid(9, 900, 1, 'REFUND'), refunds: [], refundedOutside: true },
      { ...paid(10, 1000, 1, 'REFUND'), refunds: [] },
    ];
    const { sources } = kitDb(outside, { [no(9)]: [1], [no(10)]: [1] });
    const result = await reconcileBill(
      billBatches(
        gzipSync(
          billOf([
            { outTradeNo: attempt(9), total: 900 },
            { outTradeNo: attempt(9), refund: 900 },
            { outTradeNo: attempt(10), total: 1000 },
            { outTradeNo: attempt(10), refund: 1000 },
          ]),
        ),
      ),
      { ...sources, billDate: '20240315' },
    );
    expect(result.discrepancies).toEqual([
      {
        kind: 'REFUNDED_OUTSIDE_KIT',
        outTradeNo: attempt(9),
        orderNo: no(9),
        outRefundNo: 'R1',
        wechatFee: 900,
        transactionId: '4200000000202403150000000001',
      },
    ]);
    expect(result.refundDiscrepancies.map((d) => [d.kind, d.orderNo])).toEqual([['REFUND_NOT_HERE', no(10)]]);
  });

  it('finds nothing on a day where both sides agree, and reports a summary mismatch', async () => {
    const agreeing = lines.filter((l) => [attempt(1), attempt(7)].includes(l.outTradeNo));
    const { sources } = kitDb([paid(1, 100), paid(7, 700, 1, 'REFUND')], attempts);
    const clean = await reconcileBill(billBatches(billOf(agreeing)), { ...sources, billDate: '20240315' });
    expect(clean.discrepancies).toEqual([]);
    expect(clean.refundDiscrepancies).toEqual([]);
    expect(clean.summaryMatches).toBe(true);
    const tampered = billOf(agreeing).replace(/`3,`8\.00,/, '`3,`8.01,');
    const flagged = await reconcileBill(billBatches(tampered), { ...sources, billDate: '20240315' });
    expect(flagged.summaryMatches).toBe(false);
    expect(flagged.summary.mismatches).toEqual([
      { field: 'settlementFee', column: '应结订单总金额', summary: 801, rows: 800 },
    ]);
  });

  it('keeps at most maxDiscrepancies and counts the rest', async () => {
    const many: Line[] = Array.from({ length: 30 }, (_, i) => ({ outTradeNo: `OTHER-${i}`, total: 1 }));
    const { sources } = kitDb([], {});
    const result = await reconcileBill(billBatches(billOf(many)), {
      ...sources,
      billDate: '20240315',
      maxDiscrepancies: 10,
    });
    expect(result.discrepancies).toHaveLength(10);
    expect(result.discrepanciesDropped).toBe(20);
    expect(result.discrepancyCounts.UNKNOWN_TRADE).toBe(30);
  });

  it('does not check local payments against a REFUND bill', async () => {
    const { sources } = kitDb(orders, attempts);
    const refunds = lines.filter((l) => l.refund !== undefined);
    const result = await reconcileBill(billBatches(billOf(refunds, REFUND_ONLY)), {
      ...sources,
      billDate: '20240315',
    });
    expect(result.billType).toBe('REFUND');
    expect(result.checkedLocalPaid).toBe(false);
    expect(result.discrepancies).toEqual([]);
    expect(result.refundDiscrepancies.map((d) => d.outTradeNo)).toEqual([attempt(6)]);
    expect(result.totals.refunds).toEqual({ count: 2, fee: 900 });
  });

  it('passes a malformed bill error on to the caller', async () => {
    const { sources } = kitDb(orders, attempts);
    const truncated = billOf(lines).split('\r\n').slice(0, 5).join('\r\n');
    await expect(reconcileBill(billBatches(truncated), { ...sources, billDate: '20240315' })).rejects.toThrow(
      /^bill line 5: /,
    );
  });
});
