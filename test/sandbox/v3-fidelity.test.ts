/** @jest-environment node */
/**
 * APIv3 details a review found apart from the reference, over real HTTP against a sandbox process:
 * which key signs an answer to a request without `Wechatpay-Serial` (§2.3, §15), errors always in
 * the v3 shape (§8.2), the documented error codes as faults (§8.3), re-entry (§4.2), the §4.1 field
 * rules, the settings' own validation, and the refund's funds fields (§6).
 */
import * as fs from 'fs';
import * as path from 'path';
import { get, post, send } from '../helpers/control';
import { buildFixtureFunctions } from '../helpers/fixtures';
import { startSandboxProcess, type SandboxProcess } from '../helpers/sandbox';
import { V3Client, readMerchant, type MerchantFile } from '../helpers/v3client';

let sandbox: SandboxProcess;
let merchant: MerchantFile;
/** A public-key-mode client: sends `Wechatpay-Serial: PUB_KEY_ID_…` (§1.4). */
let client: V3Client;
/** A client that sends no `Wechatpay-Serial`. */
let bare: V3Client;

beforeAll(async () => {
  // One function, behind an HTTP access route, that echoes its integration event.
  sandbox = await startSandboxProcess({
    args: ['--functions', buildFixtureFunctions(['httpEcho']), '--route', '/echo=httpEcho'],
  });
  merchant = readMerchant(sandbox.dataDir);
  client = new V3Client(sandbox.url, merchant, merchant.publicKeyId);
  bare = new V3Client(sandbox.url, merchant);
});
afterAll(() => sandbox.stop());

const configure = (patch: Record<string, unknown>) => post(`${sandbox.url}/sandbox/v3/config`, patch);

describe('the key that signs an answer (reference §2.3, §15)', () => {
  it('signs with the platform certificate when the request has no Wechatpay-Serial, even in public-key mode', async () => {
    expect(merchant.signMode).toBe('publicKey');
    const a = await bare.get('/v3/certificates');
    expect(a.status).toBe(200);
    expect(a.headers.get('wechatpay-serial')).toBe(merchant.platformSerial);
    expect(a.verified).toBe(true);
    // With the header, the WeChat Pay public key signs.
    const b = await client.get('/v3/certificates');
    expect(b.headers.get('wechatpay-serial')).toBe(merchant.publicKeyId);
    expect(b.verified).toBe(true);
  });

  it('signs a public-key-only merchant’s unflagged answer with no key it knows (the §15 pitfall)', async () => {
    await post(`${sandbox.url}/sandbox/v3/merchant`, { hasPlatformCertificate: false });
    try {
      const a = await bare.order('V3FID0101');
      expect(a.status).toBe(200);
      expect(a.headers.get('wechatpay-serial')).not.toBe(merchant.publicKeyId);
      expect((await client.order('V3FID0101')).headers.get('wechatpay-serial')).toBe(merchant.publicKeyId);
    } finally {
      await post(`${sandbox.url}/sandbox/v3/merchant`, { hasPlatformCertificate: true });
    }
  });

  it('signs by the merchant’s mode instead when answerKeyWithoutSerial is signMode', async () => {
    await configure({ answerKeyWithoutSerial: 'signMode' });
    try {
      const a = await bare.get('/v3/certificates');
      expect(a.headers.get('wechatpay-serial')).toBe(merchant.publicKeyId);
      expect(a.verified).toBe(true);
    } finally {
      await configure({ answerKeyWithoutSerial: 'platformCertificate' });
    }
  });
});

