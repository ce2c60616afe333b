/**
 * pages/admin/to-ship rendered with real vant against a real sandbox: a non-admin is refused, the
 * admin sees the paid orders awaiting shipment and ships one through the form (the order leaves the
 * list and WeChat has it shipped); SF without the masked contact is refused with the reason; the list
 * pages by cursor as the admin reaches the bottom, and keeps its pages (refreshed) on return.
 */
import {
  callAs,
  eventually,
  get,
  paidWithoutTransactionId,
  post,
  readDoc,
  seedOrderNo,
  seedOrders,
  send,
  type SeedOrder,
} from '../../helpers/control';
import { merchantArgs } from '../../helpers/kit';
import { zto } from '../../helpers/shipping-kit';
import { miniprogramSuite } from '../../helpers/mp-suite';
import { loadComp, renderComp, type SimComponent } from '../../helpers/simulate';

const ADMIN = 'oToShipAdmin';
const BUYER = `o_to_ship_buyer_${process.pid}`;
let user = ADMIN;

const suite = miniprogramSuite({ start: { args: merchantArgs(ADMIN) }, user: () => user });

afterEach(() => {
  user = ADMIN;
  suite.wxs.uninstall();
  jest.restoreAllMocks();
});

/** The buyer pays for the demo seed's express tea; WeChat's shipping service then knows it. */
async function paidOrder(): Promise<string> {
  const base = suite.sandbox.url;
  const placed = await callAs<{ ok: boolean; data: { orderNo: string; payment: Record<string, string> } }>(
    base,
    BUYER,
    'unifiedOrder',
    { items: [{ sku: 'tea-oolong', quantity: 1 }] },
  );
  const { orderNo, payment } = placed.data;
  const paid = await send('POST', `${base}/gateway/pay`, { ...payment, openid: BUYER, action: 'pay' });
  expect(paid.body).toMatchObject({ errMsg: 'requestPayment:ok' });
  // The notification handled (onPaid included) before the clock jumps past the hook's lease, and
  // the sweep the jump may fire finished: neither runs on beside the test.
  await post(`${base}/sandbox/pay/settle`, {});
  expect((await readDoc<{ status: string }>(base, 'paykit_orders', orderNo))!.status).toBe('SUCCESS');
  const { unknownWindowMs } = await get<{ unknownWindowMs: number }>(`${base}/sandbox/shipping/config`);
  await post(`${base}/sandbox/clock`, { action: 'advance', ms: unknownWindowMs + 1000 });
  await post(`${base}/sandbox/triggers/settle`, {});
  return orderNo;
}

async function openToShip(): Promise<SimComponent> {
  const { comp } = renderComp(loadComp('pages/admin/to-ship/index'));
  // As the framework opens a page.
  comp.instance.onLoad?.();
  comp.instance.onShow?.();
  await eventually(() => (!comp.data.loading ? true : undefined), 5000);
  return comp;
}

const tap = (comp: SimComponent, id: string) =>
  comp.querySelector(id)!.querySelector('.van-button')!.dispatchEvent('tap');

/** Types into a van-field as the admin would: the field's change event with the text. */
const type = (comp: SimComponent, id: string, value: string) =>
  comp.querySelector(id)!.dispatchEvent('change', { detail: value });

const formError = (comp: SimComponent) => comp.querySelector('#form-error')?.dom?.textContent?.trim();

/** Submits the open form; it must say `wanted` (events reach the page asynchronously: wait for it). */
async function submitRefused(comp: SimComponent, wanted: string): Promise<void> {
  tap(comp, '#submit');
  await eventually(() => (formError(comp) === wanted ? true : undefined), 3000).catch(() => undefined);
  expect(formError(comp)).toBe(wanted);
}

test('a non-admin gets the FORBIDDEN message, and 重新加载 asks again', async () => {
  user = BUYER;
  suite.wxs.openid = BUYER;
  const comp = await openToShip();
  expect(comp.querySelector('#error')!.dom!.textContent).toContain('没有权限');
  expect(comp.querySelector('#empty')).toBeUndefined();
  // Once the cause is gone (here the page calls as the admin from now on), 重新加载 loads the list.
  user = ADMIN;
  suite.wxs.openid = ADMIN;
  const asked = suite.wxs.calls.length;
  tap(comp, '#retry');
  await eventually(
    () => (comp.data.loaded && !comp.data.loading && !comp.data.error ? true : undefined),
    5000,
  );
  expect(suite.wxs.calls.length).toBe(asked + 1);
  expect(comp.querySelector('#error')).toBeUndefined();
  expect(comp.querySelector('#empty')!.dom!.textContent).toContain('没有待发货的订单');
});

