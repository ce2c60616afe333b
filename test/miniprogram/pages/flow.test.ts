/**
 * The customer's whole path across pages, each rendered with real vant against one real sandbox:
 * buy in the shop, pay, find the order in the list, open its detail. Three pages that all use
 * pay-button in one file: loadComp runs the later ones in fresh module registries.
 */
import { eventually } from '../../helpers/control';
import { loadComp, renderComp, type SimComponent } from '../../helpers/simulate';
import { miniprogramSuite } from '../../helpers/mp-suite';

// The sandbox's default catalogue (sandbox/seed/demo.json), as after `npm start`.
const suite = miniprogramSuite({ user: () => `o_flow_${process.pid}` });

afterEach(() => {
  suite.wxs.uninstall();
  jest.restoreAllMocks();
});

/** The page's query string as the framework passes it to onLoad. */
function queryOf(url: string): Record<string, string> {
  const query = url.split('?')[1] ?? '';
  return Object.fromEntries(query.split('&').map((pair) => pair.split('=').map(decodeURIComponent)));
}

function openPage(path: string, query: Record<string, string>): SimComponent {
  const { comp } = renderComp(loadComp(path));
  comp.instance.onLoad(query);
  comp.instance.onShow();
  return comp;
}

describe('buy → pay → list → detail', () => {
  test('the order paid in the shop is in the list, newest first, and its detail shows it paid', async () => {
    const toast = jest.spyOn(wx, 'showToast');
    const navigate = jest.spyOn(wx, 'navigateTo');

    // Shop: the catalogue and a link to the orders.
    const shop = renderComp(loadComp('pages/shop/index')).comp;
    await eventually(() => ((shop.data.products as unknown[]).length ? true : undefined), 5000);
    expect(shop.dom!.textContent).toContain('芝士蛋糕');
    shop.querySelector('#my-orders')!.querySelector('.van-cell')!.dispatchEvent('tap');
    await eventually(() => (navigate.mock.calls.length ? true : undefined));
    expect(navigate).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/pages/orders/list/index' }));
    shop
      .querySelector('#pay-cake-cheese')!
      .querySelector('#pay-button')!
      .querySelector('.van-button')!
      .dispatchEvent('tap');
    await eventually(() => (toast.mock.calls.length ? true : undefined), 10000);
    expect(toast).toHaveBeenCalledWith(expect.objectContaining({ title: '支付成功' }));

    // Orders list: the paid order on top.
    const list = openPage('pages/orders/list/index', {});
    await eventually(() => ((list.data.orders as unknown[]).length ? true : undefined), 5000);
    const [row] = list.data.orders as Array<{ orderNo: string; status: string; totalFee: number }>;
    expect(row).toMatchObject({ status: 'SUCCESS', totalFee: 3200 });
    const rowText = list.querySelector(`#order-${row.orderNo}`)!.dom!.textContent!;
    expect(rowText).toContain('¥32.00');
    expect(rowText).toContain('已支付');

    // Tap the row: the detail page of that order.
    list.querySelector(`#order-${row.orderNo}`)!.dispatchEvent('tap');
    await eventually(() => (navigate.mock.calls.length === 2 ? true : undefined));
    const url = navigate.mock.calls[1][0].url;
    expect(url).toMatch(/^\/pages\/orders\/detail\/index\?/);
    const detail = openPage('pages/orders/detail/index', queryOf(url));
    await eventually(() => (detail.data.order ? true : undefined), 5000);
    expect(detail.querySelector('#status')!.dom!.textContent).toContain('已支付');
    expect(detail.querySelector('#field-orderNo')!.dom!.textContent).toContain(row.orderNo);
    expect(detail.dom!.textContent).toContain('芝士蛋糕');
    expect(detail.querySelector('#field-transactionId')!.dom!.textContent).toMatch(/\d{10,}/);

    list.instance.onUnload();
    detail.instance.onUnload();
  });
});