describe('errors in the v3 shape (reference §8.2)', () => {
  it('refuses a notify_url the pattern admits but no URL parser does with 400 PARAM_ERROR', async () => {
    const a = await client.order('V3FID0201', { notify_url: 'http://127.0.0.1:99999/n' });
    expect(a.status).toBe(400);
    expect(a.json).toMatchObject({
      code: 'PARAM_ERROR',
      message: expect.stringMatching(/\/body\/notify_url/),
    });
    expect(a.headers.get('request-id')).toMatch(/^[0-9A-F]+$/);
    const b = await client.post('/v3/refund/domestic/refunds', {
      out_trade_no: 'V3FID0201',
      out_refund_no: 'V3FIDR0201',
      notify_url: 'https://a.com:99999/x',
      amount: { refund: 1, total: 100, currency: 'CNY' },
    });
    expect(b.status).toBe(400);
    expect(b.json).toMatchObject({ code: 'PARAM_ERROR', message: expect.stringMatching(/退款结果回调url/) });
    expect(b.headers.get('request-id')).toBeTruthy();
  });

  it('answers an unexpected failure as 500 SYSTEM_ERROR with a Request-ID, not in the sandbox’s shape', async () => {
    const file = path.join(sandbox.dataDir, 'merchant', 'merchant.json');
    const saved = fs.readFileSync(file);
    fs.writeFileSync(file, '{"mchid": '); // a half-written merchant file
    try {
      const a = await client.get('/v3/certificates');
      expect(a.status).toBe(500);
      expect(a.json).toEqual({ code: 'SYSTEM_ERROR', message: '系统错误' });
      expect(a.headers.get('request-id')).toBeTruthy();
    } finally {
      fs.writeFileSync(file, saved);
    }
    expect((await client.get('/v3/certificates')).status).toBe(200);
  });
});

describe('every documented error code as a fault (reference §8.3, §7.4)', () => {
  const fault = (api: string, error: string) => post(`${sandbox.url}/sandbox/pay/faults`, { api, error });

  it.each([
    ['OUT_TRADE_NO_USED', 403, '商户订单号重复'],
    ['TRADE_ERROR', 403, '交易错误'],
    ['ACCOUNT_ERROR', 403, '账号异常'],
    ['OPENID_MISMATCH', 500, 'openid和appid不匹配'],
    ['INVALID_TRANSACTIONID', 500, '订单号非法'],
    ['PARAM_ERROR', 400, '参数错误'],
    ['INVALID_REQUEST', 400, '无效请求'],
    ['APPID_MCHID_NOT_MATCH', 400, 'appid和mch_id不匹配'],
    ['MCH_NOT_EXISTS', 400, '商户号不存在'],
    ['ORDER_CLOSED', 400, '订单已关闭'],
    ['SIGN_ERROR', 401, '签名错误'],
    ['NO_AUTH', 403, '商户无此接口权限'],
    ['RULE_LIMIT', 403, '业务规则限制'],
    ['NOT_ENOUGH', 403, '余额不足'],
    ['FREQUENCY_LIMITED', 429, '频率超限'],
    ['SYSTEM_ERROR', 500, '系统错误'],
    ['BANK_ERROR', 500, '银行系统异常'],
  ])('injects %s into the JSAPI order with status %i', async (code, status, message) => {
    await fault('v3.jsapi', code);
    const a = await client.order('V3FID0401');
    expect(a.status).toBe(status);
    expect(a.json).toEqual({ code, message });
    expect(a.headers.get('request-id')).toBeTruthy();
  });

  it('answers an older spelling with the current code, and a refund’s codes with its own table', async () => {
    await fault('v3.jsapi', 'ACCOUNTERROR');
    expect((await client.order('V3FID0402')).json.code).toBe('ACCOUNT_ERROR');
    await fault('v3.refund', 'MCH_NOT_EXISTS');
    const refund = await client.post('/v3/refund/domestic/refunds', {
      out_trade_no: 'V3FID0402',
      out_refund_no: 'V3FIDR0402',
      amount: { refund: 1, total: 100, currency: 'CNY' },
    });
    expect(refund.status).toBe(404);
    expect(refund.json.code).toBe('MCH_NOT_EXISTS');
    await fault('v3.queryOrder', 'ORDER_NOT_EXIST');
    const query = await client.get(`/v3/pay/transactions/out-trade-no/V3FID0402?mchid=${merchant.mchid}`);
    expect([query.status, query.json.code]).toEqual([404, 'ORDER_NOT_EXIST']);
    await fault('v3.tradebill', 'STATEMENT_CREATING');
    const bill = await client.get('/v3/bill/tradebill?bill_date=2024-03-14');
    expect([bill.status, bill.json.code]).toEqual([400, 'STATEMENT_CREATING']);
  });

  it('signs the 202 USERPAYING like every 2xx', async () => {
    await fault('v3.jsapi', 'USERPAYING');
    const a = await client.order('V3FID0403');
    expect(a.status).toBe(202);
    expect(a.json.code).toBe('USERPAYING');
    expect(a.verified).toBe(true);
  });
});