test('the admin ships an order from the list with the form', async () => {
  const orderNo = await paidOrder();
  const comp = await openToShip();
  expect(comp.querySelector(`#order-${orderNo}`)!.dom!.textContent).toContain('乌龙茶');
  expect(comp.querySelector(`#order-${orderNo}`)!.dom!.textContent).toContain('快递');

  tap(comp, `#ship-${orderNo}`);
  await eventually(() => (comp.data.form ? true : undefined), 5000);
  expect(comp.data.form).toEqual(
    expect.objectContaining({ orderNo, packages: [expect.objectContaining({ itemDesc: '乌龙茶' })] }),
  );
  expect(comp.querySelector('#form')).toBeTruthy();
  // The method and the company (SF, only the first of the list) are choices the admin can change,
  // and look it: cells with vant's arrow beside their labels, as the pickers show them.
  expect(comp.querySelector('#method')!.data).toMatchObject({
    isLink: true,
    title: '配送方式',
    value: '快递',
  });
  expect(comp.querySelector('#company-0')!.data).toMatchObject({
    isLink: true,
    title: '快递公司',
    value: '顺丰速运',
  });
  // SF (the first company) without the masked contact: refused, with the reason in the form, in
  // the kit's words (the server's own text starts with the field path, packages[0]).
  const toast = jest.spyOn(wx, 'showToast');
  type(comp, '#tracking-no-0', 'SF1234567890123');
  tap(comp, '#submit');
  await eventually(() => (comp.querySelector('#form-error') ? true : undefined), 5000);
  expect(formError(comp)).toBe('顺丰快递需填写寄件人或收件人的联系方式（掩码手机号）');
  expect(comp.data.form).not.toBeNull();

  type(comp, '#contact-0', '189****1234');
  tap(comp, '#submit');
  await eventually(() => (comp.data.form === null ? true : undefined), 5000);
  expect(toast).toHaveBeenLastCalledWith(expect.objectContaining({ title: '已发货' }));
  expect(comp.querySelector(`#order-${orderNo}`)).toBeUndefined();
  const stored = await readDoc<{ shipping: { state: string; shipments: Array<{ packages: unknown[] }> } }>(
    suite.sandbox.url,
    'paykit_orders',
    orderNo,
  );
  expect(stored?.shipping.state).toBe('SHIPPED');
  expect(stored?.shipping.shipments[0].packages).toEqual([
    {
      itemDesc: '乌龙茶',
      trackingNo: 'SF1234567890123',
      expressCompany: 'SF',
      contact: { receiverContact: '189****1234' },
    },
  ]);
});

test('tapping a row opens its order (to refund it, say); tapping 发货 does not', async () => {
  const orderNo = await paidOrder();
  const navigate = jest.spyOn(wx, 'navigateTo');
  const comp = await openToShip();
  tap(comp, `#ship-${orderNo}`);
  await eventually(() => (comp.data.form ? true : undefined), 5000);
  expect(navigate).not.toHaveBeenCalled();
  comp.instance.onFormClose();

  comp.querySelector(`#order-${orderNo}`)!.querySelector('.van-cell')!.dispatchEvent('tap');
  await eventually(() => (navigate.mock.calls.length ? true : undefined));
  expect(navigate).toHaveBeenCalledWith(
    expect.objectContaining({ url: `/pages/orders/detail/index?orderNo=${orderNo}` }),
  );
  // Shipped, so that it leaves the list for the tests after this one.
  await callAs(suite.sandbox.url, ADMIN, 'shipOrder', {
    orderNo,
    packages: [zto('ZT7300000000001', '乌龙茶')],
  });
});

test('shipped while a pull-down is on a slow network: its older page does not list the order again', async () => {
  const orderNo = await paidOrder();
  const comp = await openToShip();
  const reload = suite.wxs.holdNextAnswer('listToShip');
  const pulled = comp.instance.onPullDownRefresh();
  tap(comp, `#ship-${orderNo}`);
  await eventually(() => (comp.data.form ? true : undefined), 5000);
  type(comp, '#tracking-no-0', 'SF1234567890124');
  type(comp, '#contact-0', '189****1234');
  tap(comp, '#submit');
  await eventually(() => (comp.data.form === null ? true : undefined), 5000);

  // The pull-down asked before the shipment: its page lists the order to ship, and comes last. Listed
  // again, a second 发货 would spend the one re-shipment WeChat allows.
  await reload.release();
  await pulled;
  expect(comp.data.orders.map((o: { orderNo: string }) => o.orderNo)).not.toContain(orderNo);
  expect(comp.querySelector(`#order-${orderNo}`)).toBeUndefined();
});

