/**
 * pay-button rendered with the real vant, paying through a real sandbox: unifiedOrder runs as a
 * built cloud function, the payment sheet is the sandbox's, and the order is read back from the
 * sandbox database.
 */
import { configurePaykit } from '../../../miniprogram/paykit/config';
import { eventually, post, query, readDoc, seedProducts } from '../../helpers/control';
import { loadComp, renderComp, simulate, type Rendered } from '../../helpers/simulate';
import { miniprogramSuite } from '../../helpers/mp-suite';

const PRODUCTS = [
  { sku: 'btn-coffee', name: '美式咖啡', price: 1200 },
  { sku: 'btn-tea', name: '柠檬茶', price: 990 },
];

let users = 0;
// A fresh WeChat user per test, so counting a user's orders sees only this test's.
const suite = miniprogramSuite({
  seed: (url) => seedProducts(url, PRODUCTS),
  user: () => `o_paybutton_${process.pid}_${++users}`,
});

afterEach(() => suite.wxs.uninstall());

function render(props: Record<string, unknown>): Rendered {
  return renderComp(loadComp('components/pay-button/index'), props, [
    'start',
    'success',
    'pending',
    'cancel',
    'fail',
  ]);
}

/** Taps the inner vant <button>, as a finger would. j-component delivers the event asynchronously. */
function tap(rendered: Rendered): void {
  rendered.comp.querySelector('#pay-button')!.querySelector('.van-button')!.dispatchEvent('tap');
}

function nextEvent(rendered: Rendered, name: string, index = 0): Promise<unknown> {
  return eventually(() => rendered.events(name)[index], 10000);
}

/** payCallback runs after the pay action returns, so the order's state settles shortly after. */
function orderWithStatus(orderNo: string, status: string): Promise<Record<string, unknown>> {
  return eventually(async () => {
    const doc = await readDoc(suite.sandbox.url, 'paykit_orders', orderNo);
    return doc && doc.status === status ? doc : undefined;
  }, 3000);
}

function myOrders(): Promise<Array<Record<string, unknown>>> {
  return query(suite.sandbox.url, 'paykit_orders', { openid: suite.wxs.openid });
}

/**
 * A tap whose unifiedOrder answer the network drops once: the order is made, the phone hears a
 * timeout (the transport fails, not the kit's code). Answers the order made.
 */
async function tapAnswerLost(rendered: Rendered): Promise<Record<string, unknown>> {
  const cloud = wx.cloud as unknown as { callFunction(o: Record<string, unknown>): unknown };
  const callFunction = cloud.callFunction.bind(cloud);
  jest.spyOn(cloud, 'callFunction').mockImplementationOnce((options) =>
    callFunction({
      ...options,
      success: () =>
        (options.fail as (e: { errMsg: string }) => void)({ errMsg: 'cloud.callFunction:fail timeout' }),
    }),
  );
  const failures = rendered.events('fail').length;
  tap(rendered);
  const failure = (await nextEvent(rendered, 'fail', failures)) as { code: string; orderNo?: string };
  expect(failure).toMatchObject({ code: 'NETWORK_ERROR', message: '网络异常，请检查网络后重试' });
  const orders = await myOrders();
  expect(orders).toHaveLength(1);
  return orders[0];
}