describe('re-entry (reference §4.2)', () => {
  const scene = { payer_client_ip: '203.0.113.7', device_id: 'POS-1' };

  it('refuses a re-entry that adds scene_info or changes time_expire, and accepts the same in another key order', async () => {
    const expire = '2030-01-01T12:00:00+08:00';
    expect((await client.order('V3FID0501', { time_expire: expire })).status).toBe(200);
    const added = await client.order('V3FID0501', { time_expire: expire, scene_info: scene });
    expect(added.status).toBe(400);
    expect(added.json).toEqual({ code: 'INVALID_REQUEST', message: '请求重入时，参数与首次请求时不一致' });
    const later = await client.order('V3FID0501', { time_expire: '2030-01-02T12:00:00+08:00' });
    expect(later.json.code).toBe('INVALID_REQUEST');
    const dropped = await client.order('V3FID0501');
    expect(dropped.json.code).toBe('INVALID_REQUEST');
    // The same instant in UTC, and the same amount with its keys the other way round.
    const same = await client.order('V3FID0501', {
      time_expire: '2030-01-01T04:00:00Z',
      amount: { currency: 'CNY', total: 100 },
    });
    expect(same.status).toBe(200);
  });

  it('answers the mismatch with the code reentryMismatchCode names', async () => {
    expect((await client.order('V3FID0502', { scene_info: scene })).status).toBe(200);
    await configure({ reentryMismatchCode: 'OUT_TRADE_NO_USED' });
    try {
      const a = await client.order('V3FID0502', { scene_info: { ...scene, device_id: 'POS-2' } });
      expect(a.status).toBe(403);
      expect(a.json.code).toBe('OUT_TRADE_NO_USED');
      expect((await client.order('V3FID0502', { scene_info: scene })).status).toBe(200);
    } finally {
      await configure({ reentryMismatchCode: 'INVALID_REQUEST' });
    }
  });
});

describe('the §4.1 field rules on a JSAPI order', () => {
  const ip = { payer_client_ip: '203.0.113.7' };
  const line = { merchant_goods_id: 'SKU-1', quantity: 1, unit_price: 100 };

  it.each([
    [
      { support_fapiao: 'yes' },
      '“/body/support_fapiao”映射到目标字段“电子发票入口开放标识”中，此字段需要一个布尔值',
    ],
    [
      { settle_info: { profit_sharing: 'x' } },
      '“/body/settle_info/profit_sharing”映射到目标字段“是否指定分账”中，此字段需要一个布尔值',
    ],
    [{ settle_info: 'x' }, '“/body/settle_info”映射到目标字段“结算信息”中，此字段需要一个对象'],
    [
      { scene_info: { ...ip, store_info: {} } },
      '“/body/scene_info/store_info/id”映射到字段“门店编号”必填性规则校验失败',
    ],
    [
      { scene_info: { ...ip, store_info: { id: 'S'.repeat(33) } } },
      '“/body/scene_info/store_info/id”映射到值字段“门店编号”字符串规则校验失败',
    ],
    [
      { scene_info: { payer_client_ip: 'not-an-ip' } },
      '“/body/scene_info/payer_client_ip”映射到值字段“用户终端IP”字符串规则校验失败',
    ],
    [{ scene_info: {} }, '“/body/scene_info/payer_client_ip”映射到字段“用户终端IP”必填性规则校验失败'],
    [
      { detail: { cost_price: 'abc' } },
      '“/body/detail/cost_price”映射到目标字段“订单原价”中，此字段需要一个合法的 64 位有符号整数',
    ],
    [
      { detail: { goods_detail: {} } },
      '“/body/detail/goods_detail”映射到目标字段“单品列表”中，此字段需要一个数组',
    ],
    [
      { detail: { goods_detail: [{}] } },
      '“/body/detail/goods_detail/0/merchant_goods_id”映射到字段“商户侧商品编码”必填性规则校验失败',
    ],
    [
      { detail: { goods_detail: [{ merchant_goods_id: 'SKU-1' }] } },
      '“/body/detail/goods_detail/0/quantity”映射到字段“商品数量”必填性规则校验失败',
    ],
    [
      { detail: { goods_detail: [line, { ...line, unit_price: undefined }] } },
      '“/body/detail/goods_detail/1/unit_price”映射到字段“商品单价”必填性规则校验失败',
    ],
    [
      { detail: { goods_detail: [{ ...line, quantity: 1.5 }] } },
      '“/body/detail/goods_detail/0/quantity”映射到目标字段“商品数量”中，此字段需要一个合法的 64 位有符号整数',
    ],
    [
      { detail: { invoice_id: 'I'.repeat(33) } },
      '“/body/detail/invoice_id”映射到值字段“商品小票ID”字符串规则校验失败',
    ],
  ])('refuses %j with 400 PARAM_ERROR', async (overrides, message) => {
    const a = await client.order('V3FID0601', overrides);
    expect(a.status).toBe(400);
    expect(a.json.code).toBe('PARAM_ERROR');
    expect(a.json.message).toContain(message);
  });

  it('accepts an order with every optional field well formed', async () => {
    const a = await client.order('V3FID0602', {
      support_fapiao: true,
      settle_info: { profit_sharing: false },
      scene_info: {
        payer_client_ip: '2001:db8::1',
        device_id: 'POS-1',
        store_info: { id: 'SZ001', name: '深圳腾大店', area_code: '440305', address: '科技中一路' },
      },
      detail: { cost_price: 120, invoice_id: 'INV-1', goods_detail: [{ ...line, goods_name: '咖啡' }] },
    });
    expect(a.status).toBe(200);
  });
});

