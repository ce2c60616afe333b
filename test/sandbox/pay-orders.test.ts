/** @jest-environment node */
import { paySign, verify } from '../../sandbox/pay/sign';
import { compactTime } from '../../sandbox/pay/time';
import { APPID, CALLER, OPENID, createHarness, orderRequest, type Harness } from './pay-harness';
import { SUB_MCH_ID, TRADE_DAY_NOON } from '../helpers/constants';

let h: Harness;
beforeEach(() => {
  h = createHarness();
});
afterEach(() => h.close());

const MIN = 60_000;

describe('unifiedOrder', () => {
  it('answers a signed payment with realistic ids', async () => {
    const a = await h.order('ORDER0001');
    expect(a).toMatchObject({
      return_code: 'SUCCESS',
      return_msg: 'OK',
      result_code: 'SUCCESS',
      appid: 'wxd2d16a504f24665e',
      mch_id: '1800008281',
      sub_appid: APPID,
      sub_mch_id: SUB_MCH_ID,
      trade_type: 'JSAPI',
    });
    expect(a.prepay_id).toMatch(/^wx15120000[0-9a-f]{22}0000$/);
    const payment = a.payment as Record<string, string>;
    expect(payment).toEqual({
      app_id: APPID,
      time_stamp: String(TRADE_DAY_NOON / 1000),
      nonce_str: a.nonce_str,
      package: `prepay_id=${String(a.prepay_id)}`,
      sign_type: 'MD5',
      pay_sign: expect.stringMatching(/^[0-9A-F]{32}$/),
    });
    const key = h.pay.config().apiKey;
    expect(
      paySign(
        {
          appId: payment.app_id,
          timeStamp: payment.time_stamp,
          nonceStr: payment.nonce_str,
          package: payment.package,
          signType: 'MD5',
        },
        key,
      ),
    ).toBe(payment.pay_sign);
    expect(verify(a, key)).toBe(true);
  });

  it('defaults the payer to the caller and otherwise needs an openid', async () => {
    await h.order('ORDER0002');
    expect(h.pay.trades({ outTradeNo: 'ORDER0002' })[0].subOpenid).toBe(OPENID);
    const noUser = await h.json('unifiedOrder', orderRequest('ORDER0003'), { appid: APPID, envId: 'e' });
    expect(noUser).toMatchObject({
      result_code: 'FAIL',
      err_code: 'PARAM_ERROR',
      err_code_des: 'JSAPI支付必须传openid',
    });
  });

  it('needs an openid from the caller too when payerFromCaller is off (reference §3.1 UNCONFIRMED)', async () => {
    h.pay.configure({ payerFromCaller: false });
    expect(await h.json('unifiedOrder', orderRequest('ORDER0005'))).toMatchObject({
      result_code: 'FAIL',
      err_code: 'PARAM_ERROR',
      err_code_des: 'JSAPI支付必须传openid',
    });
    expect(h.pay.trades({ outTradeNo: 'ORDER0005' })).toEqual([]);
    const named = await h.json('unifiedOrder', { ...orderRequest('ORDER0006'), sub_openid: OPENID });
    expect(named).toMatchObject({ result_code: 'SUCCESS' });
    expect(h.pay.trades({ outTradeNo: 'ORDER0006' })[0].subOpenid).toBe(OPENID);
  });

  it.each([
    [{ sub_mch_id: undefined }, '受理机构必须传入sub_mch_id'],
    [{ body: undefined }, 'body 不存在'],
    [{ nonce_str: undefined }, 'nonceStr 不存在'],
    [{ trade_type: undefined }, 'tradeType 不存在'],
    [{ body: '商'.repeat(43) }, 'body参数长度有误'],
    [{ out_trade_no: 'A'.repeat(33) }, 'out_trade_no参数长度有误'],
    [{ out_trade_no: 'ORDER#001' }, 'out_trade_no参数格式校验错误'],
    [{ out_trade_no: 'ABC' }, 'out_trade_no参数格式校验错误'],
    [{ total_fee: 0 }, 'invalid total_fee'],
    [{ total_fee: -5 }, 'invalid total_fee'],
    [{ time_expire: '20240230120000' }, 'time_expire时间格式错误'],
    [{ spbill_create_ip: 'localhost' }, 'invalid spbill_create_ip'],
  ])('rejects %p with return_code FAIL', async (patch, message) => {
    const a = await h.json('unifiedOrder', { ...orderRequest('ORDER0004'), ...patch });
    expect(a).toEqual({ return_code: 'FAIL', return_msg: message });
  });

  it('accepts a 128-byte body', async () => {
    const a = await h.order('ORDER0005', { body: '商'.repeat(42) + 'xx' });
    expect(a.result_code).toBe('SUCCESS');
  });

  it.each([[{ total_fee: '100' }], [{ total_fee: 1.5 }], [{ out_trade_no: 12345678 }]])(
    'fails at the platform (-202) for mistyped %p',
    async (patch) => {
      expect(await h.pay.call('unifiedOrder', { ...orderRequest('ORDER0006'), ...patch }, CALLER)).toEqual({
        platform: { errcode: -501001, errmsg: 'wx api error: -202' },
      });
    },
  );

  it('refuses a time_expire less than a minute away', async () => {
    const a = await h.order('ORDER0007', { time_expire: compactTime(TRADE_DAY_NOON + 30_000) });
    expect(a).toMatchObject({ result_code: 'FAIL', err_code: 'INVALID_REQUEST' });
  });

  it('re-entry: same params give the same prepay, changed params 201, paid ORDERPAID', async () => {
    const first = await h.order('ORDER0008');
    const again = await h.order('ORDER0008', { nonce_str: 'another', spbill_create_ip: '10.0.0.1' });
    expect(again.prepay_id).toBe(first.prepay_id);
    const changed = await h.order('ORDER0008', { total_fee: 200 });
    expect(changed).toMatchObject({
      result_code: 'FAIL',
      err_code: 'INVALID_REQUEST',
      err_code_des: '201 商户订单号重复',
    });
    await h.pay.act({ package: `prepay_id=${String(first.prepay_id)}`, openid: OPENID, action: 'pay' });
    expect(await h.order('ORDER0008')).toMatchObject({ result_code: 'FAIL', err_code: 'ORDERPAID' });
  });

  it('issues a new prepay after 2 hours, and a new one each time when so configured', async () => {
    const first = await h.order('ORDER0009');
    h.clock.advance(2 * 3600_000);
    const later = await h.order('ORDER0009');
    expect(later.prepay_id).not.toBe(first.prepay_id);
    h.pay.configure({ sameParamsReturnsSamePrepay: false });
    const third = await h.order('ORDER0009');
    expect(third.prepay_id).not.toBe(later.prepay_id);
  });

  it('answers 201 on re-entry after time_expire passed', async () => {
    const te = compactTime(TRADE_DAY_NOON + 10 * MIN);
    await h.order('ORDER0010', { time_expire: te });
    h.clock.advance(11 * MIN);
    expect(await h.order('ORDER0010', { time_expire: te })).toMatchObject({ err_code: 'INVALID_REQUEST' });
  });
});

