/**
 * pages/orders/detail rendered with real vant against a real sandbox: every field, paying, cancel
 * then pay again, a failed payment, closing under WeChat's 5-minute rule, and a payment whose
 * callback arrives while the page is open (shown after refresh), plus reload on return.
 */
import { callPaykit } from '../../../miniprogram/paykit/client';
import { detailText } from '../../../miniprogram/paykit/strings';
import {
  callAs,
  eventually,
  get,
  post,
  readDoc,
  seedOrderNo,
  seedOrders,
  seedProducts,
  send,
} from '../../helpers/control';
import {
  eventsOf,
  loadComp,
  ORDER_DETAIL,
  openOrderDetail,
  openPage,
  renderComp,
  simulate,
  type SimComponent,
} from '../../helpers/simulate';
import { providerFault } from '../../helpers/kit';
import { miniprogramSuite } from '../../helpers/mp-suite';
import { zto } from '../../helpers/shipping-kit';

const PRODUCTS = [
  { sku: 'detail-coffee', name: '美式咖啡', price: 1200 },
  { sku: 'detail-cake', name: '芝士蛋糕', price: 2850 },
];

/** The merchant admin every fresh sandbox has (`PAYKIT_ADMIN_OPENIDS` of `npm start`). */
const LOCAL_ADMIN = 'oPaykitLocalUser';

let users = 0;
let opened: SimComponent[] = [];

const suite = miniprogramSuite({
  seed: (url) => seedProducts(url, PRODUCTS),
  user: () => `o_detail_${process.pid}_${++users}`,
});

afterEach(async () => {
  for (const comp of opened) comp.instance.onUnload();
  opened = [];
  suite.wxs.uninstall();
  jest.restoreAllMocks();
  await post(`${suite.sandbox.url}/sandbox/clock`, { action: 'resume' });
});

/** A new unpaid order of the current user, made the way the pay button makes one. */
async function newOrder(): Promise<{ orderNo: string; payment: { package: string } }> {
  return callPaykit('unifiedOrder', {
    items: [
      { sku: 'detail-coffee', quantity: 2 },
      { sku: 'detail-cake', quantity: 1 },
    ],
  });
}

async function openDetail(orderNo: string): Promise<SimComponent> {
  const { comp } = await openOrderDetail(orderNo, { ms: 5000 });
  opened.push(comp);
  return comp;
}

/** The page opened on an order it cannot show: until its error is set. */
async function openFailing(orderNo: string): Promise<SimComponent> {
  const { comp } = renderComp(loadComp(ORDER_DETAIL));
  opened.push(comp);
  comp.instance.onLoad({ orderNo });
  comp.instance.onShow();
  await eventually(() => (comp.data.error ? true : undefined), 5000);
  return comp;
}

function text(comp: SimComponent, selector: string): string {
  const found = comp.querySelector(selector);
  return found?.dom?.textContent ?? '';
}

function status(comp: SimComponent): string {
  return (comp.data.order as { status: string }).status;
}

function tapVant(comp: SimComponent, id: string): void {
  comp.querySelector(id)!.querySelector('.van-button')!.dispatchEvent('tap');
}

function tapPay(comp: SimComponent): void {
  comp
    .querySelector('#pay')!
    .querySelector('#pay-button')!
    .querySelector('.van-button')!
    .dispatchEvent('tap');
}

async function statusBecomes(comp: SimComponent, wanted: string): Promise<void> {
  await eventually(() => (status(comp) === wanted && !comp.data.loading ? true : undefined), 10000);
}

