/** @jest-environment node */
import { gzipSync } from 'node:zlib';
import { parseBill, type BillInput } from '../../cloudfunctions/common/bill/parse';
import { fromUnits, toUnits } from '../../cloudfunctions/common/bill/money';
import {
  bill,
  chunks,
  collect,
  DAY,
  failure,
  FIXTURE,
  HEADERS,
  LEGACY_SUMMARY,
  SUMMARY,
} from '../helpers/bills';

describe('money', () => {
  it('reads yuan strings into integer units without floating point', () => {
    expect(toUnits('0.29', 2)).toBe(29);
    expect(toUnits('-0.01', 2)).toBe(-1);
    expect(toUnits('45.0', 0)).toBe(45);
    expect(toUnits('0.00000', 5)).toBe(0);
    expect(toUnits('-0.01199', 5)).toBe(-1199);
    expect(toUnits('1234567.89', 2)).toBe(123456789);
    expect(toUnits('0.001', 2)).toBeUndefined();
    expect(toUnits('0.47000000000000003', 2, true)).toBe(47);
    expect(toUnits('1e3', 2)).toBeUndefined();
    expect(toUnits('', 2)).toBeUndefined();
    expect(fromUnits(-1199, 5)).toBe('-0.01199');
    expect(fromUnits(7, 2)).toBe('0.07');
  });
});

describe('parseBill on the sandbox fixture', () => {
  it('reads its 45 rows and finds the float summary equal to the re-summed rows', async () => {
    const { rows, end } = await collect(FIXTURE.toString('utf8'));
    expect(rows).toHaveLength(45);
    expect(rows.filter((r) => r.kind === 'payment')).toHaveLength(31);
    expect(rows.filter((r) => r.kind === 'refund')).toHaveLength(14);
    expect(end).toMatchObject({ billType: 'ALL', format: 'current', line: 48, summaryMatches: true });
    expect(end.summary).toEqual({
      count: 45,
      settlementFee: 47,
      refundFee: 14,
      couponRefundFee: 0,
      fee: 8000,
      totalFee: 47,
      requestedRefundFee: 14,
    });
    expect(end.computed).toEqual(end.summary);
    expect(end.mismatches).toEqual([]);
  });

  it('types every field of a payment and a refund line', async () => {
    const { rows } = await collect(FIXTURE);
    expect(rows[0]).toMatchObject({
      kind: 'refund',
      line: 2,
      tradeState: 'REFUND',
      outTradeNo: 'autotest_20190216081946_82335',
      refundId: '50000709672019011908420787722',
      outRefundNo: 'REF4200000263201902167700963919',
      refundFee: 1,
      requestedRefundFee: 1,
      refundType: 'ORIGINAL',
      refundStatus: 'SUCCESS',
      body: '系统拨测-cheeryin-test_micropay_succ',
      totalFee: 0,
      fee: 0,
    });
    expect(rows[2]).toEqual({
      kind: 'payment',
      line: 4,
      tradeTime: '2019-02-19 01:52:32',
      appid: 'wxab8acd895ab1638a',
      mchId: '1921000401',
      subMchId: '0',
      deviceInfo: '',
      transactionId: '4200000263201902167700134902',
      outTradeNo: 'autotest_20190219015232_89201',
      openid: 'wxab8acb865bb1637e',
      tradeType: 'NATIVE',
      tradeState: 'SUCCESS',
      bankType: 'OTHERS',
      feeType: 'CNY',
      settlementFee: 3,
      couponFee: 0,
      refundApplyTime: '',
      refundSuccessTime: '',
      refundId: '0',
      outRefundNo: '0',
      refundFee: 0,
      couponRefundFee: 0,
      refundType: '',
      refundStatus: '',
      body: 'autotest',
      attach: '',
      fee: 1000,
      feeRate: '39.00%',
      totalFee: 3,
      requestedRefundFee: 0,
      feeRemark: '',
    });
    expect(rows.find((r) => r.line === 21)?.couponFee).toBe(1);
  });

  it('reads the same rows from gzip bytes, a chunked stream and chunked gzip', async () => {
    const plain = await collect(FIXTURE);
    expect(await collect(gzipSync(FIXTURE))).toEqual(plain);
    // Cut inside every multi-byte character of the header, between each \r and \n, and 1 byte in.
    const cuts = new Set<number>([1, 2]);
    for (let i = 1; i < FIXTURE.length; i++) {
      const b = FIXTURE[i];
      if ((b & 0xc0) === 0x80 && i < 400) cuts.add(i);
      if (FIXTURE[i - 1] === 0x0d && b === 0x0a) cuts.add(i);
    }
    const sorted = [...cuts].sort((a, b) => a - b);
    expect(sorted.length).toBeGreaterThan(100);
    expect(await collect(chunks(FIXTURE, sorted))).toEqual(plain);
    const gz = gzipSync(FIXTURE);
    expect(await collect(chunks(gz, [1, 7, 100, 101]))).toEqual(plain);
    const text = FIXTURE.toString('utf8');
    const pieces = (async function* () {
      for (let i = 0; i < text.length; i += 13) yield text.slice(i, i + 13);
    })();
    expect(await collect(pieces)).toEqual(plain);
  });

  it('hands out rows before the input has ended', async () => {
    const lines = FIXTURE.toString('utf8').split('\r\n');
    let released = false;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const source = (async function* () {
      yield lines.slice(0, 3).join('\r\n') + '\r\n';
      await gate;
      released = true;
      yield lines.slice(3).join('\r\n');
    })();
    const it = parseBill(source);
    const first = await it.next();
    expect(first.value).toMatchObject({ kind: 'refund', line: 2 });
    expect(released).toBe(false);
    release();
    let n = 1;
    for await (const e of it) if (e.kind !== 'summary') n++;
    expect(n).toBe(45);
  });

  it('flags a summary that does not match its rows', async () => {
    const text = FIXTURE.toString('utf8').replace('`45.0,`0.47,`0.14', '`46.0,`0.47,`0.15');
    const { end } = await collect(text);
    expect(end.summaryMatches).toBe(false);
    expect(end.mismatches).toEqual([
      { field: 'count', column: '总交易单数', summary: 46, rows: 45 },
      { field: 'refundFee', column: '退款总金额', summary: 15, rows: 14 },
    ]);
  });
});