test('an order shipped meanwhile (from another phone) leaves the list on return', async () => {
  const orderNo = await paidOrder();
  const comp = await openToShip();
  expect(comp.querySelector(`#order-${orderNo}`)).toBeDefined();
  comp.instance.onHide?.();

  await callAs(suite.sandbox.url, ADMIN, 'shipOrder', {
    orderNo,
    packages: [zto('ZT7300000000003', '乌龙茶')],
  });
  comp.instance.onShow();
  await eventually(() => (comp.querySelector(`#order-${orderNo}`) ? undefined : true), 5000);
  expect(comp.data.orders).not.toContainEqual(expect.objectContaining({ orderNo }));
});

test('shipped from another phone while the form was open: 发货 spends nothing, says so, and the list reloads', async () => {
  const orderNo = await paidOrder();
  const comp = await openToShip();
  tap(comp, `#ship-${orderNo}`);
  await eventually(() => (comp.data.form ? true : undefined), 5000);
  type(comp, '#tracking-no-0', 'SF1234567890125');
  type(comp, '#contact-0', '189****1234');

  // The other phone ships it meanwhile; this list still shows it awaiting its first shipment.
  await callAs(suite.sandbox.url, ADMIN, 'shipOrder', {
    orderNo,
    shipments: 0,
    packages: [zto('ZT7300000000005', '乌龙茶')],
  });
  await submitRefused(comp, '该订单已在别处发货或状态已变化，本次未发货。列表已刷新');
  await eventually(() => (comp.querySelector(`#order-${orderNo}`) ? undefined : true), 5000);
  // WeChat's one re-shipment is left: the shipment is the other phone's alone.
  const stored = await readDoc<{ shipping: { count: number; shipments: Array<{ packages: unknown[] }> } }>(
    suite.sandbox.url,
    'paykit_orders',
    orderNo,
  );
  expect(stored?.shipping.count).toBe(1);
  expect(stored?.shipping.shipments[0].packages).toEqual([zto('ZT7300000000005', '乌龙茶')]);
});

test('an order paid without a WeChat Pay transaction id: 发货 says where it can be shipped, not that it changed', async () => {
  const order = paidWithoutTransactionId(seedOrderNo(20240602000000, 1), BUYER);
  await seedOrders(suite.sandbox.url, [order]);
  const comp = await openToShip();
  tap(comp, `#ship-${order.orderNo}`);
  await eventually(() => (comp.data.form ? true : undefined), 5000);
  type(comp, '#tracking-no-0', 'SF1234567890126');
  type(comp, '#contact-0', '189****1234');
  const listed = suite.wxs.calls.filter((c) => c.name === 'listToShip').length;

  await submitRefused(comp, '该订单缺少微信支付单号，无法在此发货，请到小程序管理后台「发货信息管理」中录入');
  // Nothing changed meanwhile: the list stays as the admin had it, the order on it.
  expect(suite.wxs.calls.filter((c) => c.name === 'listToShip')).toHaveLength(listed);
  expect(comp.querySelector(`#order-${order.orderNo}`)).toBeDefined();
  const stored = await readDoc<{ shipping: { count: number } }>(
    suite.sandbox.url,
    'paykit_orders',
    order.orderNo,
  );
  expect(stored?.shipping.count).toBe(0);
  // Closed, so that it leaves the list for the tests after this one.
  await seedOrders(suite.sandbox.url, [{ ...order, status: 'CLOSED', awaitingShipment: false }]);
});

test('a row says what was refunded already, so the admin ships only the rest', async () => {
  const orderNo = await paidOrder();
  const base = suite.sandbox.url;
  const refunded = await callAs<{ code?: string }>(base, ADMIN, 'refund', { orderNo, refundFee: 800 });
  expect(refunded.code ?? 'ok').toBe('ok');
  await post(`${base}/sandbox/pay/settle`, {});
  await eventually(async () => {
    const doc = await readDoc<{ status: string }>(base, 'paykit_orders', orderNo);
    return doc?.status === 'REFUND' ? true : undefined;
  }, 5000);

  const comp = await openToShip();
  const row = comp.querySelector(`#order-${orderNo}`)!.dom!.textContent!;
  expect(row).toContain('¥16.00');
  expect(row).toContain('已退款 ¥8.00');
  // Shipped, so that it leaves the list for the tests after this one.
  await callAs(base, ADMIN, 'shipOrder', { orderNo, packages: [zto('ZT7300000000004', '乌龙茶')] });
});