describe('order detail page', () => {
  test('shows every field of an unpaid order and its actions', async () => {
    const { orderNo } = await newOrder();
    const comp = await openDetail(orderNo);
    const all = comp.dom!.textContent!;
    expect(all).toContain('美式咖啡');
    expect(all).toContain('¥12.00 × 2');
    expect(all).toContain('¥24.00');
    expect(all).toContain('芝士蛋糕');
    expect(text(comp, '#field-amount')).toContain('¥52.50');
    expect(text(comp, '#field-orderNo')).toContain(orderNo);
    expect(text(comp, '#field-createdAt')).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    expect(text(comp, '#field-expiresAt')).toMatch(/\d+:\d\d/);
    expect(text(comp, '#status')).toContain('待支付');
    expect(text(comp, '#pay')).toContain('继续支付 ¥52.50');
    expect(text(comp, '#close')).toContain('关闭订单');
    expect(comp.querySelector('#field-paidAt')).toBeUndefined();
  });

  test('an unpaid order that runs out of time while shown says 已超时, and offers no payment', async () => {
    const orderNo = seedOrderNo(Date.now() % 1e14, users);
    const createdAt = Date.now() - 30 * 60_000 + 2000;
    await seedOrders(suite.sandbox.url, [
      { orderNo, openid: suite.wxs.openid, status: 'NOTPAY', totalFee: 1200, createdAt },
    ]);
    const comp = await openDetail(orderNo);
    expect(text(comp, '#field-expiresAt')).toContain('剩余');
    expect(comp.querySelector('#pay')).toBeDefined();

    await eventually(() => (comp.querySelector('#pay') ? undefined : true), 5000);
    expect(text(comp, '#field-expiresAt')).toContain('已超时');
    expect(comp.querySelector('#close')).toBeUndefined();
  });

  test('times are Beijing time, as WeChat Pay and the bills give them, whatever the phone’s zone', async () => {
    // 07:30 in Beijing is the day before in UTC and in every zone west of it.
    const createdAt = Date.parse('2024-05-01T07:30:00+08:00');
    const orderNo = seedOrderNo(20240501073000, users);
    await seedOrders(suite.sandbox.url, [
      { orderNo, openid: suite.wxs.openid, status: 'SUCCESS', totalFee: 1200, createdAt },
    ]);
    const comp = await openDetail(orderNo);
    expect(text(comp, '#field-createdAt')).toContain('2024-05-01 07:30');
    expect(text(comp, '#field-paidAt')).toContain('2024-05-01 07:30');

    const { comp: list } = await openPage(
      'pages/orders/list/index',
      { status: 'SUCCESS' },
      (c) => c.data.loaded && !c.data.loading,
    );
    opened.push(list);
    expect(text(list, `#order-${orderNo}`)).toContain('2024-05-01 07:30');
  });

  test('cancel, then pay again: paid with the transaction number and paid time', async () => {
    const toast = jest.spyOn(wx, 'showToast');
    const { orderNo } = await newOrder();
    const comp = await openDetail(orderNo);

    suite.wxs.payAction = 'cancel';
    tapPay(comp);
    await eventually(() => (toast.mock.calls.length ? true : undefined), 10000);
    expect(toast).toHaveBeenLastCalledWith(expect.objectContaining({ title: '已取消支付' }));
    expect(status(comp)).toBe('NOTPAY');

    suite.wxs.payAction = 'pay';
    tapPay(comp);
    await statusBecomes(comp, 'SUCCESS');
    expect(toast).toHaveBeenLastCalledWith(expect.objectContaining({ title: '支付成功' }));
    expect(text(comp, '#status')).toContain('已支付');
    expect(text(comp, '#field-transactionId')).toMatch(/\d{10,}/);
    expect(text(comp, '#field-paidAt')).toMatch(/\d{4}-\d{2}-\d{2}/);
    expect(comp.querySelector('#pay')).toBeUndefined();
    expect(comp.querySelector('#close')).toBeUndefined();
    // The page paid the existing order both times; no other order was made.
    const calls = suite.wxs.calls.filter((c) => c.name === 'unifiedOrder').map((c) => c.data);
    expect(calls.slice(1)).toEqual([{ orderNo }, { orderNo }]);
  });

  test('a failed payment says so in Chinese and the order is not paid', async () => {
    const toast = jest.spyOn(wx, 'showToast');
    const { orderNo } = await newOrder();
    const comp = await openDetail(orderNo);
    suite.wxs.payAction = 'fail';
    tapPay(comp);
    await eventually(() => (toast.mock.calls.length ? true : undefined), 10000);
    expect(toast).toHaveBeenCalledWith(expect.objectContaining({ title: '支付失败，请稍后再试' }));
    await eventually(() => (!comp.data.loading ? true : undefined));
    // The order stays unpaid and payable: a failed mini-program payment is no end state at WeChat Pay.
    expect(status(comp)).toBe('NOTPAY');
    expect((await readDoc(suite.sandbox.url, 'paykit_orders', orderNo))!.status).toBe('NOTPAY');
  });

  test('a second tap on close during the dialog leave animation keeps the new confirmation open', async () => {
    const { orderNo } = await newOrder();
    const comp = await openDetail(orderNo);
    tapVant(comp, '#close');
    await eventually(() => (comp.data.confirmingClose ? true : undefined));
    const closes = eventsOf(comp.querySelector('#close-dialog')!, 'close');
    comp.querySelector('#close-dialog')!.instance.onCancel();
    expect(comp.data.confirmingClose).toBe(false);
    // Tapped again at once: the cancelled dialog reports its close after its 300 ms leave animation
    // (however late a loaded machine runs that timer); the page has handled it once it is reported.
    tapVant(comp, '#close');
    await eventually(() => (comp.data.confirmingClose ? true : undefined));
    await eventually(() => (closes.length ? true : undefined), 5000, "the cancelled dialog's close");
    expect(closes).toEqual(['cancel']);
    expect(comp.data.confirmingClose).toBe(true);
    expect(comp.querySelector('#close-dialog')!.data.show).toBe(true);
  });

  test('while the order is being closed, 继续支付 is disabled', async () => {
    const { orderNo } = await newOrder();
    const comp = await openDetail(orderNo);
    const closing = suite.wxs.holdNextAnswer('closeOrder');
    tapVant(comp, '#close');
    await eventually(() => (comp.data.confirmingClose ? true : undefined));
    comp.querySelector('#close-dialog')!.instance.onConfirm();
    await eventually(() => (comp.data.closing ? true : undefined));

    expect(comp.querySelector('#pay')!.data.disabled).toBe(true);
    tapPay(comp);
    await simulate.sleep(50);
    const payments = () => suite.wxs.calls.filter((c) => c.name === 'unifiedOrder');
    // newOrder's own call only: the page asked for no payment of an order it is closing.
    expect(payments()).toHaveLength(1);

    await closing.release();
    expect(comp.data.closing).toBe(false);
  });

  test('while a payment is under way, 关闭订单 is disabled', async () => {
    const { orderNo } = await newOrder();
    const comp = await openDetail(orderNo);
    const paying = suite.wxs.holdNextAnswer('unifiedOrder');
    tapPay(comp);
    await eventually(() => (comp.data.paying ? true : undefined));

    expect(comp.querySelector('#close')!.data.disabled).toBe(true);
    tapVant(comp, '#close');
    comp.instance.onCloseTap();
    await simulate.sleep(50);
    expect(comp.data.confirmingClose).toBe(false);

    await paying.release();
    await statusBecomes(comp, 'SUCCESS');
    expect(comp.data.paying).toBe(false);
  });

  test('too little of the order left to pay it again (ORDER_EXPIRING): 继续支付 is no longer offered', async () => {
    const toast = jest.spyOn(wx, 'showToast');
    const orderNo = seedOrderNo((Date.now() % 1e14) + 1, users);
    // 90 s left, no payment under way: WeChat Pay needs 2 minutes for another.
    const createdAt = Date.now() - 30 * 60_000 + 90_000;
    await seedOrders(suite.sandbox.url, [
      { orderNo, openid: suite.wxs.openid, status: 'NOTPAY', totalFee: 1200, createdAt },
    ]);
    const comp = await openDetail(orderNo);
    tapPay(comp);
    await eventually(() => (comp.querySelector('#pay') ? undefined : true), 10000);
    expect(toast).toHaveBeenCalledWith(
      expect.objectContaining({ title: '订单即将过期，无法再次支付，请重新下单' }),
    );
    expect(status(comp)).toBe('NOTPAY');
    expect(comp.querySelector('#close')).toBeDefined();
  });

  test('close within 5 minutes explains when it can be closed; 6 minutes later it closes', async () => {
    await post(`${suite.sandbox.url}/sandbox/clock`, { action: 'freeze' });
    const { orderNo } = await newOrder();
    const comp = await openDetail(orderNo);

    tapVant(comp, '#close');
    await eventually(() => (comp.data.confirmingClose ? true : undefined));
    const dialog = comp.querySelector('#close-dialog')!;
    expect(dialog.data).toMatchObject({ show: true, message: expect.stringContaining('确定关闭这个订单吗') });
    comp.querySelector('#close-dialog')!.instance.onConfirm();
    await eventually(() => (comp.data.closableAt ? true : undefined), 5000);
    const notice = text(comp, '#close-notice');
    expect(notice).toContain('5 分钟后才能关闭');
    expect(notice).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/);
    const order = (await readDoc(suite.sandbox.url, 'paykit_orders', orderNo)) as {
      attempts: Array<{ createdAt: number }>;
    };
    expect(comp.data.closableAt).toBe(order.attempts[0].createdAt + 5 * 60_000);
    expect(status(comp)).toBe('NOTPAY');

    await post(`${suite.sandbox.url}/sandbox/clock`, { action: 'advance', ms: 6 * 60_000 });
    tapVant(comp, '#close');
    await eventually(() => (comp.data.confirmingClose ? true : undefined));
    comp.querySelector('#close-dialog')!.instance.onConfirm();
    await statusBecomes(comp, 'CLOSED');
    expect(text(comp, '#status')).toContain('已关闭');
    expect(text(comp, '#field-closedAt')).toMatch(/\d{4}-\d{2}-\d{2}/);
    expect(comp.querySelector('#close-notice')).toBeUndefined();
    expect(comp.querySelector('#pay')).toBeUndefined();
  });

  test('paid elsewhere while open, callback delivered late: shown after refresh', async () => {
    const { orderNo, payment } = await newOrder();
    const comp = await openDetail(orderNo);
    expect(text(comp, '#status')).toContain('待支付');

    // The customer pays on another device; WeChat's callback is held back.
    await post(`${suite.sandbox.url}/sandbox/pay/callbacks`, { mode: 'hold', count: 1 });
    const paid = await send('POST', `${suite.sandbox.url}/gateway/pay`, {
      ...payment,
      openid: suite.wxs.openid,
      action: 'pay',
    });
    expect(paid.body).toMatchObject({ errMsg: 'requestPayment:ok' });
    await post(`${suite.sandbox.url}/sandbox/pay/callbacks/release`, {});
    await post(`${suite.sandbox.url}/sandbox/pay/settle`, {});
    expect((await readDoc(suite.sandbox.url, 'paykit_orders', orderNo))!.status).toBe('SUCCESS');
    // Nothing pushes to the page: it still shows what it loaded.
    expect(text(comp, '#status')).toContain('待支付');

    tapVant(comp, '#refresh');
    await statusBecomes(comp, 'SUCCESS');
    expect(text(comp, '#status')).toContain('已支付');
    expect(text(comp, '#field-transactionId')).not.toBe('');
  });

  test('paid while a refresh is on a slow network: its older answer does not show the order unpaid again', async () => {
    const { orderNo } = await newOrder();
    const comp = await openDetail(orderNo);
    const refresh = suite.wxs.holdNextAnswer('queryOrder');
    tapVant(comp, '#refresh');
    tapPay(comp);
    await eventually(() => (status(comp) === 'SUCCESS' ? true : undefined), 10000);

    // The refresh asked before the payment: its answer says NOTPAY, and comes last.
    await refresh.release();
    expect(status(comp)).toBe('SUCCESS');
    expect(text(comp, '#status')).toContain('已支付');
    expect(comp.querySelector('#pay')).toBeUndefined();
    expect(comp.data.loading).toBe(false);
  });

  test('刷新状态 without network keeps the order and says why', async () => {
    const { orderNo } = await newOrder();
    const comp = await openDetail(orderNo);
    const toast = jest.spyOn(wx, 'showToast');
    suite.wxs.offline = 1;
    tapVant(comp, '#refresh');
    await eventually(() => (toast.mock.calls.length ? true : undefined), 5000);
    expect(toast).toHaveBeenCalledWith(
      expect.objectContaining({ title: expect.stringContaining('网络异常') }),
    );
    expect(comp.data.loading).toBe(false);
    expect(text(comp, '#status')).toContain('待支付');
    expect(comp.querySelector('#error')).toBeUndefined();
  });

  test('a page that could not load offers 重新加载, which shows the order', async () => {
    const { orderNo } = await newOrder();
    suite.wxs.offline = 1;
    const comp = await openFailing(orderNo);
    expect(text(comp, '#error')).toContain('网络异常');
    tapVant(comp, '#retry');
    await eventually(() => (comp.data.order && !comp.data.loading ? true : undefined), 5000);
    expect(comp.querySelector('#error')).toBeUndefined();
    expect(text(comp, '#status')).toContain('待支付');
  });

  test('a change made elsewhere shows on return to the page', async () => {
    const { orderNo } = await newOrder();
    const comp = await openDetail(orderNo);
    comp.instance.onHide();
    await post(`${suite.sandbox.url}/sandbox/clock`, { action: 'advance', ms: 6 * 60_000 });
    await callPaykit('closeOrder', { orderNo });
    comp.instance.onShow();
    await statusBecomes(comp, 'CLOSED');
    expect(text(comp, '#status')).toContain('已关闭');
  });

  test('tapping the order number copies it, for the customer to quote to the merchant', async () => {
    const copy = jest.spyOn(wx, 'setClipboardData');
    const { orderNo } = await newOrder();
    const comp = await openDetail(orderNo);
    expect(text(comp, '#field-orderNo')).toContain('复制');
    comp.querySelector('#field-orderNo')!.querySelector('.van-cell')!.dispatchEvent('tap');
    await eventually(() => (copy.mock.calls.length ? true : undefined));
    expect(copy).toHaveBeenCalledWith(expect.objectContaining({ data: orderNo }));
  });

  test('a mistyped order number (an admin’s lookup) is not found', async () => {
    suite.wxs.openid = LOCAL_ADMIN;
    const comp = await openFailing('PK12345');
    expect(text(comp, '#error')).toContain('订单不存在');
  });

  test('someone else’s order is not shown', async () => {
    const { orderNo } = await newOrder();
    suite.wxs.openid = `o_detail_other_${process.pid}`;
    const comp = await openFailing(orderNo);
    expect(text(comp, '#error')).toContain('订单不存在');
  });
});