describe('parseBill on production-style bills', () => {
  it('reads an ALL bill with an integer count, 2-decimal money, negative fees and a comma in a body', async () => {
    const { rows, end } = await collect(bill(HEADERS.ALL, SUMMARY, DAY));
    expect(rows.map((r) => [r.kind, r.outTradeNo, r.totalFee, r.refundFee, r.fee])).toEqual([
      ['payment', 'PK202403151000000000000001A01', 29, 0, 17],
      ['payment', 'PK202403151000000000000002A01', 1999, 0, 1199],
      ['payment', 'PK202403151000000000000003A02', 100000, 0, 60000],
      ['refund', 'PK202403151000000000000002A01', 0, 1999, -1199],
    ]);
    expect(rows[1].body).toBe('咖啡,大杯');
    expect(end).toMatchObject({ billType: 'ALL', summaryMatches: true });
    expect(end.summary).toMatchObject({ count: 4, totalFee: 102028, refundFee: 1999, fee: 60017 });
  });

  it('reads LF line ends and a last line without a line break', async () => {
    const text = bill(HEADERS.ALL, SUMMARY, DAY, '\n').replace(/\n$/, '');
    expect((await collect(text)).end.summaryMatches).toBe(true);
  });

  it('reads SUCCESS and REFUND bills', async () => {
    const paid = DAY.filter((s) => s.refund === undefined);
    const success = await collect(bill(HEADERS.SUCCESS, SUMMARY, paid));
    expect(success.end).toMatchObject({ billType: 'SUCCESS', summaryMatches: true });
    expect(success.rows.map((r) => [r.kind, r.totalFee, r.refundId])).toEqual([
      ['payment', 29, ''],
      ['payment', 1999, ''],
      ['payment', 100000, ''],
    ]);
    const refunds = await collect(bill(HEADERS.REFUND, SUMMARY, DAY.slice(3)));
    expect(refunds.end).toMatchObject({ billType: 'REFUND', summaryMatches: true });
    expect(refunds.rows[0]).toMatchObject({
      kind: 'refund',
      refundFee: 1999,
      refundApplyTime: '2024-03-15 11:00:00',
      refundSuccessTime: '2024-03-15 11:00:05',
      outRefundNo: 'RPK202403151000000000000002A01',
    });
  });

  it('reads the legacy 24-column format and its 5-column summary', async () => {
    expect(HEADERS.LEGACY_ALL.split(',')).toHaveLength(24);
    const { rows, end } = await collect(bill(HEADERS.LEGACY_ALL, LEGACY_SUMMARY, DAY));
    expect(end).toMatchObject({ billType: 'ALL', format: 'legacy', summaryMatches: true });
    expect(end.summary).toEqual({
      count: 4,
      totalFee: 102028,
      refundFee: 1999,
      couponRefundFee: 0,
      fee: 60017,
    });
    expect(rows[2]).toMatchObject({
      subMchId: '1900000109',
      totalFee: 100000,
      settlementFee: 100000,
      fee: 60000,
    });
    expect(rows[3]).toMatchObject({ kind: 'refund', refundFee: 1999, requestedRefundFee: 1999 });
  });
});

