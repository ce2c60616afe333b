/** @jest-environment node */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { PayAnswer } from '../../sandbox/pay/service';
import { createHarness, type Harness } from './pay-harness';
import { SUB_MCH_ID, TRADE_DAY_BILL_READY } from '../helpers/constants';

const FIXTURE = readFileSync(
  path.resolve(__dirname, '../fixtures/bills/wechat-bill-ALL-sandbox.csv'),
  'utf8',
);
const HOUR = 3600_000;
const DAY = 24 * HOUR;

let h: Harness;
beforeEach(() => {
  h = createHarness();
});
afterEach(() => h.close());

const billReq = (date: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  sub_mch_id: SUB_MCH_ID,
  nonce_str: 'n',
  bill_date: date,
  ...extra,
});

async function bill(date: string, extra?: Record<string, unknown>): Promise<PayAnswer> {
  return h.pay.call('downloadBill', billReq(date, extra), { appid: 'wx', envId: 'e' });
}

function text(answer: PayAnswer): string {
  if (!('raw' in answer)) throw new Error(`expected a bill, got ${JSON.stringify(answer)}`);
  return answer.raw.toString('utf8');
}

/** Money columns re-summed in fen, and the summary read back, by header name. */
function resum(bill: string): { rows: string[][]; header: string[]; summary: Record<string, string> } {
  const lines = bill
    .replace(/^\uFEFF/, '')
    .split('\r\n')
    .filter(Boolean);
  const header = lines[0].split(',');
  const rows = lines.slice(1, -2).map((l) => l.split(',').map((c) => c.replace(/^`/, '')));
  const sumHeader = lines[lines.length - 2].split(',');
  const sumValues = lines[lines.length - 1].split(',').map((c) => c.replace(/^`/, ''));
  return { rows, header, summary: Object.fromEntries(sumHeader.map((k, i) => [k, sumValues[i]])) };
}

const fen = (yuan: string): number => Math.round(Number(yuan) * 100);

/** Three payments and one refund on 2024-03-15; the bill is asked on 2024-03-16 at 10:00 Beijing. */
async function tradeDay(): Promise<void> {
  await h.payOrder('BILL000001', { total_fee: 100, attach: 'a' });
  h.clock.advance(HOUR);
  await h.payOrder('BILL000002', { total_fee: 250 });
  h.clock.advance(HOUR);
  await h.payOrder('BILL000003', { total_fee: 1 });
  await h.json('refund', {
    sub_mch_id: SUB_MCH_ID,
    nonce_str: 'n',
    out_trade_no: 'BILL000002',
    out_refund_no: 'RBILL2',
    total_fee: 250,
    refund_fee: 50,
  });
  h.clock.set(TRADE_DAY_BILL_READY);
}

describe('downloadBill', () => {
  it('answers No Bill Exist (20002) for a day without trades', async () => {
    h.clock.set(TRADE_DAY_BILL_READY);
    expect(await bill('20240315')).toEqual({
      json: { return_code: 'FAIL', return_msg: 'No Bill Exist', error_code: '20002' },
    });
  });

  it('only serves past days, from 10:00 Beijing the next day, for 3 months', async () => {
    await tradeDay();
    expect(await bill('20240316')).toMatchObject({
      json: { return_msg: 'invalid bill_date', error_code: '20001' },
    });
    expect(await bill('2024-03-15')).toMatchObject({ json: { return_msg: 'invalid bill_date' } });
    h.clock.set(TRADE_DAY_BILL_READY - 1);
    expect(await bill('20240315')).toMatchObject({ json: { return_msg: 'Bill Creating' } });
    h.clock.set(TRADE_DAY_BILL_READY);
    expect('raw' in (await bill('20240315'))).toBe(true);
    h.clock.set(TRADE_DAY_BILL_READY + 99 * DAY);
    expect(await bill('20240315')).toMatchObject({ json: { return_msg: 'invalid bill_date' } });
  });

  it('ALL: the fixture structure (BOM, CRLF, headers, backquotes, 27 columns) and correct totals', async () => {
    await tradeDay();
    const all = text(await bill('20240315'));
    expect(all.startsWith('\uFEFF')).toBe(true);
    expect(all.endsWith('\r\n')).toBe(true);
    expect(all.replace(/\r\n/g, '')).not.toContain('\n');
    const fixtureLines = FIXTURE.split('\r\n');
    const lines = all.split('\r\n');
    expect(lines[0]).toBe(fixtureLines[0]);
    expect(lines[lines.length - 3]).toBe(fixtureLines[fixtureLines.length - 3]);
    const { rows, header, summary } = resum(all);
    expect(rows).toHaveLength(4);
    for (const line of lines.slice(1, 5)) expect(line.split(',').every((c) => c.startsWith('`'))).toBe(true);
    expect(rows.every((r) => r.length === 27)).toBe(true);
    const col = (name: string): number => header.indexOf(name.replace(/^\uFEFF/, ''));
    const payment = rows.find((r) => r[col('商户订单号')] === 'BILL000001') ?? [];
    expect(payment[col('交易时间')]).toBe('2024-03-15 12:00:00');
    expect(payment[col('交易状态')]).toBe('SUCCESS');
    expect(payment[col('应结订单金额')]).toBe('1.00');
    expect(payment[col('手续费')]).toBe('0.01000');
    expect(payment[col('费率')]).toBe('0.60%');
    expect(payment[col('特约商户号')]).toBe(SUB_MCH_ID);
    expect(payment[col('商户数据包')]).toBe('a');
    const refundRow = rows.find((r) => r[col('交易状态')] === 'REFUND') ?? [];
    expect(refundRow[col('商户退款单号')]).toBe('RBILL2');
    expect(refundRow[col('退款金额')]).toBe('0.50');
    expect(refundRow[col('申请退款金额')]).toBe('0.50');
    expect(refundRow[col('退款状态')]).toBe('SUCCESS');
    expect(summary).toEqual({
      总交易单数: '4',
      应结订单总金额: '3.51',
      退款总金额: '0.50',
      充值券退款总金额: '0.00',
      手续费总金额: '0.03000',
      订单总金额: '3.51',
      申请退款总金额: '0.50',
    });
    const sumOf = (name: string): number => rows.reduce((s, r) => s + fen(r[col(name)]), 0);
    expect(fen(summary['应结订单总金额'])).toBe(sumOf('应结订单金额'));
    expect(fen(summary['手续费总金额'])).toBe(sumOf('手续费'));
    expect(fen(summary['退款总金额'])).toBe(sumOf('退款金额'));
    expect(Number(summary['总交易单数'])).toBe(rows.length);
  });

  it('SUCCESS has 20 columns of payments only; REFUND 29 columns of refunds only', async () => {
    await tradeDay();
    const success = resum(text(await bill('20240315', { bill_type: 'SUCCESS' })));
    expect(success.header).toHaveLength(20);
    expect(success.rows).toHaveLength(3);
    expect(success.summary['订单总金额']).toBe('3.51');
    const refunds = resum(text(await bill('20240315', { bill_type: 'REFUND' })));
    expect(refunds.header).toHaveLength(29);
    expect(refunds.rows).toHaveLength(1);
    expect(refunds.rows[0][refunds.header.indexOf('退款申请时间')]).toBe('2024-03-15 14:00:00');
    // §8.5: 交易时间 of a refund row is when the refund was asked for, not when the order was paid.
    expect(refunds.rows[0][refunds.header.indexOf('交易时间')]).toBe('2024-03-15 14:00:00');
    expect(refunds.summary['退款总金额']).toBe('0.50');
    expect(await bill('20240315', { bill_type: 'WEEKLY' })).toMatchObject({
      json: { return_msg: 'invalid bill_type' },
    });
  });

  it('GZIP answers gzip bytes of the same text', async () => {
    await tradeDay();
    const plain = await bill('20240315');
    const zipped = await bill('20240315', { tar_type: 'GZIP' });
    if (!('raw' in zipped) || !('raw' in plain)) throw new Error('expected raw bills');
    expect(zipped.raw.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(gunzipSync(zipped.raw).equals(plain.raw)).toBe(true);
  });

  it('can print the summary like the simulation system and drop the BOM (configurable)', async () => {
    await tradeDay();
    h.pay.configure({ billNumberStyle: 'sandbox', billKeepsBom: false });
    const all = text(await bill('20240315'));
    expect(all.startsWith('交易时间')).toBe(true);
    expect(resum(all).summary).toMatchObject({
      总交易单数: '4.0',
      应结订单总金额: '3.51',
      充值券退款总金额: '0.0',
    });
  });
});