describe('pay-button', () => {
  test('renders a van-button with the default Chinese label', () => {
    const { comp } = render({ items: [{ sku: 'btn-coffee', quantity: 1 }] });
    const button = comp.querySelector('#pay-button')!;
    expect(button.querySelector('.van-button')).toBeDefined();
    expect(button.dom!.querySelector('wx-button')).not.toBeNull();
    expect(button.dom!.textContent).toContain('立即支付');
    expect(comp.data.loading).toBe(false);
  });

  test('pays: success event with the orderNo, and the order is SUCCESS in the database', async () => {
    const rendered = render({ items: [{ sku: 'btn-coffee', quantity: 2 }] });
    tap(rendered);
    await eventually(() => (rendered.comp.data.loading ? true : undefined), 1000);
    expect(rendered.comp.querySelector('#pay-button')!.dom!.textContent).toContain('支付中…');

    const detail = (await nextEvent(rendered, 'success')) as { orderNo: string };
    expect(typeof detail.orderNo).toBe('string');
    // A payment of items announces no order at its start: none exists yet.
    expect(rendered.events('start')).toEqual([{}]);
    expect(rendered.events('fail')).toEqual([]);
    expect(rendered.comp.data.loading).toBe(false);

    const order = await orderWithStatus(detail.orderNo, 'SUCCESS');
    expect(order.totalFee).toBe(2400);
  });

  test('cancel emits cancel and leaves the order NOTPAY; the button is usable again', async () => {
    suite.wxs.payAction = 'cancel';
    const rendered = render({ items: [{ sku: 'btn-tea', quantity: 1 }] });
    tap(rendered);
    const detail = (await nextEvent(rendered, 'cancel')) as { orderNo: string };
    expect(rendered.events('success')).toEqual([]);
    expect(rendered.events('fail')).toEqual([]);
    expect(rendered.comp.data.loading).toBe(false);

    const order = await readDoc(suite.sandbox.url, 'paykit_orders', detail.orderNo);
    expect(order).toMatchObject({ status: 'NOTPAY', totalFee: 990 });

    suite.wxs.payAction = 'pay';
    tap(rendered);
    const paid = (await nextEvent(rendered, 'success')) as { orderNo: string };
    await orderWithStatus(paid.orderNo, 'SUCCESS');
  });

  test('a double tap creates exactly one order', async () => {
    const rendered = render({ items: [{ sku: 'btn-coffee', quantity: 1 }] });
    tap(rendered);
    tap(rendered);
    await simulate.sleep(0);
    // Also past vant's own guard (it unbinds tap while loading): the component's busy flag holds.
    void rendered.comp.instance.onTap();
    const detail = (await nextEvent(rendered, 'success')) as { orderNo: string };
    await orderWithStatus(detail.orderNo, 'SUCCESS');

    expect(suite.wxs.calls.filter((c) => c.name === 'unifiedOrder')).toHaveLength(1);
    const orders = await myOrders();
    expect(orders.map((o) => o._id)).toEqual([detail.orderNo]);
    expect(rendered.events('success')).toHaveLength(1);
  });

  test('tapped again after the answer was lost on the way back, it pays the order made, not a second', async () => {
    const rendered = render({ items: [{ sku: 'btn-tea', quantity: 2 }] });
    await tapAnswerLost(rendered);

    tap(rendered);
    const paid = (await nextEvent(rendered, 'success')) as { orderNo: string };
    const orders = await myOrders();
    expect(orders.map((o) => o._id)).toEqual([paid.orderNo]);
    const keys = suite.wxs.calls
      .filter((c) => c.name === 'unifiedOrder')
      .map((c) => (c.data as { requestKey: string }).requestKey);
    expect(keys).toEqual([keys[0], keys[0]]);

    // Paid, the next tap is another purchase: a new order.
    tap(rendered);
    await nextEvent(rendered, 'success', 1);
    expect(await myOrders()).toHaveLength(2);
  });

  test('after the order of a lost answer was paid elsewhere, a tap says so once, then buys anew', async () => {
    const rendered = render({ items: [{ sku: 'btn-coffee', quantity: 3 }] });
    const made = await tapAnswerLost(rendered);
    // The buyer finds the order in 我的订单 and pays it there.
    const fromList = render({ orderNo: made._id });
    tap(fromList);
    await nextEvent(fromList, 'success');

    // Back in the shop, the same lines: that purchase is paid (said once, not on every tap).
    tap(rendered);
    expect(await nextEvent(rendered, 'fail', 1)).toEqual({
      code: 'ORDER_PAID',
      message: '订单已支付，请勿重复支付',
    });
    tap(rendered);
    await eventually(() => rendered.events('success')[0] ?? rendered.events('fail')[2], 10000);
    expect(rendered.events('fail').slice(2)).toEqual([]);
    const paid = rendered.events('success')[0] as { orderNo: string };
    expect(paid.orderNo).not.toBe(made._id);
    await orderWithStatus(paid.orderNo, 'SUCCESS');
    expect(await myOrders()).toHaveLength(2);
  });

  test('when the order of a lost answer is too near its expiry to pay again, a tap says so once, then buys anew', async () => {
    const rendered = render({ items: [{ sku: 'btn-tea', quantity: 1 }] });
    const made = await tapAnswerLost(rendered);
    // 29 min 10 s into the order's 30: its payment is spent, and too little is left for another.
    await post(`${suite.sandbox.url}/sandbox/clock`, { action: 'advance', ms: 29 * 60_000 + 10_000 });
    await post(`${suite.sandbox.url}/sandbox/triggers/settle`, {});

    tap(rendered);
    expect(await nextEvent(rendered, 'fail', 1)).toMatchObject({
      code: 'ORDER_EXPIRING',
      message: '订单即将过期，无法再次支付，请重新下单',
    });
    tap(rendered);
    const paid = (await nextEvent(rendered, 'success')) as { orderNo: string };
    expect(paid.orderNo).not.toBe(made._id);
    expect(rendered.events('fail')).toHaveLength(2);
    await orderWithStatus(paid.orderNo, 'SUCCESS');
  });

  test('a failed payment emits fail with the orderNo and a Chinese message; the button is usable again', async () => {
    suite.wxs.payAction = 'fail';
    const rendered = render({ items: [{ sku: 'btn-tea', quantity: 3 }] });
    tap(rendered);
    const failure = (await nextEvent(rendered, 'fail')) as {
      orderNo?: string;
      code: string;
      message: string;
    };
    expect(failure.code).toBe('PAYMENT_FAILED');
    expect(failure.message).toBe('支付失败，请稍后再试');
    expect(typeof failure.orderNo).toBe('string');
    expect(rendered.comp.data.loading).toBe(false);
    const failed = await readDoc(suite.sandbox.url, 'paykit_orders', failure.orderNo!);
    expect(failed).toMatchObject({ totalFee: 2970 });
    expect(failed!.status).not.toBe('SUCCESS');

    suite.wxs.payAction = 'pay';
    tap(rendered);
    const paid = (await nextEvent(rendered, 'success')) as { orderNo: string };
    await orderWithStatus(paid.orderNo, 'SUCCESS');
  });

  test('an unknown product fails before any payment sheet, without an orderNo', async () => {
    const rendered = render({ items: [{ sku: 'no-such-sku', quantity: 1 }] });
    tap(rendered);
    const failure = (await nextEvent(rendered, 'fail')) as Record<string, unknown>;
    expect(failure).toEqual({ code: 'PRODUCT_NOT_FOUND', message: '商品不存在或已下架' });
    expect(rendered.comp.data.loading).toBe(false);
    expect(await myOrders()).toEqual([]);
  });

  test('disabled does nothing on tap', async () => {
    const rendered = render({ items: [{ sku: 'btn-coffee', quantity: 1 }], disabled: true });
    tap(rendered);
    await simulate.sleep(50);
    await rendered.comp.instance.onTap();
    expect(suite.wxs.calls).toEqual([]);
    expect(rendered.comp.data.loading).toBe(false);
  });
});