describe('PARAM_ERROR without detail (reference §15)', () => {
  it('carries detail by default and none with paramErrorDetail false', async () => {
    const withDetail = await client.order('V3FID0701', { support_fapiao: 'yes' });
    expect(withDetail.json.detail).toEqual({ location: 'body', value: 'yes' });
    await configure({ paramErrorDetail: false });
    try {
      const a = await client.order('V3FID0701', { support_fapiao: 'yes' });
      expect(a.status).toBe(400);
      expect(a.json).toEqual({ code: 'PARAM_ERROR', message: expect.stringContaining('布尔值') });
      // Other codes keep theirs.
      const b = await new V3Client(sandbox.url, merchant, 'PUB_KEY_ID_0000000000').get('/v3/certificates');
      expect(b.json.detail).toEqual({ location: 'header', field: 'Wechatpay-Serial' });
    } finally {
      await configure({ paramErrorDetail: true });
    }
  });
});

describe('POST /sandbox/v3/config checks what it is given', () => {
  it.each([
    [{ notifyTimeoutMs: 'soon', bogus: 1 }, /notifyTimeoutMs must be a non-negative number; got "soon"/],
    [{ bogus: 1 }, /unknown setting bogus; the settings are notifyUrlSchemes, /],
    [{ notifyUrlSchemes: 'http' }, /notifyUrlSchemes must be one of https, https\+loopback, any; got "http"/],
    [{ closeUnknownOrder: 200 }, /closeUnknownOrder must be one of 204, 404; got 200/],
    [{ signProbeRate: 2 }, /signProbeRate must be a share from 0 to 1; got 2/],
    [{ notifyRetries: 1.5 }, /notifyRetries must be a whole number ≥ 0; got 1.5/],
    [{ notifyRetries: 16 }, /notifyRetries must be at most 15/],
    [{ rejectJsonNull: 'yes' }, /rejectJsonNull must be a boolean; got "yes"/],
    ['{"paramErrorDetail":false,"__proto__":{"notifyRetries":1}}', /unknown setting __proto__/],
  ])('refuses %j with 400 INVALID_PARAM and changes nothing', async (patch, message) => {
    const before = await get(`${sandbox.url}/sandbox/v3/config`);
    const raw = typeof patch === 'string' ? patch : JSON.stringify(patch);
    const a = await send<{ error: { code: string; message: string } }>(
      'POST',
      `${sandbox.url}/sandbox/v3/config`,
      raw,
    );
    expect(a.status).toBe(400);
    expect(a.body.error.code).toBe('INVALID_PARAM');
    expect(a.body.error.message).toMatch(message);
    expect(await get(`${sandbox.url}/sandbox/v3/config`)).toEqual(before);
  });

  it('takes a valid patch', async () => {
    const after = await configure({ notifyTimeoutMs: 3000, signProbeRate: 0.5 });
    expect(after).toMatchObject({ notifyTimeoutMs: 3000, signProbeRate: 0.5 });
    await configure({ notifyTimeoutMs: 5000, signProbeRate: 0 });
  });
});