/** A new order of the current user (the buyer), paid at WeChat and recorded here. */
async function paidOrder(): Promise<string> {
  const { orderNo, payment } = await newOrder();
  const paid = await send('POST', `${suite.sandbox.url}/gateway/pay`, {
    ...payment,
    openid: suite.wxs.openid,
    action: 'pay',
  });
  expect(paid.body).toMatchObject({ errMsg: 'requestPayment:ok' });
  // WeChat's notification handled, onPaid included: nothing of it runs on beside the test.
  await post(`${suite.sandbox.url}/sandbox/pay/settle`, {});
  expect((await readDoc(suite.sandbox.url, 'paykit_orders', orderNo))!.status).toBe('SUCCESS');
  return orderNo;
}

/** The admin refunds `refundFee` of the order, and WeChat settles it. */
async function refundSettled(orderNo: string, refundFee: number): Promise<void> {
  const base = suite.sandbox.url;
  const answer = await callAs<{ ok: boolean; code?: string }>(base, LOCAL_ADMIN, 'refund', {
    orderNo,
    refundFee,
  });
  expect(answer.code ?? 'ok').toBe('ok');
  await post(`${base}/sandbox/pay/settle`, {});
  await eventually(async () => {
    const doc = await readDoc<{ status: string; refunds: Array<{ status: string }> }>(
      base,
      'paykit_orders',
      orderNo,
    );
    return doc?.status === 'REFUND' && doc.refunds.every((r) => r.status === 'SUCCESS') ? true : undefined;
  }, 10000);
}