describe('parseBill on malformed input', () => {
  const good = bill(HEADERS.ALL, SUMMARY, DAY);
  const lines = good.split('\r\n');

  it.each<[string, BillInput, number, RegExp]>([
    ['an empty input', '', 0, /empty/],
    [
      'a fund-flow header',
      '记账时间,微信支付业务单号,资金流水单号,业务名称\r\n`x,`y,`z,`w\r\n',
      1,
      /not a WeChat Pay/,
    ],
    ['a header missing columns', HEADERS.ALL.replace(',订单金额,', ',') + '\r\n', 1, /lacks 订单金额/],
    ['a data line first', lines.slice(1).join('\r\n'), 1, /expected the bill header/],
    [
      'a truncated line',
      lines.slice(0, 3).join('\r\n') + '\r\n' + lines[3].slice(0, 60),
      4,
      /fields where the header has 27/,
    ],
    ['no summary', lines.slice(0, 5).join('\r\n') + '\r\n', 5, /ends before its summary/],
    [
      'a line without backquotes',
      [lines[0], lines[1].replace(/`/g, ''), ...lines.slice(2)].join('\r\n'),
      2,
      /backquote/,
    ],
    ['a bad amount', good.replace('`19.99,', '`19.9x,'), 3, /应结订单金额 is not an amount in yuan: "19.9x"/],
    ['a bad time', good.replace('2024-03-15 10:02:00', 'yesterday'), 4, /交易时间 is not a time/],
    ['a fractional count', good.replace(/`4,`/, '`4.5,`'), 7, /总交易单数 is not a number/],
    ['text after the summary', good + 'trailing garbage\r\n', 8, /after the summary/],
    ['random bytes', Buffer.from([0xff, 0xfe, 0x00, 0x41, 0x2c, 0x0a, 0x60, 0x42]), 1, /not a WeChat Pay/],
    ['a corrupt gzip', gzipSync(Buffer.from(good)).subarray(0, 40), 0, /gzip data is corrupt or truncated/],
    ['a line with no end', 'x'.repeat(70 * 1024), 1, /longer than/],
  ])('%s', async (_name, input, line, message) => {
    const err = await failure(input);
    expect(err.line).toBe(line);
    expect(err.message).toMatch(message);
    expect(err.message).toMatch(new RegExp(`^bill line ${line}: `));
  });
});