test('a row says what WeChat Pay is still refunding, so the admin does not ship goods being paid back', async () => {
  const base = suite.sandbox.url;
  // WeChat carries refunds out over a while: the whole ¥16.00 stays on its way back meanwhile.
  await post(`${base}/sandbox/pay/config`, { refundProcessingMs: 3_600_000 });
  try {
    const orderNo = await paidOrder();
    const refunding = await callAs<{ code?: string }>(base, ADMIN, 'refund', { orderNo, refundFee: 1600 });
    expect(refunding.code ?? 'ok').toBe('ok');
    expect(
      (await readDoc<{ refunds: Array<{ status: string }> }>(base, 'paykit_orders', orderNo))!.refunds,
    ).toEqual([expect.objectContaining({ status: 'PROCESSING' })]);

    const comp = await openToShip();
    const row = comp.querySelector(`#order-${orderNo}`)!.dom!.textContent!;
    expect(row).toContain('退款中 ¥16.00');
    expect(row).not.toContain('已退款');
    // WeChat finishes the refund: the order leaves the list (for the tests after this one too).
    await post(`${base}/sandbox/clock`, { action: 'advance', ms: 3_600_000 + 1000 });
    await post(`${base}/sandbox/pay/settle`, {});
    await eventually(async () => {
      const doc = await readDoc<{ shipping?: { state: string } }>(base, 'paykit_orders', orderNo);
      return doc?.shipping?.state === 'REFUNDED' ? true : undefined;
    }, 10000);
  } finally {
    await post(`${base}/sandbox/pay/config`, { refundProcessingMs: 0 });
  }
});

test('an express order shipped in two packages (分拆发货), one added and one removed on the way', async () => {
  const orderNo = await paidOrder();
  const comp = await openToShip();
  tap(comp, `#ship-${orderNo}`);
  await eventually(() => (comp.data.form ? true : undefined), 5000);
  // One package: no heading, no remove button.
  expect(comp.querySelector('#remove-package-0')).toBeUndefined();
  const packages = () => comp.querySelectorAll('.to-ship__package').length;
  tap(comp, '#add-package');
  tap(comp, '#add-package');
  await eventually(() => (packages() === 3 ? true : undefined), 5000);
  expect(comp.querySelector('#form')!.dom!.textContent).toContain('包裹 3');
  tap(comp, '#remove-package-1');
  await eventually(() => (packages() === 2 ? true : undefined), 5000);

  // The second package: another company (the picker's second entry, 中通), its own number and contents.
  comp.querySelector('#company-picker-1')!.dispatchEvent('change', { detail: { value: '1' } });
  type(comp, '#tracking-no-0', 'SF1234567890123');
  type(comp, '#contact-0', '189****1234');
  type(comp, '#tracking-no-1', 'ZT9876543210');
  type(comp, '#item-desc-1', '赠品');
  const toast = jest.spyOn(wx, 'showToast');
  tap(comp, '#submit');
  await eventually(() => (comp.data.form === null ? true : undefined), 5000);
  expect(toast).toHaveBeenLastCalledWith(expect.objectContaining({ title: '已发货' }));
  const stored = await readDoc<{ shipping: { shipments: Array<{ packages: unknown[] }> } }>(
    suite.sandbox.url,
    'paykit_orders',
    orderNo,
  );
  expect(stored?.shipping.shipments[0].packages).toEqual([
    {
      itemDesc: '乌龙茶',
      trackingNo: 'SF1234567890123',
      expressCompany: 'SF',
      contact: { receiverContact: '189****1234' },
    },
    { itemDesc: '赠品', trackingNo: 'ZT9876543210', expressCompany: 'ZTO' },
  ]);
});

