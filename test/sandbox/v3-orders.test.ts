/** @jest-environment node */
/**
 * APIv3 JSAPI orders, the payer, query and close over real HTTP against a sandbox process: WeChat's
 * validation pitfalls (§15) as rules, re-entry, the v3 paySign checked by the pay sheet, and faults.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { get, post } from '../helpers/control';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox';
import { V3Client, authorization, readMerchant, type MerchantFile } from '../helpers/v3client';

let sandbox: SandboxProcess;
let merchant: MerchantFile;
let client: V3Client;
const OPENID = 'oV3PayerOpenid0001';

beforeAll(async () => {
  // No cloud functions: these suites talk to WeChat Pay only (and no timer triggers fire on clock moves).
  sandbox = await startSandboxProcess({
    args: ['--functions', fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-v3-fns-'))],
  });
  merchant = readMerchant(sandbox.dataDir);
  client = new V3Client(sandbox.url, merchant, merchant.publicKeyId);
});
afterAll(() => sandbox.stop());

const orderBody = (no: string) => ({
  appid: merchant.appid,
  mchid: merchant.mchid,
  description: '测试商品',
  out_trade_no: no,
  notify_url: 'https://example.com/notify',
  amount: { total: 100 },
  payer: { openid: OPENID },
});
const queryUrl = (no: string) => `/v3/pay/transactions/out-trade-no/${no}?mchid=${merchant.mchid}`;

async function pay(payment: Record<string, unknown>, action = 'pay'): Promise<string> {
  const answer = await post<{ errMsg: string }>(`${sandbox.url}/gateway/pay`, {
    ...payment,
    openid: OPENID,
    action,
  });
  return answer.errMsg;
}

describe('validation (reference §4.1, §15)', () => {
  it('refuses an amount that is not integer fen with WeChat’s exact PARAM_ERROR', async () => {
    const a = await client.order('V3VAL0001', { amount: { total: 0.01, currency: 'CNY' } });
    expect(a.status).toBe(400);
    expect(a.json).toEqual({
      code: 'PARAM_ERROR',
      message:
        '无法将 JSON 输入源“/body/amount/total”映射到目标字段“总金额”中，此字段需要一个合法的 64 位有符号整数',
      detail: { location: 'body', value: 0.01 },
    });
    const b = await client.order('V3VAL0001', { amount: { total: 110.00000000000001 } });
    expect(b.json.code).toBe('PARAM_ERROR');
  });

  it.each([
    ['time_expire not RFC 3339', { time_expire: '20240101120000' }, 'PARAM_ERROR', /RFC3339/],
    ['notify_url with a query', { notify_url: 'https://example.com/notify?a=1' }, 'PARAM_ERROR', /通知地址/],
    ['notify_url with a fragment', { notify_url: 'https://example.com/notify#x' }, 'PARAM_ERROR', /通知地址/],
    ['notify_url over plain http', { notify_url: 'http://example.com/notify' }, 'PARAM_ERROR', /https/],
    ['an appid not bound to the mchid', { appid: 'wx1111111111111111' }, 'APPID_MCHID_NOT_MATCH', /appid/],
    ['a description over 127 bytes', { description: '商'.repeat(43) }, 'PARAM_ERROR', /商品描述.*127/],
    ['an emoji in the description', { description: '咖啡☕️🍰' }, 'PARAM_ERROR', /4字节/],
    ['a short out_trade_no', { out_trade_no: 'ab12' }, 'PARAM_ERROR', /商户订单号/],
    ['an out_trade_no with other characters', { out_trade_no: 'V3VAL 0002' }, 'PARAM_ERROR', /商户订单号/],
    ['no payer openid', { payer: {} }, 'PARAM_ERROR', /\/body\/payer\/openid.*必填/],
    ['another merchant number', { mchid: '1900000000' }, 'MCH_NOT_EXISTS', /商户号/],
  ])('refuses %s', async (_what, overrides, code, message) => {
    const a = await client.order('V3VAL0002', overrides);
    expect(a.status).toBe(400);
    expect(a.json.code).toBe(code);
    expect(a.json.message).toMatch(message);
    expect(a.verified).toBeUndefined(); // error answers are not signed by default
  });

  it('accepts loopback http notify URLs (a setting) and an RFC 3339 time_expire', async () => {
    const at = new Date(Date.now() + 3600_000).toISOString().replace('Z', '+00:00');
    const a = await client.order('V3VAL0003', { notify_url: 'http://127.0.0.1:9/notify', time_expire: at });
    expect(a.status).toBe(200);
    expect(a.json.prepay_id).toMatch(/^wx\d{14}[0-9a-f]{18}00$/);
  });

  it('refuses JSON null and a missing User-Agent when those settings are on (off by default)', async () => {
    const noAgent = (no: string) =>
      client.request('POST', '/v3/pay/transactions/jsapi', orderBody(no), { headers: { 'User-Agent': '' } });
    expect((await client.order('V3VAL0004', { attach: null })).status).toBe(200);
    await post(`${sandbox.url}/sandbox/v3/config`, { rejectJsonNull: true, requireUserAgent: true });
    try {
      expect((await client.order('V3VAL0005', { attach: null })).json.code).toBe('PARAM_ERROR');
      expect((await noAgent('V3VAL0006')).json).toMatchObject({
        code: 'INVALID_REQUEST',
        message: 'Http头缺少User-Agent',
      });
    } finally {
      await post(`${sandbox.url}/sandbox/v3/config`, { rejectJsonNull: false, requireUserAgent: false });
    }
    expect((await noAgent('V3VAL0006')).status).toBe(200);
  });

  it('refuses a POST without a JSON content type', async () => {
    const a = await client.request('POST', '/v3/pay/transactions/jsapi', undefined, {
      rawBody: '{}',
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(a.status).toBe(400);
    expect(a.json.code).toBe('INVALID_REQUEST');
  });
});

describe('order, pay, query, close', () => {
  it('pays through the pay sheet with a v3 paySign and answers the paid order by both ids', async () => {
    const order = await client.order('V3PAY0001', { attach: 'order-7' });
    const prepayId = order.json.prepay_id as string;
    const before = await client.get(queryUrl('V3PAY0001'));
    expect(before.json).toMatchObject({
      trade_state: 'NOTPAY',
      trade_state_desc: '订单未支付',
      amount: { total: 100 },
    });
    expect(before.json.transaction_id).toBeUndefined();
    expect(await pay(client.payment(prepayId))).toBe('requestPayment:ok');
    const paid = await client.get(queryUrl('V3PAY0001'));
    expect(paid.verified).toBe(true);
    expect(paid.json).toEqual({
      appid: merchant.appid,
      mchid: merchant.mchid,
      out_trade_no: 'V3PAY0001',
      transaction_id: expect.stringMatching(/^42000\d{23}$/),
      trade_type: 'JSAPI',
      trade_state: 'SUCCESS',
      trade_state_desc: '支付成功',
      bank_type: 'OTHERS',
      attach: 'order-7',
      success_time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/),
      payer: { openid: OPENID },
      amount: { total: 100, payer_total: 100, currency: 'CNY', payer_currency: 'CNY' },
      promotion_detail: [],
    });
    const byId = await client.get(
      `/v3/pay/transactions/id/${paid.json.transaction_id}?mchid=${merchant.mchid}`,
    );
    expect(byId.json.out_trade_no).toBe('V3PAY0001');
    // Paid: a new order with the same number and a close both say so.
    expect((await client.order('V3PAY0001')).json.code).toBe('ORDER_PAID');
    const close = await client.post('/v3/pay/transactions/out-trade-no/V3PAY0001/close', {
      mchid: merchant.mchid,
    });
    expect([close.status, close.json.code]).toEqual([400, 'ORDER_PAID']);
    const { trades } = await get<{ trades: Array<{ outTradeNo: string; state: string }> }>(
      `${sandbox.url}/sandbox/pay/trades?outTradeNo=V3PAY0001`,
    );
    expect(trades).toEqual([expect.objectContaining({ state: 'SUCCESS', envId: '@apiv3' })]);
  });

  it('fails a wrong or misspelt paySign the way WeChat’s sheet does', async () => {
    const order = await client.order('V3PAY0002');
    const payment = client.payment(order.json.prepay_id as string);
    expect(await pay({ ...payment, paySign: `${payment.paySign.slice(0, -4)}AAA=` })).toBe(
      'requestPayment:fail 支付验证签名失败',
    );
    const { timeStamp, ...rest } = payment;
    expect(await pay({ ...rest, timestamp: timeStamp })).toBe('requestPayment:fail 支付验证签名失败');
    expect(await pay({ ...payment, timeStamp: Number(timeStamp) })).toBe(
      'requestPayment:fail 支付验证签名失败',
    );
    expect((await client.get(queryUrl('V3PAY0002'))).json.trade_state).toBe('NOTPAY');
    expect(await pay(payment)).toBe('requestPayment:ok');
  });

  it('re-enters with the same parameters, refuses other ones, and refuses a closed order', async () => {
    const first = await client.order('V3PAY0003');
    const again = await client.order('V3PAY0003');
    expect(again.status).toBe(200);
    expect(again.json.prepay_id).not.toBe(first.json.prepay_id);
    const changed = await client.order('V3PAY0003', { amount: { total: 200, currency: 'CNY' } });
    expect([changed.status, changed.json.code]).toEqual([400, 'INVALID_REQUEST']);
    const close = await client.post('/v3/pay/transactions/out-trade-no/V3PAY0003/close', {
      mchid: merchant.mchid,
    });
    expect(close.status).toBe(204);
    expect(
      (await client.post('/v3/pay/transactions/out-trade-no/V3PAY0003/close', { mchid: merchant.mchid }))
        .status,
    ).toBe(204);
    expect((await client.get(queryUrl('V3PAY0003'))).json).toMatchObject({ trade_state: 'CLOSED' });
    const reorder = await client.order('V3PAY0003');
    expect([reorder.status, reorder.json.code]).toEqual([400, 'ORDER_CLOSED']);
    expect(await pay(client.payment(first.json.prepay_id as string))).toBe(
      'requestPayment:fail 该订单已关闭',
    );
  });

  it('answers a malformed path with 400 and a path WeChat Pay does not serve with 404', async () => {
    const a = await client.get(`/v3/pay/transactions/out-trade-no/%E0%A4%A?mchid=${merchant.mchid}`);
    expect([a.status, a.json.code]).toEqual([400, 'PARAM_ERROR']);
    const b = await client.get('/v3/pay/transactions/native-nope');
    expect([b.status, b.json.code]).toEqual([404, 'NOT_FOUND']);
  });

  it('answers an unknown order with 404 ORDER_NOT_EXIST and closes an unknown one with 204', async () => {
    const a = await client.get(queryUrl('V3NOPE0001'));
    expect([a.status, a.json]).toEqual([404, { code: 'ORDER_NOT_EXIST', message: '订单不存在' }]);
    const b = await client.post('/v3/pay/transactions/out-trade-no/V3NOPE0001/close', {
      mchid: merchant.mchid,
    });
    expect(b.status).toBe(204);
  });
});

describe('faults', () => {
  it('answers injected 500 and 429 errors, then serves again', async () => {
    await post(`${sandbox.url}/sandbox/pay/faults`, { api: 'v3.jsapi', error: 'SYSTEM_ERROR' });
    await post(`${sandbox.url}/sandbox/pay/faults`, { api: 'v3.queryOrder', error: 'FREQUENCY_LIMITED' });
    const a = await client.order('V3FLT0001');
    expect([a.status, a.json.code]).toEqual([500, 'SYSTEM_ERROR']);
    const b = await client.get(queryUrl('V3FLT0001'));
    expect([b.status, b.json.code]).toEqual([429, 'FREQUENCY_LIMITED']);
    expect((await client.order('V3FLT0001')).status).toBe(200);
  });

  it('SLOW: carried out at once, the signed answer or the refusal given late; a client gone meanwhile finds it done', async () => {
    await post(`${sandbox.url}/sandbox/pay/faults`, { api: 'v3.jsapi', error: 'SLOW', delayMs: 300 });
    await post(`${sandbox.url}/sandbox/pay/faults`, { api: 'v3.queryOrder', error: 'SLOW', delayMs: 300 });
    const placed = await client.order('V3SLOW001');
    expect([placed.status, placed.verified, typeof placed.json.prepay_id]).toEqual([200, true, 'string']);
    const unknown = await client.get(queryUrl('V3SLOW999'));
    expect([unknown.status, unknown.json.code]).toEqual([404, 'ORDER_NOT_EXIST']);

    // A client that stops waiting for a slow close: WeChat closed the trade all the same.
    await post(`${sandbox.url}/sandbox/pay/faults`, { api: 'v3.closeOrder', error: 'SLOW', delayMs: 5000 });
    const closeUrl = '/v3/pay/transactions/out-trade-no/V3SLOW001/close';
    const body = JSON.stringify({ mchid: merchant.mchid });
    const gaveUp = fetch(`${sandbox.url}${closeUrl}`, {
      method: 'POST',
      headers: {
        Accept: 'application/json',
        'Content-Type': 'application/json',
        Authorization: authorization(merchant, 'POST', closeUrl, body),
        'Wechatpay-Serial': merchant.publicKeyId,
      },
      body,
      signal: AbortSignal.timeout(300),
    });
    await expect(gaveUp).rejects.toThrow();
    expect((await client.get(queryUrl('V3SLOW001'))).json.trade_state).toBe('CLOSED');
    expect((await get<{ api: unknown[] }>(`${sandbox.url}/sandbox/pay/faults`)).api).toEqual([]);
  });

  it('loses the answer of a timed-out call that was carried out (afterProcessing)', async () => {
    await post(`${sandbox.url}/sandbox/pay/faults`, {
      api: 'v3.jsapi',
      error: 'TIMEOUT',
      afterProcessing: true,
    });
    await expect(client.order('V3FLT0002')).rejects.toThrow();
    expect((await client.get(queryUrl('V3FLT0002'))).json.trade_state).toBe('NOTPAY');
  });
});
