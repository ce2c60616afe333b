/**
 * pages/orders/list rendered with real vant against a real sandbox: tabs by status, newest first,
 * load-more by cursor (sending only the new rows to the view), pull-down refresh, the pages kept
 * (refreshed) on return from another page, the empty state, and paying an unpaid order from its row.
 */
import * as fs from 'fs';
import { callPaykit } from '../../../miniprogram/paykit/client';
import { eventually, readDoc, type SeedOrder, seedOrderNo, seedOrders, send } from '../../helpers/control';
import {
  holdNavigation,
  loadComp,
  recordSetData,
  renderComp,
  simulate,
  type SetDataCall,
  type SimComponent,
} from '../../helpers/simulate';
import { miniprogramSuite } from '../../helpers/mp-suite';

const USER = `o_list_${process.pid}`;
const NOW = Date.now();
/** 100 orders, one a minute back from now: every 10th unpaid, every 7th closed, the rest paid. */
const SEEDED: SeedOrder[] = Array.from({ length: 100 }, (_, i) => {
  const createdAt = NOW - i * 60_000 - 1000;
  const status = i % 10 === 0 ? 'NOTPAY' : i % 7 === 0 ? 'CLOSED' : 'SUCCESS';
  return {
    orderNo: seedOrderNo(20240501000000 + i, i),
    openid: USER,
    status,
    totalFee: 100 + i,
    createdAt,
    // Unpaid ones stay payable for the whole test.
    expiresAt: createdAt + 3 * 3_600_000,
  };
});

const suite = miniprogramSuite({
  seed: (url) => seedOrders(url, SEEDED),
  user: () => USER,
});

afterEach(() => {
  suite.wxs.uninstall();
  jest.restoreAllMocks();
});

interface Row {
  orderNo: string;
  status: string;
}

function rows(comp: SimComponent): Row[] {
  return comp.data.orders as Row[];
}

/** Renders the page and runs its load/show lifecycle, as the framework does on navigation. */
async function openList(query: Record<string, string> = {}): Promise<{
  comp: SimComponent;
  calls: SetDataCall[];
  close(): void;
}> {
  const { comp } = renderComp(loadComp('pages/orders/list/index'));
  const { calls } = recordSetData(comp);
  comp.instance.onLoad(query);
  comp.instance.onShow();
  await eventually(() => (comp.data.loaded && !comp.data.loading ? true : undefined), 5000);
  return { comp, calls, close: () => comp.instance.onUnload() };
}

/** Taps the pay button of the row of `orderNo`. */
function tapPay(comp: SimComponent, orderNo: string): void {
  comp
    .querySelector(`#pay-${orderNo}`)!
    .querySelector('#pay-button')!
    .querySelector('.van-button')!
    .dispatchEvent('tap');
}

async function loadMore(comp: SimComponent): Promise<void> {
  const before = rows(comp).length;
  comp.instance.onReachBottom();
  await eventually(() => (!comp.data.loading && rows(comp).length > before ? true : undefined), 5000);
}

/** Index keys of `orders[…]` paths in one setData payload. */
function rowIndexes(call: SetDataCall): number[] {
  return call.keys.flatMap((key) => {
    const m = /^orders\[(\d+)\]/.exec(key);
    return m ? [Number(m[1])] : [];
  });
}