describe('a refunded order, as its buyer sees it', () => {
  test('part refunded says 部分退款 on the detail and the list row; all of it, 已退款', async () => {
    const orderNo = await paidOrder();
    await refundSettled(orderNo, 1050);
    const detail = await openDetail(orderNo);
    expect(text(detail, '#status').trim()).toBe('部分退款');
    expect(text(detail, '#field-refunded')).toContain('¥10.50');

    const { comp: list } = await openPage(
      'pages/orders/list/index',
      { status: 'REFUND' },
      (c) => c.data.loaded && !c.data.loading,
    );
    opened.push(list);
    expect(text(list, `#order-${orderNo} .order__head`).trim()).toContain('部分退款');
    expect(text(list, `#order-${orderNo}`)).not.toContain('已退款');

    // WeChat takes a second refund of one order a minute after the first.
    await post(`${suite.sandbox.url}/sandbox/clock`, { action: 'advance', ms: 61_000 });
    await refundSettled(orderNo, 4200);
    detail.instance.onShow();
    await eventually(() => (text(detail, '#status').trim() === '已退款' ? true : undefined), 5000);
    expect(text(detail, '#field-refunded')).toContain('¥52.50');
  });
});

describe('a refund WeChat Pay is still carrying out', () => {
  test('says 退款中 on the detail and the list row, not 已支付; then 已退款', async () => {
    const base = suite.sandbox.url;
    // To a bank card a refund takes days: the whole ¥52.50 is on its way back meanwhile.
    await post(`${base}/sandbox/pay/config`, { refundProcessingMs: 3_600_000 });
    try {
      const orderNo = await paidOrder();
      const asked = await callAs<{ code?: string }>(base, LOCAL_ADMIN, 'refund', {
        orderNo,
        refundFee: 5250,
      });
      expect(asked.code ?? 'ok').toBe('ok');
      const detail = await openDetail(orderNo);
      expect(text(detail, '#status').trim()).toBe('退款中');

      const { comp: list } = await openPage(
        'pages/orders/list/index',
        {},
        (c) => c.data.loaded && !c.data.loading,
      );
      opened.push(list);
      expect(text(list, `#order-${orderNo} .order__head`).trim()).toContain('退款中');
      expect(text(list, `#order-${orderNo}`)).not.toContain('已支付');

      await post(`${base}/sandbox/clock`, { action: 'advance', ms: 3_600_000 + 1000 });
      await post(`${base}/sandbox/pay/settle`, {});
      detail.instance.onShow();
      await eventually(() => (text(detail, '#status').trim() === '已退款' ? true : undefined), 10000);
    } finally {
      await post(`${base}/sandbox/pay/config`, { refundProcessingMs: 0 });
    }
  });
});

