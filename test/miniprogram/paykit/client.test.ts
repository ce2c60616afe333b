/**
 * callPaykit and requestPayment against a real sandbox, in both transports: cloud mode through the
 * wx.cloud stand-in, local mode through wx.request to the gateway.
 */
import { callPaykit } from '../../../miniprogram/paykit/client';
import { configurePaykit, getPaykitConfig } from '../../../miniprogram/paykit/config';
import { PaykitError } from '../../../miniprogram/paykit/errors';
import { requestPayment } from '../../../miniprogram/paykit/payment';
import { eventually, readDoc, seedProducts } from '../../helpers/control';
import { installWxSandbox } from '../../helpers/wx-sandbox';
import { miniprogramSuite } from '../../helpers/mp-suite';

const PRODUCTS = [{ sku: 'client-cake', name: '芝士蛋糕', price: 2850 }];

let users = 0;

const suite = miniprogramSuite({
  seed: (url) => seedProducts(url, PRODUCTS),
  user: () => `o_client_${process.pid}_${++users}`,
});

afterEach(() => suite.wxs.uninstall());

async function rejection(promise: Promise<unknown>): Promise<PaykitError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(error instanceof PaykitError)) throw new Error(`expected a PaykitError, got ${String(error)}`);
  return error;
}

describe('config', () => {
  test('defaults to cloud mode and keeps what is not given', () => {
    expect(getPaykitConfig().mode).toBe('cloud');
    configurePaykit({ env: 'prod-1a2b', gatewayUrl: 'http://127.0.0.1:9/' });
    configurePaykit({ mode: 'local' });
    expect(getPaykitConfig()).toMatchObject({
      env: 'prod-1a2b',
      mode: 'local',
      gatewayUrl: 'http://127.0.0.1:9',
    });
  });
});

describe('callPaykit (cloud mode)', () => {
  test('the server prices the order: a client-sent amount is ignored', async () => {
    // Extra fields a tampered client might add; the contract type has no room for them.
    const request = { items: [{ sku: 'client-cake', quantity: 2 }], totalFee: 1, amount: 1 };
    const result = await callPaykit('unifiedOrder', request);
    expect(result.totalFee).toBe(5700);
    expect(result.payment.package).toMatch(/^prepay_id=/);
    const order = await readDoc(suite.sandbox.url, 'paykit_orders', result.orderNo);
    expect(order).toMatchObject({ totalFee: 5700, status: 'NOTPAY' });
  });

  test('a kit failure becomes a PaykitError with the Chinese message and the server detail', async () => {
    const error = await rejection(callPaykit('unifiedOrder', { items: [{ sku: 'gone', quantity: 1 }] }));
    expect(error.code).toBe('PRODUCT_NOT_FOUND');
    expect(error.message).toBe('商品不存在或已下架');
    expect(error.detail).not.toBe('');
  });

  test('bad input is refused by the server as INVALID_PARAM', async () => {
    const error = await rejection(
      callPaykit('unifiedOrder', { items: [{ sku: 'client-cake', quantity: 0 }] }),
    );
    expect(error.code).toBe('INVALID_PARAM');
  });

  test('a transport failure is a PaykitError too', async () => {
    // Nothing listens on port 9: the client installed on top of this test's one cannot connect.
    const offline = installWxSandbox('http://127.0.0.1:9', suite.wxs.openid);
    const error = await rejection(
      callPaykit('unifiedOrder', { items: [{ sku: 'client-cake', quantity: 1 }] }),
    ).finally(() => offline.uninstall());
    expect(error.code).toBe('NETWORK_ERROR');
    expect(error.message).toBe('网络异常，请检查网络后重试');
  });

  test('requestPayment resolves paid / cancelled / failed, never rejects', async () => {
    const outcomes: string[] = [];
    for (const action of ['cancel', 'fail', 'pay'] as const) {
      const { payment } = await callPaykit('unifiedOrder', { items: [{ sku: 'client-cake', quantity: 1 }] });
      suite.wxs.payAction = action;
      outcomes.push((await requestPayment(payment)).status);
    }
    expect(outcomes).toEqual(['cancelled', 'failed', 'paid']);
  });

  test('queryOrder returns the caller’s order', async () => {
    const { orderNo } = await callPaykit('unifiedOrder', { items: [{ sku: 'client-cake', quantity: 1 }] });
    const { order } = await callPaykit('queryOrder', { orderNo });
    expect(order).toMatchObject({ orderNo, totalFee: 2850 });
  });
});

describe('local mode (DevTools against the sandbox gateway)', () => {
  test('calls go through wx.request and the sandbox pay sheet pays', async () => {
    configurePaykit({ mode: 'local', gatewayUrl: suite.sandbox.url, localOpenid: suite.wxs.openid });
    // The developer picks "模拟支付成功" (the first entry) on the sandbox pay sheet.
    Object.defineProperty(wx, 'showActionSheet', {
      configurable: true,
      writable: true,
      value: (options: WechatMiniprogram.ShowActionSheetOption) => {
        expect(options.itemList[0]).toBe('模拟支付成功');
        options.success?.({ tapIndex: 0, errMsg: 'showActionSheet:ok' });
      },
    });
    const { orderNo, payment } = await callPaykit('unifiedOrder', {
      items: [{ sku: 'client-cake', quantity: 1 }],
    });
    expect(await requestPayment(payment)).toEqual({ status: 'paid' });
    const order = await eventually(async () => {
      const doc = await readDoc(suite.sandbox.url, 'paykit_orders', orderNo);
      return doc?.status === 'SUCCESS' ? doc : undefined;
    });
    expect(order.totalFee).toBe(2850);
  });

  test('a kit failure comes back the same way as in cloud mode', async () => {
    configurePaykit({ mode: 'local', gatewayUrl: suite.sandbox.url, localOpenid: suite.wxs.openid });
    const error = await rejection(callPaykit('unifiedOrder', { items: [{ sku: 'gone', quantity: 1 }] }));
    expect(error.code).toBe('PRODUCT_NOT_FOUND');
  });
});