describe('orders list page', () => {
  test('loads 5 pages of 20 newest first, sending only the new rows each time', async () => {
    const { comp, calls, close } = await openList();
    const pageBytes: number[] = [];
    const firstPage = calls.filter((c) => c.keys.includes('orders'));
    expect(firstPage).toHaveLength(1);
    pageBytes.push(firstPage[0].bytes);
    expect(rows(comp)).toHaveLength(20);

    for (let page = 1; page < 5; page++) {
      const shown = rows(comp).length;
      const mark = calls.length;
      await loadMore(comp);
      const later = calls.slice(mark);
      // Never the whole list again, and never a row that was already on screen.
      expect(later.some((c) => c.keys.includes('orders'))).toBe(false);
      const indexes = later.flatMap(rowIndexes);
      expect(indexes.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => shown + i));
      pageBytes.push(later.filter((c) => rowIndexes(c).length > 0).reduce((sum, c) => sum + c.bytes, 0));
    }

    expect(rows(comp).map((r) => r.orderNo)).toEqual(SEEDED.map((o) => o.orderNo));
    expect(comp.data.finished).toBe(true);
    // Each page costs about the same: no page carries earlier rows (the 5th would be 5× the 1st).
    for (const bytes of pageBytes) expect(bytes).toBeLessThan(pageBytes[0] * 1.5);
    expect(pageBytes[0]).toBeGreaterThan(0);
    // `npm run bench -- miniprogram` runs this test to record the figures.
    const report = process.env.PAYKIT_SETDATA_REPORT;
    if (report) {
      const totalBytes = calls.reduce((sum, c) => sum + c.bytes, 0);
      fs.writeFileSync(report, JSON.stringify({ pageBytes, totalBytes }));
    }

    // At the end, reaching the bottom again asks for nothing.
    const asked = suite.wxs.calls.length;
    comp.instance.onReachBottom();
    expect(suite.wxs.calls.length).toBe(asked);
    expect(comp.dom!.textContent).toContain('没有更多了');
    close();
  });

  test('each row shows amount, status tag and time; unpaid rows the time left and a pay button', async () => {
    const { comp, close } = await openList();
    const unpaid = comp.querySelector(`#order-${SEEDED[0].orderNo}`)!.dom!.textContent!;
    expect(unpaid).toContain('¥1.00');
    expect(unpaid).toContain('待支付');
    expect(unpaid).toMatch(/剩余支付时间 2:5\d:\d\d/);
    expect(unpaid).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    expect(unpaid).toContain('立即支付');
    const paid = comp.querySelector(`#order-${SEEDED[1].orderNo}`)!.dom!.textContent!;
    expect(paid).toContain('¥1.01');
    expect(paid).toContain('已支付');
    expect(paid).not.toContain('立即支付');
    close();
  });

  test('tabs filter by status', async () => {
    const { comp, close } = await openList();
    comp.querySelector('#tabs')!.querySelectorAll('.van-tab')[1].dispatchEvent('tap');
    await eventually(() => (comp.data.active === 'NOTPAY' && !comp.data.loading ? true : undefined), 5000);
    expect(rows(comp).map((r) => r.orderNo)).toEqual(
      SEEDED.filter((o) => o.status === 'NOTPAY').map((o) => o.orderNo),
    );
    expect(suite.wxs.calls[suite.wxs.calls.length - 1].data).toEqual({ pageSize: 20, status: 'NOTPAY' });

    comp.querySelector('#tabs')!.querySelectorAll('.van-tab')[4].dispatchEvent('tap');
    await eventually(() => (comp.data.active === 'REFUND' && !comp.data.loading ? true : undefined), 5000);
    expect(rows(comp)).toEqual([]);
    expect(comp.querySelector('#empty')!.dom!.textContent).toContain('暂无订单');
    close();
  });

  test('another tab never shows the last tab’s rows, even when it fails to load', async () => {
    const { comp, close } = await openList();
    expect(rows(comp).some((r) => r.status === 'NOTPAY')).toBe(true);
    suite.wxs.offline = 1;
    comp.querySelector('#tabs')!.querySelectorAll('.van-tab')[3].dispatchEvent('tap');
    await eventually(() => (comp.data.active === 'CLOSED' && comp.data.error ? true : undefined), 5000);
    // Under 已关闭: the reason and 重新加载, not the unpaid orders of 全部 with their pay buttons.
    expect(rows(comp)).toEqual([]);
    expect(comp.querySelector('pay-button')).toBeUndefined();
    expect(comp.querySelector('#error')!.dom!.textContent).toContain('网络异常');
    expect(comp.querySelector('#empty')).toBeUndefined();

    comp.querySelector('#retry')!.querySelector('.van-button')!.dispatchEvent('tap');
    await eventually(() => (rows(comp).length && !comp.data.loading ? true : undefined), 5000);
    expect(rows(comp).every((r) => r.status === 'CLOSED')).toBe(true);
    close();
  });

  test('the status query opens that tab', async () => {
    const { comp, close } = await openList({ status: 'CLOSED' });
    expect(comp.data.active).toBe('CLOSED');
    expect(rows(comp).every((r) => r.status === 'CLOSED')).toBe(true);
    expect(rows(comp).length).toBeGreaterThan(0);
    close();
  });

  test('a new customer sees the empty state', async () => {
    suite.wxs.openid = `o_list_new_${process.pid}`;
    const { comp, close } = await openList();
    expect(rows(comp)).toEqual([]);
    expect(comp.querySelector('#empty')!.dom!.textContent).toContain('暂无订单');
    close();
  });

  test('pull-down refresh reloads the first page and stops the spinner', async () => {
    const stop = jest.spyOn(wx, 'stopPullDownRefresh');
    const { comp, close } = await openList();
    await loadMore(comp);
    expect(rows(comp)).toHaveLength(40);
    await comp.instance.onPullDownRefresh();
    expect(rows(comp)).toHaveLength(20);
    expect(stop).toHaveBeenCalled();
    close();
  });

  test('back from an order, the pages scrolled through stay, refreshed: an order closed meanwhile shows so', async () => {
    const { comp, calls, close } = await openList();
    await loadMore(comp);
    await loadMore(comp);
    expect(rows(comp)).toHaveLength(60);
    // The buyer opens an order on the third page and closes it there.
    const target = SEEDED[50];
    expect(rows(comp)[50]).toMatchObject({ orderNo: target.orderNo, status: 'NOTPAY' });
    comp.instance.onHide();
    await callPaykit('closeOrder', { orderNo: target.orderNo });

    const mark = calls.length;
    comp.instance.onShow();
    await eventually(
      () => (rows(comp)[50]?.status === 'CLOSED' && !comp.data.loading ? true : undefined),
      5000,
    );
    expect(rows(comp).map((r) => r.orderNo)).toEqual(SEEDED.slice(0, 60).map((o) => o.orderNo));
    expect(comp.querySelector(`#order-${target.orderNo}`)!.dom!.textContent).toContain('已关闭');
    expect(comp.querySelector(`#pay-${target.orderNo}`)).toBeUndefined();
    // Only the row that changed crossed to the view again.
    const rowKeys = calls.slice(mark).flatMap((c) => c.keys.filter((k) => k.startsWith('orders')));
    expect(rowKeys).toEqual(['orders[50]']);

    // Reaching the bottom goes on after the pages kept.
    await loadMore(comp);
    expect(rows(comp).map((r) => r.orderNo)).toEqual(SEEDED.slice(0, 80).map((o) => o.orderNo));
    close();
  });

  test('a next page that fails keeps the rows shown; 重新加载 loads that page', async () => {
    const { comp, close } = await openList();
    // The WeChat client loses the network for the next call only.
    suite.wxs.offline = 1;
    comp.instance.onReachBottom();
    await eventually(() => (comp.data.error ? true : undefined), 5000);
    expect(comp.querySelector('#error')!.dom!.textContent).toContain('网络异常');
    expect(rows(comp).map((r) => r.orderNo)).toEqual(SEEDED.slice(0, 20).map((o) => o.orderNo));

    comp.querySelector('#retry')!.querySelector('.van-button')!.dispatchEvent('tap');
    await eventually(() => (rows(comp).length === 40 && !comp.data.loading ? true : undefined), 5000);
    expect(rows(comp).map((r) => r.orderNo)).toEqual(SEEDED.slice(0, 40).map((o) => o.orderNo));
    expect(comp.querySelector('#error')).toBeFalsy();
    close();
  });

  test('tapping a row opens its detail page', async () => {
    const navigate = jest.spyOn(wx, 'navigateTo');
    const { comp, close } = await openList();
    comp.querySelector(`#order-${SEEDED[2].orderNo}`)!.dispatchEvent('tap');
    await eventually(() => (navigate.mock.calls.length ? true : undefined));
    expect(navigate).toHaveBeenCalledWith(
      expect.objectContaining({ url: `/pages/orders/detail/index?orderNo=${SEEDED[2].orderNo}` }),
    );
    close();
  });

  test('a quick double tap on a row opens its order once', async () => {
    const { navigate, complete } = holdNavigation();
    const { comp, close } = await openList();
    const row = comp.querySelector(`#order-${SEEDED[3].orderNo}`)!;
    row.dispatchEvent('tap');
    row.dispatchEvent('tap');
    await eventually(() => (navigate.mock.calls.length ? true : undefined));
    await simulate.sleep(50);
    expect(navigate).toHaveBeenCalledTimes(1);

    // Back on the list once the order page opened: a tap opens an order again.
    complete();
    row.dispatchEvent('tap');
    await eventually(() => (navigate.mock.calls.length === 2 ? true : undefined));
    close();
  });

  test('paying from a row redraws that row alone, as paid', async () => {
    const { comp, calls, close } = await openList({ status: 'NOTPAY' });
    const target = SEEDED[10].orderNo;
    const index = rows(comp).findIndex((r) => r.orderNo === target);
    const mark = calls.length;
    tapPay(comp, target);
    await eventually(() => (rows(comp)[index].status === 'SUCCESS' ? true : undefined), 10000);
    const rowUpdates = calls.slice(mark).filter((c) => c.keys.some((k) => k.startsWith('orders')));
    expect(rowUpdates.map((c) => c.keys)).toEqual([[`orders[${index}]`]]);
    expect(await readDoc(suite.sandbox.url, 'paykit_orders', target)).toMatchObject({ status: 'SUCCESS' });
    close();
  });
  test('paid from a row while a pull-down is on a slow network: its older page does not show the row unpaid again', async () => {
    const { comp, close } = await openList({ status: 'NOTPAY' });
    const target = SEEDED[30].orderNo;
    const index = rows(comp).findIndex((r) => r.orderNo === target);
    const reload = suite.wxs.holdNextAnswer('listOrders');
    const pulled = comp.instance.onPullDownRefresh();
    tapPay(comp, target);
    await eventually(() => (rows(comp)[index].status === 'SUCCESS' ? true : undefined), 10000);

    // The pull-down asked before the payment: its page lists the order unpaid, and comes last.
    await reload.release();
    await pulled;
    const row = rows(comp).find((r) => r.orderNo === target);
    expect(row?.status).toBe('SUCCESS');
    expect(comp.querySelector(`#pay-${target}`)).toBeUndefined();
    expect(comp.querySelector(`#order-${target}`)!.dom!.textContent).toContain('已支付');
    close();
  });

  test('a row paid on another phone meanwhile: its pay button says so and the row shows it paid', async () => {
    const toast = jest.spyOn(wx, 'showToast');
    const { comp, close } = await openList({ status: 'NOTPAY' });
    const target = SEEDED[20].orderNo;
    const index = rows(comp).findIndex((r) => r.orderNo === target);
    // The other phone pays it; this page does not know.
    const { payment } = await callPaykit('unifiedOrder', { orderNo: target });
    const paid = await send('POST', `${suite.sandbox.url}/gateway/pay`, {
      ...payment,
      openid: USER,
      action: 'pay',
    });
    expect(paid.body).toMatchObject({ errMsg: 'requestPayment:ok' });
    await eventually(async () => {
      const doc = await readDoc(suite.sandbox.url, 'paykit_orders', target);
      return doc?.status === 'SUCCESS' ? true : undefined;
    }, 5000);

    tapPay(comp, target);
    await eventually(() => (toast.mock.calls.length ? true : undefined), 10000);
    expect(toast).toHaveBeenCalledWith(expect.objectContaining({ title: '订单已支付，请勿重复支付' }));
    await eventually(() => (rows(comp)[index].status === 'SUCCESS' ? true : undefined), 5000);
    expect(comp.querySelector(`#pay-${target}`)).toBeUndefined();
    expect(comp.querySelector(`#order-${target}`)!.dom!.textContent).toContain('已支付');
    close();
  });

  test("a merchant admin's scope=all lists every user's orders as 全部订单, without the owners' pay buttons", async () => {
    const title = jest.spyOn(wx, 'setNavigationBarTitle');
    // The admin every fresh sandbox has (PAYKIT_ADMIN_OPENIDS of npm start).
    suite.wxs.openid = 'oPaykitLocalUser';
    const { comp, close } = await openList({ scope: 'all' });
    expect(title).toHaveBeenCalledWith(expect.objectContaining({ title: '全部订单' }));
    expect(suite.wxs.calls[suite.wxs.calls.length - 1].data).toEqual({ pageSize: 20, scope: 'all' });
    expect(rows(comp).map((r) => r.orderNo)).toEqual(SEEDED.slice(0, 20).map((o) => o.orderNo));
    const unpaid = comp.querySelector(`#order-${SEEDED[0].orderNo}`)!.dom!.textContent!;
    expect(unpaid).toMatch(/剩余支付时间 2:5\d:\d\d/);
    expect(unpaid).not.toContain('立即支付');
    close();
  });

  test("全部订单's lookup opens the order typed, as an order number", async () => {
    const navigate = jest.spyOn(wx, 'navigateTo');
    suite.wxs.openid = 'oPaykitLocalUser';
    const { comp, close } = await openList({ scope: 'all' });
    const typed = `  ${SEEDED[42].orderNo.toLowerCase()} `;
    comp.querySelector('#lookup')!.dispatchEvent('search', { detail: typed });
    await eventually(() => (navigate.mock.calls.length ? true : undefined));
    expect(navigate).toHaveBeenCalledWith(
      expect.objectContaining({ url: `/pages/orders/detail/index?orderNo=${SEEDED[42].orderNo}` }),
    );
    close();
    // A customer's own list has no lookup.
    suite.wxs.openid = USER;
    const own = await openList();
    expect(own.comp.querySelector('#lookup')).toBeUndefined();
    own.close();
  });

  test("全部订单's lookup takes a payment's 商户单号 as its order, and says in place what is no order number", async () => {
    const navigate = jest.spyOn(wx, 'navigateTo');
    suite.wxs.openid = 'oPaykitLocalUser';
    const { comp, close } = await openList({ scope: 'all' });
    const lookup = comp.querySelector('#lookup')!;
    const problem = () => comp.querySelector('#lookup-problem')?.dom?.textContent?.trim();

    // Not an order number: said under the box, and no order page opened to answer 订单不存在.
    lookup.dispatchEvent('search', { detail: '12345' });
    await eventually(() => problem());
    expect(problem()).toBe('请输入 PK 开头的订单号或商户单号');
    // WeChat Pay's transaction id, which the buyer's payment record shows beside the 商户单号.
    lookup.dispatchEvent('search', { detail: '4200001234202405011234567890' });
    await eventually(() => (problem()?.startsWith('这是微信支付单号') ? true : undefined));
    expect(navigate).not.toHaveBeenCalled();

    // What the merchant types next clears it; the 商户单号 of the order's first payment opens the order.
    lookup.dispatchEvent('change', { detail: 'P' });
    await eventually(() => (problem() === undefined ? true : undefined));
    const { orderNo } = SEEDED[42];
    lookup.dispatchEvent('search', { detail: `${orderNo.slice(0, 12)} ${orderNo.slice(12)}A01` });
    await eventually(() => (navigate.mock.calls.length ? true : undefined));
    expect(navigate).toHaveBeenCalledWith(
      expect.objectContaining({ url: `/pages/orders/detail/index?orderNo=${orderNo}` }),
    );
    expect(problem()).toBeUndefined();
    close();
  });

  test('a customer asking for scope=all is told they may not', async () => {
    const { comp, close } = await openList({ scope: 'all' });
    expect(rows(comp)).toEqual([]);
    expect(comp.querySelector('#error')!.dom!.textContent).toContain('没有权限进行此操作');
    close();
  });
});