test('a form not filled in says what is missing, per package, before anything is sent', async () => {
  const orderNo = await paidOrder();
  const comp = await openToShip();
  tap(comp, `#ship-${orderNo}`);
  await eventually(() => (comp.data.form ? true : undefined), 5000);
  const toast = jest.spyOn(wx, 'showToast');

  await submitRefused(comp, '请填写运单号');
  type(comp, '#tracking-no-0', 'SF 1234');
  // Typing clears what the form said.
  await eventually(() => (comp.querySelector('#form-error') ? undefined : true), 5000);
  await submitRefused(comp, '运单号只能包含字母、数字和 -');
  type(comp, '#tracking-no-0', 'SF1234567890123');
  type(comp, '#contact-0', '18912341234');
  await submitRefused(comp, '联系电话请填写掩码手机号，如 189****1234');
  type(comp, '#contact-0', '189****1234');
  tap(comp, '#add-package');
  await eventually(() => (comp.querySelector('#tracking-no-1') ? true : undefined), 5000);
  await submitRefused(comp, '包裹 2：请填写商品描述（120 字以内）');
  type(comp, '#item-desc-1', '赠品');
  await submitRefused(comp, '包裹 2：请填写运单号');

  expect(suite.wxs.calls.filter((c) => c.name === 'shipOrder')).toEqual([]);
  expect(toast).not.toHaveBeenCalled();
  expect(comp.data.form).not.toBeNull();
  // Put right, it ships.
  type(comp, '#tracking-no-1', 'SF1234567890124');
  tap(comp, '#submit');
  await eventually(() => (comp.data.form === null ? true : undefined), 5000);
  expect(toast).toHaveBeenLastCalledWith(expect.objectContaining({ title: '已发货' }));
});

test('what the form said goes when the admin changes what it was about (a package removed, the method)', async () => {
  const orderNo = await paidOrder();
  const comp = await openToShip();
  tap(comp, `#ship-${orderNo}`);
  await eventually(() => (comp.data.form ? true : undefined), 5000);
  const gone = () => eventually(() => (comp.querySelector('#form-error') ? undefined : true), 3000);

  type(comp, '#tracking-no-0', 'SF1234567890123');
  type(comp, '#contact-0', '189****1234');
  tap(comp, '#add-package');
  await eventually(() => (comp.querySelector('#tracking-no-1') ? true : undefined), 5000);
  type(comp, '#item-desc-1', '赠品');
  await submitRefused(comp, '包裹 2：请填写运单号');
  // Package 2 removed: there is no 包裹 2 left to fill in.
  tap(comp, '#remove-package-1');
  await gone();

  type(comp, '#contact-0', '18912341234');
  await submitRefused(comp, '联系电话请填写掩码手机号，如 189****1234');
  // 同城配送 has no contact to fill in.
  comp.querySelector('#method-picker')!.dispatchEvent('change', { detail: { value: '1' } });
  await gone();
  expect(suite.wxs.calls.filter((c) => c.name === 'shipOrder')).toEqual([]);
  // Shipped, so that it leaves the list for the tests after this one.
  tap(comp, '#submit');
  await eventually(() => (comp.data.form === null ? true : undefined), 5000);
});

test('the list pages by cursor as the admin reaches the bottom, oldest first', async () => {
  const start = Date.now() - 3_600_000;
  const awaiting: SeedOrder[] = Array.from({ length: 25 }, (_, i) => ({
    orderNo: seedOrderNo(20240601000000 + i, i),
    openid: BUYER,
    status: 'SUCCESS',
    totalFee: 100 + i,
    createdAt: start + i * 1000,
    awaitingShipment: true,
  }));
  await seedOrders(suite.sandbox.url, awaiting);
  const comp = await openToShip();
  const shown = () => (comp.data.orders as Array<{ orderNo: string }>).map((o) => o.orderNo);
  expect(shown()).toEqual(awaiting.slice(0, 20).map((o) => o.orderNo));
  expect(comp.data.finished).toBe(false);

  comp.instance.onReachBottom();
  await eventually(() => (comp.data.finished && !comp.data.loading ? true : undefined), 5000);
  expect(shown()).toEqual(awaiting.map((o) => o.orderNo));
  expect(comp.dom!.textContent).toContain('没有更多了');
  // At the end, reaching the bottom again asks for nothing.
  const asked = suite.wxs.calls.length;
  comp.instance.onReachBottom();
  expect(suite.wxs.calls.length).toBe(asked);

  // Back from an order opened on the second page: both pages stay, asked for again, not cut to the first.
  comp.instance.onHide?.();
  const listed = () => suite.wxs.calls.filter((c) => c.name === 'listToShip').length;
  const before = listed();
  comp.instance.onShow();
  await eventually(() => (listed() === before + 2 && !comp.data.loading ? true : undefined), 5000);
  expect(shown()).toEqual(awaiting.map((o) => o.orderNo));
  expect(comp.data.finished).toBe(true);
});