describe('pay-button: orderNo, price, confirmation', () => {
  test('success carries the order the server confirmed', async () => {
    const rendered = render({ items: [{ sku: 'btn-coffee', quantity: 1 }] });
    tap(rendered);
    const detail = (await nextEvent(rendered, 'success')) as {
      orderNo: string;
      order: Record<string, unknown>;
    };
    expect(detail.order).toMatchObject({ orderNo: detail.orderNo, status: 'SUCCESS', totalFee: 1200 });
    // Confirmed with queryOrder after the sheet said paid.
    const names = suite.wxs.calls.map((c) => c.name);
    expect(names.indexOf('queryOrder')).toBeGreaterThan(names.indexOf('unifiedOrder'));
  });

  test('shows the price from fen through the template', () => {
    const { comp } = render({ items: [{ sku: 'btn-tea', quantity: 1 }], price: 990, text: '去支付' });
    expect(comp.querySelector('#pay-button')!.dom!.textContent).toContain('去支付 ¥9.90');
  });

  test('without text (an icon in the slot) a screen reader still hears what the button does', () => {
    const labelOf = (rendered: Rendered): unknown =>
      rendered.comp.querySelector('#pay-button')!.data.ariaLabel;
    const items = [{ sku: 'btn-tea', quantity: 1 }];
    expect(labelOf(render({ items, text: '' }))).toBe('立即支付');
    const priced = render({ items, text: '', price: 990 });
    expect(labelOf(priced)).toBe('立即支付 ¥9.90');
    priced.comp.setData({ loading: true });
    expect(labelOf(priced)).toBe('支付中…');
    expect(labelOf(render({ items, text: '', ariaLabel: '购买柠檬茶' }))).toBe('购买柠檬茶');
    // A button with text is read by its text (and price) already.
    expect(labelOf(render({ items, text: '去支付', price: 990 }))).toBe('');
  });

  test('orderNo pays an existing unpaid order, without creating another', async () => {
    suite.wxs.payAction = 'cancel';
    const first = render({ items: [{ sku: 'btn-tea', quantity: 1 }] });
    tap(first);
    const { orderNo } = (await nextEvent(first, 'cancel')) as { orderNo: string };

    suite.wxs.payAction = 'pay';
    const again = render({ orderNo });
    tap(again);
    const paid = (await nextEvent(again, 'success')) as { orderNo: string; order: { status: string } };
    expect(paid.orderNo).toBe(orderNo);
    expect(again.events('start')).toEqual([{ orderNo }]);
    expect(paid.order.status).toBe('SUCCESS');
    expect(suite.wxs.calls.filter((c) => c.name === 'unifiedOrder').map((c) => c.data)).toEqual([
      expect.objectContaining({ items: [{ sku: 'btn-tea', quantity: 1 }] }),
      { orderNo },
    ]);
    expect(await myOrders()).toHaveLength(1);
  });

  test('orderNo of a paid order fails with ORDER_PAID and stays usable', async () => {
    const first = render({ items: [{ sku: 'btn-coffee', quantity: 1 }] });
    tap(first);
    const { orderNo } = (await nextEvent(first, 'success')) as { orderNo: string };
    const again = render({ orderNo });
    tap(again);
    const failure = (await nextEvent(again, 'fail')) as { code: string; message: string };
    // The order it was for, so that a page can show it as it now is (paid).
    expect(failure).toEqual({ orderNo, code: 'ORDER_PAID', message: '订单已支付，请勿重复支付' });
    expect(again.comp.data.loading).toBe(false);
  });

  test('a payment the server cannot confirm in time is pending, not success', async () => {
    configurePaykit({ confirmDelays: [0, 30, 30] });
    // The bank is slow: the sheet says paid, the trade stays NOTPAY until the payment settles.
    suite.wxs.payAction = 'slow';
    const rendered = render({ items: [{ sku: 'btn-coffee', quantity: 1 }] });
    tap(rendered);
    const pending = (await nextEvent(rendered, 'pending')) as { orderNo: string; order?: { status: string } };
    expect(rendered.events('success')).toEqual([]);
    expect(pending.order?.status).toBe('NOTPAY');
    expect(suite.wxs.calls.filter((c) => c.name === 'queryOrder')).toHaveLength(3);
    expect(rendered.comp.data.loading).toBe(false);

    // The slow payer finishes after 30 s of sandbox time; the callback then records the payment.
    await post(`${suite.sandbox.url}/sandbox/clock`, { action: 'advance', ms: 31_000 });
    await post(`${suite.sandbox.url}/sandbox/pay/settle`, {});
    await orderWithStatus(pending.orderNo, 'SUCCESS');
  });
});