describe('refunded in part on the merchant platform after the kit recorded the payment', () => {
  test('the buyer sees the refund marked 商户平台退款; the admin is offered only what is left', async () => {
    const base = suite.sandbox.url;
    const orderNo = await paidOrder();
    const { outTradeNo } = (await readDoc<{ outTradeNo: string }>(base, 'paykit_orders', orderNo))!;
    const { refund } = await post<{ refund: { outRefundNo: string } }>(`${base}/sandbox/pay/refunds`, {
      outTradeNo,
      refundFee: 1050,
    });
    await post(`${base}/sandbox/pay/settle`, {});
    // A refundCallback naming it (cloudPay sends none for such a refund; the bill or APIv3's
    // notification are the usual learners): the kit asks WeChat and records it.
    const answer = await callAs<{ errcode: number }>(base, suite.wxs.openid, 'refundCallback', {
      outTradeNo,
      outRefundNo: refund.outRefundNo,
    });
    expect(answer.errcode).toBe(0);

    const detail = await openDetail(orderNo);
    expect(text(detail, '#status').trim()).toBe('部分退款');
    expect(text(detail, '#field-refunded')).toContain('¥10.50');
    expect(text(detail, '#refunds')).toContain('¥10.50');
    expect(text(detail, '#refunds')).toContain(detailText.refundOnPlatform);

    suite.wxs.openid = LOCAL_ADMIN;
    const admin = await openDetail(orderNo);
    expect(admin.data.refundable).toBe(4200);
    tapVant(admin, '#refund');
    await eventually(() => (admin.querySelector('#refund-dialog')!.data.show ? true : undefined));
    expect(admin.data.refundAmount).toBe('42.00');
    expect(text(admin, '#refund-left')).toContain('¥42.00');
  });
});

describe('refunded on the merchant platform before the kit recorded the payment', () => {
  test('says 已退款 on the detail and the list row, and offers the admin no 退款', async () => {
    const base = suite.sandbox.url;
    const { orderNo, payment } = await newOrder();
    // WeChat's payment notification held: the kit does not know of the payment.
    await post(`${base}/sandbox/pay/callbacks`, { mode: 'hold', kind: 'payment', count: 1 });
    const paid = await send('POST', `${base}/gateway/pay`, {
      ...payment,
      openid: suite.wxs.openid,
      action: 'pay',
    });
    expect(paid.body).toMatchObject({ errMsg: 'requestPayment:ok' });
    const { outTradeNo } = (await readDoc<{ outTradeNo: string }>(base, 'paykit_orders', orderNo))!;
    await post(`${base}/sandbox/pay/refunds`, { outTradeNo });

    const detail = await openDetail(orderNo);
    expect(text(detail, '#status').trim()).toBe('已退款');
    const { comp: list } = await openPage(
      'pages/orders/list/index',
      { status: 'REFUND' },
      (c) => c.data.loaded && !c.data.loading,
    );
    opened.push(list);
    expect(text(list, `#order-${orderNo} .order__head`).trim()).toContain('已退款');
    expect(text(list, `#order-${orderNo}`)).not.toContain('部分退款');

    suite.wxs.openid = LOCAL_ADMIN;
    const admin = await openDetail(orderNo);
    expect(text(admin, '#status').trim()).toBe('已退款');
    expect(admin.querySelector('#refund')).toBeFalsy();
  });
});

describe('paid at WeChat with an amount that is not the order’s', () => {
  test('says 支付异常，请联系商家 on the detail and the list row, offers no 支付, 取消 or 退款, and tells the admin the way out', async () => {
    const base = suite.sandbox.url;
    const { orderNo, payment } = await newOrder();
    // The stored order changed after its prepay: WeChat's trade says 1 fen less than the order.
    const { paykit_orders: orders } = await get<{ paykit_orders: Array<Record<string, unknown>> }>(
      `${base}/sandbox/db/export?collections=paykit_orders`,
    );
    const doc = orders.find((o) => o._id === orderNo)!;
    await post(`${base}/sandbox/db/import`, {
      paykit_orders: [{ ...doc, totalFee: (doc.totalFee as number) + 1 }],
    });
    const paid = await send('POST', `${base}/gateway/pay`, {
      ...payment,
      openid: suite.wxs.openid,
      action: 'pay',
    });
    expect(paid.body).toMatchObject({ errMsg: 'requestPayment:ok' });

    const detail = await openDetail(orderNo);
    expect(text(detail, '#status').trim()).toBe('支付异常，请联系商家');
    expect(detail.querySelector('#pay')).toBeFalsy();
    expect(detail.querySelector('#close')).toBeFalsy();
    const { comp: list } = await openPage(
      'pages/orders/list/index',
      { status: 'PAYERROR' },
      (c) => c.data.loaded && !c.data.loading,
    );
    opened.push(list);
    expect(text(list, `#order-${orderNo} .order__head`).trim()).toContain('支付异常，请联系商家');
    // The buyer is not told what only the merchant can do.
    expect(detail.querySelector('#mismatch-notice')).toBeFalsy();

    suite.wxs.openid = LOCAL_ADMIN;
    const admin = await openDetail(orderNo);
    // Not told to contact the merchant, which they are.
    expect(text(admin, '#status').trim()).toBe('支付异常，需商家处理');
    const { comp: all } = await openPage(
      'pages/orders/list/index',
      { scope: 'all' },
      (c) => c.data.loaded && !c.data.loading,
    );
    opened.push(all);
    expect(text(all, `#order-${orderNo} .order__head`).trim()).toContain('支付异常，需商家处理');
    expect(admin.querySelector('#refund')).toBeFalsy();
    expect(text(admin, '#mismatch-notice').trim()).toBe(detailText.mismatchAdmin);
    expect(detailText.mismatchAdmin).toContain('商户平台');

    // The admin does as told: refunds it on the merchant platform, then reopens the order.
    await post(`${base}/sandbox/pay/refunds`, { outTradeNo: doc.outTradeNo });
    const reopened = await openDetail(orderNo);
    expect(text(reopened, '#status').trim()).toBe('已退款');
    expect(reopened.querySelector('#mismatch-notice')).toBeFalsy();
    expect(reopened.querySelector('#refund')).toBeFalsy();
  });
});