describe('queryOrder', () => {
  it('reports NOTPAY, then SUCCESS with payment fields; ORDERNOTEXIST otherwise', async () => {
    await h.order('ORDER0101', { attach: 'a1' });
    const q = { sub_mch_id: SUB_MCH_ID, out_trade_no: 'ORDER0101', nonce_str: 'n1' };
    expect(await h.json('queryOrder', q)).toMatchObject({
      return_code: 'SUCCESS',
      result_code: 'SUCCESS',
      trade_state: 'NOTPAY',
      trade_state_desc: '订单未支付',
    });
    await h.payOrder('ORDER0101', { attach: 'a1' });
    const paid = await h.json('queryOrder', q);
    expect(paid).toMatchObject({
      trade_state: 'SUCCESS',
      total_fee: 100,
      cash_fee: 100,
      attach: 'a1',
      sub_openid: OPENID,
      time_end: '20240315120000',
      bank_type: 'OTHERS',
      coupon_id_list: [],
    });
    expect(paid.transaction_id).toMatch(/^42000\d{5}20240315\d{10}$/);
    const byTx = await h.json('queryOrder', {
      sub_mch_id: SUB_MCH_ID,
      transaction_id: paid.transaction_id,
      nonce_str: 'n',
    });
    expect(byTx.out_trade_no).toBe('ORDER0101');
    expect(await h.json('queryOrder', { ...q, out_trade_no: 'NOSUCHORDER' })).toMatchObject({
      result_code: 'FAIL',
      err_code: 'ORDERNOTEXIST',
    });
  });
});

describe('closeOrder', () => {
  const close = (no: string): Promise<Record<string, unknown>> =>
    h.json('closeOrder', { sub_mch_id: SUB_MCH_ID, out_trade_no: no, nonce_str: 'n' });

  it('refuses within 5 minutes and closes after; a closed number cannot be ordered again', async () => {
    await h.order('ORDER0201');
    h.clock.advance(4 * MIN);
    expect(await close('ORDER0201')).toMatchObject({ result_code: 'FAIL', err_code: 'SYSTEMERROR' });
    h.clock.advance(2 * MIN);
    expect(await close('ORDER0201')).toMatchObject({ return_code: 'SUCCESS', result_code: 'SUCCESS' });
    expect(h.pay.trades({ outTradeNo: 'ORDER0201' })[0].state).toBe('CLOSED');
    expect(await close('ORDER0201')).toMatchObject({ err_code: 'ORDERCLOSED' });
    expect(await h.order('ORDER0201')).toMatchObject({ result_code: 'FAIL', err_code: 'ORDERCLOSED' });
  });

  it('can answer success inside the window while leaving the order NOTPAY (configurable)', async () => {
    h.pay.configure({ closeWithin5MinBehaviour: 'silentSuccess' });
    await h.order('ORDER0202');
    expect(await close('ORDER0202')).toMatchObject({ result_code: 'SUCCESS' });
    expect(h.pay.trades({ outTradeNo: 'ORDER0202' })[0].state).toBe('NOTPAY');
  });

  it('answers ORDERPAID for a paid order and ORDERNOTEXIST for an unknown one', async () => {
    await h.payOrder('ORDER0203');
    h.clock.advance(10 * MIN);
    expect(await close('ORDER0203')).toMatchObject({ err_code: 'ORDERPAID' });
    expect(await close('ORDER0299')).toMatchObject({ err_code: 'ORDERNOTEXIST' });
  });
});
