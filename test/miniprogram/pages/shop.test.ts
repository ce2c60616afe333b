/** The demo shop page: real vant cells, prices through money.wxs, and a working pay button per product. */
import { DEMO_PRODUCTS } from '../../../miniprogram/pages/shop/catalogue';
import { loadComp, renderComp, waitFor } from '../../helpers/simulate';
import { queryDocs, readDoc, seedProducts } from '../../helpers/wx-sandbox';
import { miniprogramSuite } from '../../helpers/mp-suite';

const suite = miniprogramSuite({
  seed: (url) => seedProducts(url, DEMO_PRODUCTS),
  user: () => `o_shop_${process.pid}`,
});

afterEach(() => {
  suite.wxs.uninstall();
  jest.restoreAllMocks();
});

describe('shop page', () => {
  test('lists the demo products with yuan prices formatted in the template', () => {
    const { comp } = renderComp(loadComp('pages/shop/index'));
    for (const product of DEMO_PRODUCTS) {
      const cell = comp.querySelector(`#product-${product.sku}`)!;
      expect(cell.dom!.textContent).toContain(product.name);
      expect(cell.dom!.textContent).toContain('立即支付');
    }
    const tea = comp.querySelector('#product-demo-tea')!.dom!.textContent;
    expect(tea).toContain('¥9.90');
    expect(comp.querySelector('#product-demo-cake')!.dom!.textContent).toContain('¥28.50');
  });

  test('links to the orders list', () => {
    const { comp } = renderComp(loadComp('pages/shop/index'));
    const link = comp.querySelector('#my-orders')!;
    expect(link.dom!.textContent).toContain('我的订单');
    expect(link.data).toMatchObject({ url: '/pages/orders/list/index', isLink: true });
  });

  test('shows the empty state for an empty catalogue', () => {
    const { comp } = renderComp(loadComp('pages/shop/index'), { catalogue: [] });
    expect(comp.data.products).toEqual([]);
    expect(comp.dom!.textContent).toContain('暂无商品');
  });

  test('paying for a product shows the success toast and the order is paid', async () => {
    const toast = jest.spyOn(wx, 'showToast');
    const { comp } = renderComp(loadComp('pages/shop/index'));
    const button = comp.querySelector('#pay-demo-tea')!;
    button.querySelector('#pay-button')!.querySelector('.van-button')!.dispatchEvent('tap');
    await waitFor(() => (toast.mock.calls.length > 0 ? true : undefined), 10000);
    expect(toast).toHaveBeenCalledWith(expect.objectContaining({ title: '支付成功' }));

    const call = suite.wxs.calls.find((c) => c.name === 'unifiedOrder')!;
    expect(call.data).toEqual({ items: [{ sku: 'demo-tea', quantity: 1 }], requestKey: expect.any(String) });
    const [order] = await waitFor(async () => {
      const docs = await queryDocs(suite.sandbox.url, 'paykit_orders', {
        openid: suite.wxs.openid,
        status: 'SUCCESS',
      });
      return docs.length ? docs : undefined;
    }, 3000);
    expect(await readDoc(suite.sandbox.url, 'paykit_orders', String(order._id))).toMatchObject({
      totalFee: 990,
    });
  });

  test('a cancelled payment shows the cancel toast', async () => {
    suite.wxs.payAction = 'cancel';
    const toast = jest.spyOn(wx, 'showToast');
    const { comp } = renderComp(loadComp('pages/shop/index'));
    comp
      .querySelector('#pay-demo-coffee')!
      .querySelector('#pay-button')!
      .querySelector('.van-button')!
      .dispatchEvent('tap');
    await waitFor(() => (toast.mock.calls.length > 0 ? true : undefined), 10000);
    expect(toast).toHaveBeenCalledWith(expect.objectContaining({ title: '已取消支付' }));
  });
});