describe('a merchant admin on a buyer’s order', () => {
  const refundDialog = (comp: SimComponent) => comp.querySelector('#refund-dialog')!;
  const typeAmount = (comp: SimComponent, yuan: string) =>
    comp.querySelector('#refund-amount')!.dispatchEvent('change', { detail: yuan });

  /** A buyer's paid order opened by the admin, its refund dialog open. */
  async function refundDialogOpen(): Promise<{ orderNo: string; comp: SimComponent }> {
    const orderNo = await paidOrder();
    suite.wxs.openid = LOCAL_ADMIN;
    const comp = await openDetail(orderNo);
    tapVant(comp, '#refund');
    await eventually(() => (refundDialog(comp).data.show ? true : undefined));
    return { orderNo, comp };
  }

  test('refunds part of it through 退款: the refund is listed and only the rest stays refundable', async () => {
    const toast = jest.spyOn(wx, 'showToast');
    const orderNo = await paidOrder();
    suite.wxs.openid = LOCAL_ADMIN;
    const comp = await openDetail(orderNo);
    expect(comp.data).toMatchObject({ own: false, refundable: 5250 });
    expect(text(comp, '#refund')).toContain('退款');

    tapVant(comp, '#refund');
    await eventually(() => (refundDialog(comp).data.show ? true : undefined));
    // Everything left is offered; the admin asks for ¥10.50 of the ¥52.50.
    expect(comp.data.refundAmount).toBe('52.50');
    expect(text(comp, '#refund-left')).toContain('¥52.50');
    typeAmount(comp, '10.5');
    comp.querySelector('#refund-reason')!.dispatchEvent('change', { detail: '少发一块蛋糕' });
    await eventually(() => (comp.data.refundReason ? true : undefined));
    refundDialog(comp).instance.onConfirm();

    await eventually(
      () => (comp.data.refundOpen === false && comp.data.refundable === 4200 ? true : undefined),
      10000,
    );
    expect(toast).toHaveBeenCalledWith(expect.objectContaining({ title: '退款已提交' }));
    const stored = (await readDoc(suite.sandbox.url, 'paykit_orders', orderNo)) as {
      refunds: Array<{ refundFee: number; reason: string; by: string; outRefundNo: string }>;
    };
    expect(stored.refunds).toEqual([
      expect.objectContaining({ refundFee: 1050, reason: '少发一块蛋糕', by: LOCAL_ADMIN }),
    ]);
    expect(stored.refunds[0].outRefundNo).toMatch(new RegExp(`^${orderNo}R[0-9A-Z]+$`));
    await eventually(() => (text(comp, '#refunds').includes('¥10.50') ? true : undefined));
    expect(text(comp, '#refunds')).toContain('少发一块蛋糕');
  });

  test('the amount is in yuan, and the field says so beside what it holds', async () => {
    const { comp } = await refundDialogOpen();
    expect(comp.data.refundAmount).toBe('52.50');
    // The placeholder said 元 only while the field was empty; it opens filled in.
    expect(text(comp, '#refund-amount')).toContain('元');
  });

  test('an amount out of range keeps the dialog open with the reason, and sends nothing', async () => {
    const { comp } = await refundDialogOpen();
    for (const typed of ['52.51', '0', '1.234', '-1', 'abc']) {
      typeAmount(comp, typed);
      await eventually(() => (comp.data.refundAmount === typed ? true : undefined));
      refundDialog(comp).instance.onConfirm();
      await eventually(() => (comp.data.refundError ? true : undefined));
      expect(comp.data.refundError).toBe('请输入 0.01 元到可退金额之间的金额');
      expect(refundDialog(comp).data).toMatchObject({ show: true, loading: { confirm: false } });
    }
    expect(suite.wxs.calls.filter((c) => c.name === 'refund')).toEqual([]);
  });

  test('refunded meanwhile by another admin: more than is left now is refused as an amount, with what is left', async () => {
    const { orderNo, comp } = await refundDialogOpen();
    // Another admin refunds ¥10.00 while this dialog offers all ¥52.50.
    const other = await callAs<{ ok: boolean }>(suite.sandbox.url, LOCAL_ADMIN, 'refund', {
      orderNo,
      refundFee: 1000,
    });
    expect(other.ok).toBe(true);
    refundDialog(comp).instance.onConfirm();
    await eventually(() => (comp.data.refundError ? true : undefined), 10000);
    expect(comp.data.refundError).toBe('请输入 0.01 元到可退金额之间的金额');
    await eventually(() => (comp.data.refundable === 4250 ? true : undefined), 10000);
    expect(text(comp, '#refund-left')).toContain('¥42.50');
    expect(refundDialog(comp).data).toMatchObject({ show: true, loading: { confirm: false } });
  });

  test('a failed refund keeps the dialog open, and asking again is the same refund, not a second one', async () => {
    const { orderNo, comp } = await refundDialogOpen();
    // WeChat takes the refund but its answer is an error: the kit cannot tell, and says so.
    await post(`${suite.sandbox.url}/sandbox/pay/faults`, {
      ...providerFault('refund', 'SYSTEMERROR'),
      count: 1,
      afterProcessing: true,
    });
    refundDialog(comp).instance.onConfirm();
    await eventually(() => (comp.data.refundError ? true : undefined), 10000);
    expect(comp.data.refundError).toBe('支付服务暂时不可用，请稍后再试');
    expect(refundDialog(comp).data).toMatchObject({ show: true, loading: { confirm: false } });
    // The page reloads the order meanwhile, as a person reads the error: the refund is reserved, so
    // nothing is left, and asking again must still go through as that same refund.
    await eventually(() => (comp.data.refundable === 0 ? true : undefined), 10000);

    refundDialog(comp).instance.onConfirm();
    await eventually(
      () => (comp.data.refundOpen === false && comp.data.refundable === 0 ? true : undefined),
      10000,
    );
    const numbers = suite.wxs.calls
      .filter((c) => c.name === 'refund')
      .map((c) => (c.data as { refundNo: string }).refundNo);
    expect(numbers).toHaveLength(2);
    expect(numbers[1]).toBe(numbers[0]);
    const stored = (await readDoc(suite.sandbox.url, 'paykit_orders', orderNo)) as { refunds: unknown[] };
    expect(stored.refunds).toHaveLength(1);
    // Nothing is left to refund: 退款 is gone.
    expect(comp.querySelector('#refund')).toBeUndefined();
  });

  test('a refund WeChat refused holds nothing: above what is left is refused here, within it goes to the server', async () => {
    const { orderNo, comp } = await refundDialogOpen();
    // WeChat refuses outright (the merchant's balance is short): the refund is FAILED, nothing held.
    await post(`${suite.sandbox.url}/sandbox/pay/faults`, {
      ...providerFault('refund', 'NOTENOUGH'),
      count: 1,
    });
    typeAmount(comp, '10.5');
    await eventually(() => (comp.data.refundAmount === '10.5' ? true : undefined));
    refundDialog(comp).instance.onConfirm();
    await eventually(() => (comp.data.refundError ? true : undefined), 10000);
    // Said as what it is and what to do, not as the payment service being down.
    expect(comp.data.refundError).toBe(
      '商户账户余额不足，微信支付未能退款。请在商户平台充值后，再次确认退款',
    );
    await eventually(
      () =>
        comp.data.order?.refunds[0]?.status === 'FAILED' && comp.data.refundable === 5250 ? true : undefined,
      10000,
    );
    const sent = () => suite.wxs.calls.filter((c) => c.name === 'refund').length;
    expect(sent()).toBe(1);

    // ¥60.00 is more than the ¥52.50 left: the refused ¥10.50 is not added back to it.
    typeAmount(comp, '60');
    await eventually(() => (comp.data.refundAmount === '60' ? true : undefined));
    refundDialog(comp).instance.onConfirm();
    await eventually(() => (comp.data.refundError ? true : undefined), 10000);
    expect(comp.data.refundError).toBe('请输入 0.01 元到可退金额之间的金额');
    expect(refundDialog(comp).data).toMatchObject({ show: true, loading: { confirm: false } });
    expect(sent()).toBe(1);

    // The same ¥10.50 again fits what is left: the server asks WeChat again, now with the funds there.
    typeAmount(comp, '10.50');
    await eventually(() => (comp.data.refundAmount === '10.50' ? true : undefined));
    refundDialog(comp).instance.onConfirm();
    await eventually(
      () => (comp.data.refundOpen === false && comp.data.refundable === 4200 ? true : undefined),
      10000,
    );
    expect(sent()).toBe(2);
    const stored = (await readDoc(suite.sandbox.url, 'paykit_orders', orderNo)) as {
      refunds: Array<{ refundFee: number; status: string }>;
    };
    expect(stored.refunds).toEqual([expect.objectContaining({ refundFee: 1050 })]);
    expect(stored.refunds[0].status).not.toBe('FAILED');
  });

  test('a refund WeChat refuses for another reason says so with WeChat’s words, in the dialog', async () => {
    const { comp } = await refundDialogOpen();
    await post(`${suite.sandbox.url}/sandbox/pay/faults`, {
      ...providerFault('refund', 'USER_ACCOUNT_ABNORMAL'),
      count: 1,
    });
    refundDialog(comp).instance.onConfirm();
    await eventually(() => (comp.data.refundError ? true : undefined), 10000);
    expect(comp.data.refundError).toBe('微信支付拒绝了退款：退款请求失败');
    expect(refundDialog(comp).data).toMatchObject({ show: true, loading: { confirm: false } });
    await eventually(() => (comp.data.order?.refunds[0]?.status === 'FAILED' ? true : undefined), 10000);
    expect(comp.data.refundable).toBe(5250);
  });

  test('a refund the merchant has no permission for says what to put right, in the dialog, and holds nothing', async () => {
    const { comp } = await refundDialogOpen();
    await post(`${suite.sandbox.url}/sandbox/pay/faults`, { ...providerFault('refund', 'NOAUTH'), count: 1 });
    refundDialog(comp).instance.onConfirm();
    await eventually(() => (comp.data.refundError ? true : undefined), 10000);
    // The admin's own configuration, not "the payment is not set up, contact the merchant".
    expect(comp.data.refundError).toBe(
      '商户号未开通退款权限或配置有误，微信支付未能退款。请在商户平台（我的授权产品）开通 API 退款并检查商户号后，再次确认退款',
    );
    expect(refundDialog(comp).data).toMatchObject({ show: true, loading: { confirm: false } });
    await eventually(() => (comp.data.order?.refunds[0]?.status === 'FAILED' ? true : undefined), 10000);
    expect(comp.data.refundable).toBe(5250);
  });

  test('after WeChat refused the refund, another amount is a new refund under a new number', async () => {
    const { orderNo, comp } = await refundDialogOpen();
    await post(`${suite.sandbox.url}/sandbox/pay/faults`, {
      ...providerFault('refund', 'NOTENOUGH'),
      count: 1,
    });
    typeAmount(comp, '10.5');
    await eventually(() => (comp.data.refundAmount === '10.5' ? true : undefined));
    refundDialog(comp).instance.onConfirm();
    await eventually(
      () => (comp.data.refundError && comp.data.order?.refunds[0]?.status === 'FAILED' ? true : undefined),
      10000,
    );

    // The admin asks for less instead: not "the same refund of another amount" (the server refuses
    // that), a refund of its own.
    typeAmount(comp, '8');
    await eventually(() => (comp.data.refundAmount === '8' ? true : undefined));
    refundDialog(comp).instance.onConfirm();
    await eventually(
      () => (comp.data.refundOpen === false && comp.data.refundable === 4450 ? true : undefined),
      10000,
    );
    const numbers = suite.wxs.calls
      .filter((c) => c.name === 'refund')
      .map((c) => (c.data as { refundNo: string }).refundNo);
    expect(numbers).toHaveLength(2);
    expect(numbers[1]).not.toBe(numbers[0]);
    const stored = (await readDoc(suite.sandbox.url, 'paykit_orders', orderNo)) as {
      refunds: Array<{ refundFee: number; status: string }>;
    };
    expect(stored.refunds.map((r) => [r.refundFee, r.status === 'FAILED'])).toEqual([
      [1050, true],
      [800, false],
    ]);
  });

  /** A buyer's paid order the admin refunds ¥10.00 of: WeChat takes the refund, then ends it as `outcome`. */
  async function refundEndingAs(outcome: 'REFUNDCLOSE' | 'CHANGE'): Promise<string> {
    const base = suite.sandbox.url;
    const orderNo = await paidOrder();
    await post(`${base}/sandbox/pay/faults`, { api: 'refundResult', error: outcome, count: 1 });
    const answer = await callAs<{ code?: string }>(base, LOCAL_ADMIN, 'refund', { orderNo, refundFee: 1000 });
    expect(answer.code ?? 'ok').toBe('ok');
    await post(`${base}/sandbox/pay/settle`, {});
    const ended = outcome === 'CHANGE' ? 'CHANGE' : 'FAILED';
    await eventually(async () => {
      const doc = await readDoc<{ refunds: Array<{ status: string }> }>(base, 'paykit_orders', orderNo);
      return doc?.refunds[0]?.status === ended ? true : undefined;
    }, 10000);
    return orderNo;
  }

  test('a refund that did not go through tells the admin why, and not its buyer', async () => {
    const base = suite.sandbox.url;
    const buyer = suite.wxs.openid;
    // Turned down by WeChat: the merchant's balance is short.
    const refused = await paidOrder();
    await post(`${base}/sandbox/pay/faults`, { ...providerFault('refund', 'NOTENOUGH'), count: 1 });
    const answer = await callAs<{ code?: string }>(base, LOCAL_ADMIN, 'refund', {
      orderNo: refused,
      refundFee: 1000,
    });
    expect(answer.code).toBe('REFUND_REFUSED');
    const closed = await refundEndingAs('REFUNDCLOSE');
    const abnormal = await refundEndingAs('CHANGE');

    suite.wxs.openid = LOCAL_ADMIN;
    const admin = await openDetail(refused);
    expect(text(admin, '#refund-0')).toContain('退款失败');
    // WeChat's words, without the error code APIv3 puts before them.
    expect(text(admin, '#refund-problem-0').trim()).toMatch(/^失败原因：[^A-Z]*余额不足/);
    expect(text(await openDetail(closed), '#refund-problem-0')).toContain(
      '微信支付关闭了这笔退款，款项未退出，可重新发起退款',
    );
    const change = await openDetail(abnormal);
    expect(text(change, '#refund-0')).toContain('退款异常');
    expect(text(change, '#refund-problem-0')).toContain('微信支付商户平台「交易中心」手动处理');

    // The merchant's business is not the buyer's: the refund says 退款失败, and no more.
    suite.wxs.openid = buyer;
    const own = await openDetail(refused);
    expect(text(own, '#refund-0')).toContain('退款失败');
    expect(own.querySelector('#refund-problem-0')).toBeUndefined();
    expect(own.data.order.refunds[0].failure).toBeUndefined();
  });

  test('the owner’s actions are not the admin’s, and the buyer has no 退款', async () => {
    const { orderNo } = await newOrder();
    const buyer = suite.wxs.openid;
    const own = await openDetail(orderNo);
    expect(own.data).toMatchObject({ own: true, refundable: 0 });
    expect(own.querySelector('#pay')).toBeDefined();
    expect(own.querySelector('#refund')).toBeUndefined();

    suite.wxs.openid = LOCAL_ADMIN;
    const admin = await openDetail(orderNo);
    expect(admin.data).toMatchObject({ own: false, refundable: 0 });
    expect(text(admin, '#status')).toContain('待支付');
    for (const id of ['#pay', '#close', '#refund']) expect(admin.querySelector(id)).toBeUndefined();
    expect(buyer).not.toBe(LOCAL_ADMIN);
  });

  test('a shipped order: 确认收货 is the buyer’s, 退款 the admin’s', async () => {
    const base = suite.sandbox.url;
    const orderNo = await paidOrder();
    // WeChat's shipping service knows a payment only after a while; then the admin ships.
    const { unknownWindowMs } = await get<{ unknownWindowMs: number }>(`${base}/sandbox/shipping/config`);
    await post(`${base}/sandbox/clock`, { action: 'advance', ms: unknownWindowMs + 1000 });
    await post(`${base}/sandbox/triggers/settle`, {});
    await callAs(base, LOCAL_ADMIN, 'shipOrder', { orderNo, packages: [zto('ZT7300000000002', '美式咖啡')] });

    const mine = await openDetail(orderNo);
    expect(text(mine, '#shipment-state')).toContain('已发货');
    expect(text(mine, '#confirm-receipt')).toContain('确认收货');
    expect(mine.querySelector('#refund')).toBeUndefined();

    suite.wxs.openid = LOCAL_ADMIN;
    const admin = await openDetail(orderNo);
    expect(text(admin, '#shipment-state')).toContain('已发货');
    expect(admin.querySelector('#confirm-receipt')).toBeUndefined();
    expect(text(admin, '#refund')).toContain('退款');
  });
});
