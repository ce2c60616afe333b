/**
 * The order detail after payment, with real vant against a real sandbox: the shipment (company,
 * tracking number, items), and 确认收货 through WeChat's confirm-receipt component (the sandbox's
 * stand-in answers, App.onShow hands the result to the kit, the server checks with WeChat). A
 * result the client makes up changes nothing.
 */
import { callPaykit } from '../../../miniprogram/paykit/client';
import { ORDER_CONFIRM_APPID, receiptReturned } from '../../../miniprogram/paykit/receipt';
import { callAs, eventually, get, post, readDoc, send } from '../../helpers/control';
import { merchantArgs } from '../../helpers/kit';
import { miniprogramSuite } from '../../helpers/mp-suite';
import { openOrderDetail, type SimComponent } from '../../helpers/simulate';

const ADMIN = 'o_receipt_admin';
let users = 0;
let opened: SimComponent[] = [];

const suite = miniprogramSuite({
  user: () => `o_receipt_${process.pid}_${++users}`,
  start: { args: merchantArgs(ADMIN) },
});

afterEach(() => {
  for (const comp of opened) comp.instance.onUnload();
  opened = [];
  suite.wxs.uninstall();
});

/** The current user buys and pays the demo seed's express tea; the admin ships it with ZTO. */
async function shippedOrder(): Promise<{ orderNo: string; transactionId: string }> {
  const base = suite.sandbox.url;
  const { orderNo, payment } = await callPaykit('unifiedOrder', {
    items: [{ sku: 'tea-oolong', quantity: 2 }],
  });
  const paid = await send('POST', `${base}/gateway/pay`, {
    ...payment,
    openid: suite.wxs.openid,
    action: 'pay',
  });
  expect(paid.body).toMatchObject({ errMsg: 'requestPayment:ok' });
  // The notification handled (onPaid included) before the clock jumps past the hook's lease.
  await post(`${base}/sandbox/pay/settle`, {});
  const doc = (await readDoc<{ status: string; transactionId: string }>(base, 'paykit_orders', orderNo))!;
  expect(doc.status).toBe('SUCCESS');
  // WeChat's shipping service learns of a payment about a minute after it; the sweep the jump may
  // fire ends before the admin ships.
  const { unknownWindowMs } = await get<{ unknownWindowMs: number }>(`${base}/sandbox/shipping/config`);
  await post(`${base}/sandbox/clock`, { action: 'advance', ms: unknownWindowMs + 1000 });
  await post(`${base}/sandbox/triggers/settle`, {});
  const shipped = await callAs<{ ok: boolean }>(base, ADMIN, 'shipOrder', {
    orderNo,
    packages: [{ itemDesc: '乌龙茶×2', trackingNo: 'ZT7000000001', expressCompany: 'ZTO' }],
  });
  expect(shipped.ok).toBe(true);
  return { orderNo, transactionId: doc.transactionId };
}

async function openDetail(orderNo: string): Promise<SimComponent> {
  const { comp } = await openOrderDetail(orderNo, { ms: 5000 });
  opened.push(comp);
  return comp;
}

const text = (comp: SimComponent, selector: string) => comp.querySelector(selector)?.dom?.textContent ?? '';
const shippingState = (comp: SimComponent) =>
  (comp.data.order as { shipping?: { state: string } }).shipping?.state;

test('the order page shows the shipment, and 确认收货 confirms it through WeChat’s component', async () => {
  const { orderNo } = await shippedOrder();
  const comp = await openDetail(orderNo);
  expect(text(comp, '#shipment-state')).toContain('已发货');
  expect(text(comp, '#shipment-method')).toContain('快递');
  expect(text(comp, '#package-0')).toContain('中通快递 ZT7000000001');
  expect(text(comp, '#package-0')).toContain('乌龙茶×2');

  const toast = jest.spyOn(wx, 'showToast');
  comp.querySelector('#confirm-receipt')!.querySelector('.van-button')!.dispatchEvent('tap');
  await eventually(
    () =>
      ['CONFIRMED', 'SETTLED'].includes(shippingState(comp) ?? '') && !comp.data.loading ? true : undefined,
    8000,
  );
  expect(toast).toHaveBeenCalledWith(expect.objectContaining({ title: '已确认收货' }));
  expect(text(comp, '#shipment-state')).toMatch(/已确认收货|已完成/);
  expect(comp.querySelector('#confirm-receipt')).toBeUndefined();
  expect(suite.wxs.calls.filter((c) => c.name === 'confirmReceipt')).toHaveLength(1);
  toast.mockRestore();
});

