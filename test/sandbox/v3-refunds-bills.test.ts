/** @jest-environment node */
/**
 * APIv3 refunds and trade bills over real HTTP against a sandbox process on a frozen clock: the
 * cloudPay refund rules in the v3 error model, and bills whose hash_value matches their bytes.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { post } from '../helpers/control';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox';
import { V3Client, readMerchant, type MerchantFile } from '../helpers/v3client';

let sandbox: SandboxProcess;
let merchant: MerchantFile;
let client: V3Client;
const OPENID = 'oV3PayerOpenid0001';
/** 2024-03-15 10:00 Beijing. */
const T0 = Date.UTC(2024, 2, 15, 2, 0, 0);
const NEXT_DAY_10 = T0 + 24 * 3600_000;

const clock = (body: Record<string, unknown>) => post(`${sandbox.url}/sandbox/clock`, body);

beforeAll(async () => {
  // No cloud functions: these suites talk to WeChat Pay only (and no timer triggers fire on clock moves).
  sandbox = await startSandboxProcess({
    args: ['--functions', fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-v3-fns-'))],
  });
  merchant = readMerchant(sandbox.dataDir);
  client = new V3Client(sandbox.url, merchant, merchant.publicKeyId);
  await clock({ action: 'freeze', at: T0 });
});
afterAll(() => sandbox.stop());

async function paidOrder(no: string, total = 100): Promise<void> {
  const order = await client.order(no, { amount: { total, currency: 'CNY' } });
  const payment = client.payment(order.json.prepay_id as string);
  const paid = await post<{ errMsg: string }>(`${sandbox.url}/gateway/pay`, { ...payment, openid: OPENID });
  expect(paid.errMsg).toBe('requestPayment:ok');
}

const refund = (no: string, outRefundNo: string, amount: number, total = 100) =>
  client.post('/v3/refund/domestic/refunds', {
    out_trade_no: no,
    out_refund_no: outRefundNo,
    reason: '不想要了',
    amount: { refund: amount, total, currency: 'CNY' },
  });

describe('refunds', () => {
  it('accepts a partial refund as PROCESSING, settles it, and keeps the 1-minute and amount rules', async () => {
    await paidOrder('V3REF0001');
    const a = await refund('V3REF0001', 'R-V3REF0001-1', 30);
    expect(a.status).toBe(200);
    expect(a.verified).toBe(true);
    expect(a.json).toMatchObject({
      out_refund_no: 'R-V3REF0001-1',
      refund_id: expect.stringMatching(/^50\d{27}$/),
      out_trade_no: 'V3REF0001',
      transaction_id: expect.stringMatching(/^42000/),
      channel: 'ORIGINAL',
      status: 'PROCESSING',
      amount: { total: 100, refund: 30, currency: 'CNY' },
    });
    const q = await client.get('/v3/refund/domestic/refunds/R-V3REF0001-1');
    expect(q.json).toMatchObject({ status: 'SUCCESS', success_time: '2024-03-15T10:00:00+08:00' });
    // The same number again is the same refund; with another amount it is refused.
    expect((await refund('V3REF0001', 'R-V3REF0001-1', 30)).json.refund_id).toBe(a.json.refund_id);
    expect((await refund('V3REF0001', 'R-V3REF0001-1', 31)).json.code).toBe('INVALID_REQUEST');
    const soon = await refund('V3REF0001', 'R-V3REF0001-2', 10);
    expect([soon.status, soon.json.code]).toEqual([429, 'FREQUENCY_LIMITED']);
    await clock({ action: 'advance', ms: 61_000 });
    const tooMuch = await refund('V3REF0001', 'R-V3REF0001-3', 71);
    expect([tooMuch.status, tooMuch.json.code]).toEqual([400, 'INVALID_REQUEST']);
    expect((await refund('V3REF0001', 'R-V3REF0001-4', 70)).status).toBe(200);
    const { trades } = await (await fetch(`${sandbox.url}/sandbox/pay/trades?outTradeNo=V3REF0001`)).json();
    expect(trades[0]).toMatchObject({ state: 'REFUND', refundedFee: 100 });
  });

  it('answers unknown refunds and unpaid orders with 404 RESOURCE_NOT_EXISTS', async () => {
    const a = await client.get('/v3/refund/domestic/refunds/R-NOPE');
    expect([a.status, a.json]).toEqual([404, { code: 'RESOURCE_NOT_EXISTS', message: '退款单不存在' }]);
    await client.order('V3REF0002');
    const b = await refund('V3REF0002', 'R-V3REF0002-1', 10);
    expect([b.status, b.json.code]).toEqual([404, 'RESOURCE_NOT_EXISTS']);
    const c = await refund('V3REF0002', 'R-V3REF0002-1', 0.5);
    expect(c.json.message).toMatch(/64 位有符号整数/);
  });

  it('ends a refund ABNORMAL or CLOSED as the refundResult fault says', async () => {
    await paidOrder('V3REF0003');
    await post(`${sandbox.url}/sandbox/pay/faults`, { api: 'refundResult', error: 'CHANGE' });
    await refund('V3REF0003', 'R-V3REF0003-1', 100);
    expect((await client.get('/v3/refund/domestic/refunds/R-V3REF0003-1')).json.status).toBe('ABNORMAL');
  });
});

describe('trade bills', () => {
  it('refuses the current day, and says STATEMENT_CREATING before 10:00 the next day', async () => {
    const today = await client.get('/v3/bill/tradebill?bill_date=2024-03-15');
    expect([today.status, today.json.code]).toEqual([400, 'INVALID_REQUEST']);
    await clock({ action: 'set', at: NEXT_DAY_10 - 3600_000 });
    const a = await client.get('/v3/bill/tradebill?bill_date=2024-03-15');
    expect([a.status, a.json.code]).toEqual([400, 'STATEMENT_CREATING']);
  });

  it('applies, downloads unsigned, and the hash_value is the SHA-1 of the bytes (plain and GZIP)', async () => {
    await clock({ action: 'set', at: NEXT_DAY_10 });
    const apply = await client.get('/v3/bill/tradebill?bill_date=2024-03-15&bill_type=ALL');
    expect(apply.status).toBe(200);
    expect(apply.verified).toBe(true);
    expect(apply.json).toMatchObject({
      hash_type: 'SHA1',
      hash_value: expect.stringMatching(/^[0-9a-f]{40}$/),
    });
    const url = new URL(apply.json.download_url as string);
    expect(url.origin).toBe('https://api.mch.weixin.qq.com');
    const file = await client.get(`${url.pathname}${url.search}`);
    expect(file.status).toBe(200);
    expect(file.headers.get('wechatpay-signature')).toBeNull();
    expect(file.headers.get('request-id')).toBeNull();
    expect(file.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(createHash('sha1').update(file.raw).digest('hex')).toBe(apply.json.hash_value);
    const text = file.text;
    expect(text).toContain('`V3REF0001');
    expect(text).toContain(`\`${merchant.mchid},\`0,`);
    expect(text).toMatch(/总交易单数,应结订单总金额/);

    const gz = await client.get('/v3/bill/tradebill?bill_date=2024-03-15&tar_type=GZIP');
    const gzUrl = new URL(gz.json.download_url as string);
    const gzFile = await client.get(`${gzUrl.pathname}${gzUrl.search}`);
    expect(gzFile.headers.get('content-type')).toBe('application/x-gzip');
    const plain = gunzipSync(gzFile.raw);
    expect(createHash('sha1').update(plain).digest('hex')).toBe(gz.json.hash_value);
  });

  it('answers NO_STATEMENT_EXIST for a day without trades and refuses an expired download_url', async () => {
    const none = await client.get('/v3/bill/tradebill?bill_date=2024-03-14');
    expect([none.status, none.json.code]).toEqual([400, 'NO_STATEMENT_EXIST']);
    const apply = await client.get('/v3/bill/tradebill?bill_date=2024-03-15');
    const url = new URL(apply.json.download_url as string);
    await clock({ action: 'advance', ms: 6 * 60_000 });
    const late = await client.get(`${url.pathname}${url.search}`);
    expect([late.status, late.json.code]).toEqual([400, 'INVALID_REQUEST']);
  });
});
