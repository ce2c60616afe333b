/** @jest-environment node */
import { SandboxError } from '../../sandbox/errors';
import { asJson, CALLER, createHarness, orderRequest, type Harness } from './pay-harness';
import { SUB_MCH_ID } from '../helpers/constants';

let h: Harness;
beforeEach(() => {
  h = createHarness();
});
afterEach(() => h.close());

describe('API faults', () => {
  it('the next N calls fail with a business error, then the API works again', async () => {
    h.pay.injectFault({ api: 'unifiedOrder', count: 2, error: 'SYSTEMERROR' });
    for (let i = 0; i < 2; i++) {
      expect(await h.order('FAULT00001')).toMatchObject({
        return_code: 'SUCCESS',
        result_code: 'FAIL',
        err_code: 'SYSTEMERROR',
        err_code_des: '系统超时，请稍后再试',
      });
    }
    expect(h.pay.trades({ outTradeNo: 'FAULT00001' })).toHaveLength(0);
    expect((await h.order('FAULT00001')).result_code).toBe('SUCCESS');
    expect(h.pay.faults().api).toEqual([]);
  });

  it('TIMEOUT rejects at the platform; afterProcessing still carries the request out', async () => {
    h.pay.injectFault({ api: 'unifiedOrder', count: 1, error: 'TIMEOUT', afterProcessing: true });
    await expect(h.pay.call('unifiedOrder', orderRequest('FAULT00002'), CALLER)).rejects.toEqual(
      new SandboxError('SERVER_TIMEOUT', 'request timeout'),
    );
    expect(h.pay.trades({ outTradeNo: 'FAULT00002' })[0].state).toBe('NOTPAY');
    h.pay.injectFault({ api: '*', count: 1, error: 'TIMEOUT' });
    await expect(
      h.pay.call(
        'queryOrder',
        { sub_mch_id: SUB_MCH_ID, out_trade_no: 'FAULT00002', nonce_str: 'n' },
        CALLER,
      ),
    ).rejects.toBeInstanceOf(SandboxError);
  });

  it('SLOW carries the call out at once and gives its own answer, a refusal as much as a success, late', async () => {
    h.pay.injectFault({ api: 'unifiedOrder', count: 1, error: 'SLOW', delayMs: 1000 });
    h.pay.injectFault({ api: 'queryOrder', count: 1, error: 'SLOW', delayMs: 1000 });
    let answered = 0;
    const placing = h.pay.call('unifiedOrder', orderRequest('SLOW000001'), CALLER).then((a) => {
      answered++;
      return a;
    });
    const asking = h.pay
      .call('queryOrder', { sub_mch_id: SUB_MCH_ID, out_trade_no: 'NOSUCHORDER', nonce_str: 'n' }, CALLER)
      .then((a) => {
        answered++;
        return a;
      });
    // A timer set after the answers' own, for less time, fires first: neither is answered yet, the
    // trade already exists.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(answered).toBe(0);
    expect(h.pay.trades({ outTradeNo: 'SLOW000001' })[0].state).toBe('NOTPAY');
    expect(asJson(await placing)).toMatchObject({ return_code: 'SUCCESS', result_code: 'SUCCESS' });
    expect(asJson(await asking)).toMatchObject({ result_code: 'FAIL', err_code: 'ORDERNOTEXIST' });
    expect(h.pay.faults().api).toEqual([]);
  });

  it.each([
    [{ error: 'SLOW' }, /SLOW needs delayMs, a whole number of ms from 1 to 60000; got undefined/],
    [{ error: 'SLOW', delayMs: 0 }, /SLOW needs delayMs/],
    [{ error: 'SLOW', delayMs: 60_001 }, /from 1 to 60000; got 60001/],
    [{ error: 'SLOW', delayMs: 1.5 }, /SLOW needs delayMs/],
    [{ error: 'slow', delayMs: 10, afterProcessing: true }, /afterProcessing does not apply/],
    [{ error: 'SYSTEMERROR', delayMs: 10 }, /delayMs applies to SLOW, not SYSTEMERROR/],
  ])('a SLOW fault is refused with a bad delay: %j', (f, message) => {
    expect(() => h.pay.injectFault({ api: 'queryOrder', count: 1, ...f })).toThrow(message);
    expect(h.pay.faults().api).toEqual([]);
  });

  it('tcb error names reject with that code; RETURN_FAIL answers return_code FAIL', async () => {
    h.pay.injectFault({ api: 'queryOrder', count: 1, error: 'EXCEED_REQUEST_LIMIT' });
    h.pay.injectFault({ api: 'closeOrder', count: 1, error: 'RETURN_FAIL' });
    await expect(h.pay.call('queryOrder', { sub_mch_id: SUB_MCH_ID }, CALLER)).rejects.toMatchObject({
      code: 'EXCEED_REQUEST_LIMIT',
    });
    expect(await h.json('closeOrder', { sub_mch_id: SUB_MCH_ID, out_trade_no: 'X00000' })).toEqual({
      return_code: 'FAIL',
      return_msg: 'SYSTEMERROR',
    });
  });

  it('faults survive a restart of the service (same database) and can be cleared', async () => {
    h.pay.injectFault({ api: 'refund', count: 3, error: 'BIZERR_NEED_RETRY' });
    h.pay.injectCallbackFault({ kind: 'refund', mode: 'drop', count: 1 });
    expect(h.pay.faults()).toEqual({
      api: [expect.objectContaining({ api: 'refund', remaining: 3, error: 'BIZERR_NEED_RETRY' })],
      callbacks: [expect.objectContaining({ kind: 'refund', mode: 'drop', remaining: 1 })],
    });
    h.pay.clearFaults();
    expect(h.pay.faults()).toEqual({ api: [], callbacks: [] });
  });

  it('"*" is for API calls only: the refundResult knob neither takes it nor is taken by a call', async () => {
    h.pay.injectFault({ api: '*', count: 1, error: 'SYSTEMERROR' });
    h.pay.injectFault({ api: 'refundResult', count: 1, error: 'CHANGE' });
    // Not an API: the platform refuses it (-604100) and no fault is taken.
    expect(await h.pay.call('refundResult', { sub_mch_id: SUB_MCH_ID }, CALLER)).toEqual({
      platform: { errcode: -604100, errmsg: 'api refundResult not found' },
    });
    expect(h.pay.faults().api.map((f) => [f.api, f.remaining])).toEqual([
      ['*', 1],
      ['refundResult', 1],
    ]);
  });

  it('unknown APIs (e.g. downloadFundflow) fail at the platform: -604100, API not found', async () => {
    expect(await h.pay.call('downloadFundflow', { sub_mch_id: SUB_MCH_ID }, CALLER)).toEqual({
      platform: { errcode: -604100, errmsg: 'api downloadFundflow not found' },
    });
  });
});