describe('the HTTP access route and names of Object.prototype (reference §10.2)', () => {
  it('hands query names like constructor, toString and __proto__ and a header named constructor to the function as data', async () => {
    const res = await fetch(
      `${sandbox.url}/echo?constructor=1&toString=2&__proto__=3&hasOwnProperty=4&constructor=5`,
      {
        headers: new Headers([
          ['constructor', 'c'],
          ['valueOf', 'v'],
        ]),
      },
    );
    expect(res.status).toBe(201);
    const event = (await res.json()) as Record<string, Record<string, unknown>>;
    expect(event.queryStringParameters).toEqual({
      constructor: '5',
      toString: '2',
      ['__proto__']: '3',
      hasOwnProperty: '4',
    });
    expect(event.multiValueQueryStringParameters.constructor).toEqual(['1', '5']);
    expect(event.multiValueQueryStringParameters['__proto__']).toEqual(['3']);
    expect(event.headers).toMatchObject({ constructor: 'c', valueof: 'v' });
    expect(event.multiValueHeaders.constructor).toEqual(['c']);
  });
});

describe('a refund’s funds (reference §6.1, §6.2)', () => {
  async function paidOrder(no: string): Promise<void> {
    const order = await client.order(no);
    const paid = await post<{ errMsg: string }>(`${sandbox.url}/gateway/pay`, {
      ...client.payment(order.json.prepay_id as string),
      openid: 'oV3PayerOpenid0001',
    });
    expect(paid.errMsg).toBe('requestPayment:ok');
  }
  const refund = (no: string, extra: Record<string, unknown> = {}, from?: unknown) =>
    client.post('/v3/refund/domestic/refunds', {
      out_trade_no: no,
      out_refund_no: `R${no}`,
      ...extra,
      amount: { refund: 60, total: 100, currency: 'CNY', ...(from === undefined ? {} : { from }) },
    });

  it('answers the funds_account and amount.from it was asked for, on create and on query', async () => {
    await paidOrder('V3FID1201');
    const from = [
      { account: 'AVAILABLE', amount: 40 },
      { account: 'UNAVAILABLE', amount: 20 },
    ];
    const a = await refund('V3FID1201', { funds_account: 'UNSETTLED' }, from);
    expect(a.status).toBe(200);
    expect(a.json).toMatchObject({ funds_account: 'UNSETTLED', amount: { refund: 60, from } });
    const q = await client.get('/v3/refund/domestic/refunds/RV3FID1201');
    expect(q.json).toMatchObject({ funds_account: 'UNSETTLED', amount: { from } });
    // The same request again (idempotent out_refund_no) answers the same funds.
    expect((await refund('V3FID1201', { funds_account: 'UNSETTLED' }, from)).json).toMatchObject({
      funds_account: 'UNSETTLED',
      amount: { from },
    });
  });

  it('answers AVAILABLE and no from for a refund that names neither, and refuses a malformed from', async () => {
    await paidOrder('V3FID1202');
    const bad = await refund('V3FID1202', {}, [{ account: 'BASIC', amount: 60 }]);
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({
      code: 'PARAM_ERROR',
      message: expect.stringContaining('/body/amount/from/0/account'),
    });
    const noAmount = await refund('V3FID1202', {}, [{ account: 'AVAILABLE' }]);
    expect(noAmount.json.message).toContain(
      '“/body/amount/from/0/amount”映射到字段“出资金额”必填性规则校验失败',
    );
    const a = await refund('V3FID1202');
    expect(a.json).toMatchObject({ funds_account: 'AVAILABLE', amount: { from: [] } });
  });
});