test('a forged confirm-receipt result from the client changes nothing', async () => {
  const { orderNo, transactionId } = await shippedOrder();
  const comp = await openDetail(orderNo);
  // What App.onShow would get had the component said success; the buyer never confirmed at WeChat.
  const result = await receiptReturned({
    referrerInfo: {
      appId: ORDER_CONFIRM_APPID,
      extraData: { status: 'success', req_extradata: { transaction_id: transactionId } },
    },
  });
  expect(result).toEqual(
    expect.objectContaining({
      outcome: 'failed',
      error: expect.objectContaining({ code: 'RECEIPT_NOT_CONFIRMED' }),
    }),
  );
  await eventually(() => (!comp.data.loading ? true : undefined), 5000);
  expect(shippingState(comp)).toBe('SHIPPED');
  expect(text(comp, '#shipment-state')).toContain('已发货');
  // Another app's return, or none at all, is not a receipt.
  expect(
    await receiptReturned({ referrerInfo: { appId: 'wx0000000000000000', extraData: {} } }),
  ).toBeUndefined();
  expect(await receiptReturned({})).toBeUndefined();
  const stored = await readDoc<{ shipping: { state: string } }>(suite.sandbox.url, 'paykit_orders', orderNo);
  expect(stored?.shipping.state).toBe('SHIPPED');
});

test('someone else confirming in the component is refused by WeChat: nothing moves', async () => {
  const { orderNo } = await shippedOrder();
  const comp = await openDetail(orderNo);
  // The page is the buyer's; a different WeChat user is in front of the component.
  suite.wxs.openid = 'o_receipt_stranger';
  const results: string[] = [];
  suite.wxs.appShow = async (options) => {
    const r = await receiptReturned(options);
    if (r) results.push(r.outcome);
  };
  comp.querySelector('#confirm-receipt')!.querySelector('.van-button')!.dispatchEvent('tap');
  await eventually(() => (results.length ? true : undefined), 5000);
  expect(results).toEqual(['cancelled']);
  const stored = await readDoc<{ shipping: { state: string } }>(suite.sandbox.url, 'paykit_orders', orderNo);
  expect(stored?.shipping.state).toBe('SHIPPED');
});

test('back on the page without the component’s result (left by the home button): 确认收货 works again', async () => {
  const { orderNo, transactionId } = await shippedOrder();
  const comp = await openDetail(orderNo);
  const button = () => comp.querySelector('#confirm-receipt')!.querySelector('.van-button')!;
  // The app comes back to the foreground with no referrerInfo: WeChat hands over no result.
  suite.wxs.appShow = (options) => receiptReturned({ ...options, referrerInfo: undefined });
  button().dispatchEvent('tap');
  await eventually(() => (comp.data.confirmingReceipt ? true : undefined), 5000);
  comp.instance.onHide();
  comp.instance.onShow();
  await eventually(() => (comp.data.confirmingReceipt ? undefined : true), 5000);
  expect(comp.querySelector('#confirm-receipt')!.data.loading).toBe(false);

  // A result on its way keeps the button busy when the page shows (App.onShow runs first).
  suite.wxs.appShow = () => undefined;
  button().dispatchEvent('tap');
  await eventually(() => (comp.data.confirmingReceipt ? true : undefined), 5000);
  const toast = jest.spyOn(wx, 'showToast');
  const returned = receiptReturned({
    referrerInfo: {
      appId: ORDER_CONFIRM_APPID,
      extraData: { status: 'success', req_extradata: { transaction_id: transactionId } },
    },
  });
  comp.instance.onShow();
  expect(comp.data.confirmingReceipt).toBe(true);
  await returned;
  await eventually(() => (toast.mock.calls.length ? true : undefined), 5000);
  expect(comp.data.confirmingReceipt).toBe(false);
  toast.mockRestore();
});
