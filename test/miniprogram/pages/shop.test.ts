/**
 * The demo shop page as a newcomer meets it: a sandbox started the way `npm start` starts it (the
 * default seed, sandbox/seed/demo.json; this file seeds nothing), the catalogue loaded from the
 * listProducts function, real vant cells, prices through money.wxs, and a pay button per product
 * that buys what the sandbox sells.
 */
import * as fs from 'fs';
import * as path from 'path';
import { eventually, query, readDoc } from '../../helpers/control';
import { holdNavigation, loadComp, renderComp, simulate, type SimComponent } from '../../helpers/simulate';
import { ROOT } from '../../helpers/sandbox';
import { miniprogramSuite } from '../../helpers/mp-suite';

const suite = miniprogramSuite({ user: () => `o_shop_${process.pid}` });

afterEach(() => {
  suite.wxs.uninstall();
  jest.restoreAllMocks();
});

interface SeedProduct {
  _id: string;
  name: string;
  price: number;
  active: boolean;
}
const DEMO_SEED = (
  JSON.parse(fs.readFileSync(path.join(ROOT, 'sandbox/seed/demo.json'), 'utf8')) as {
    paykit_products: SeedProduct[];
  }
).paykit_products;

/** Renders the shop and waits for its first page of products. */
async function openShop(): Promise<SimComponent> {
  const { comp } = renderComp(loadComp('pages/shop/index'));
  await eventually(() => (comp.data.loaded && !comp.data.loading ? true : undefined), 10000);
  return comp;
}

/** Taps a van-cell link, as a finger would. */
function tapLink(comp: SimComponent, id: string): void {
  comp.querySelector(id)!.querySelector('.van-cell')!.dispatchEvent('tap');
}

function tapPay(comp: SimComponent, sku: string): void {
  comp
    .querySelector(`#pay-${sku}`)!
    .querySelector('#pay-button')!
    .querySelector('.van-button')!
    .dispatchEvent('tap');
}

describe('shop page on the default sandbox', () => {
  test('the sandbox holds the demo catalogue and nothing this test put there', async () => {
    const docs = await query(suite.sandbox.url, 'paykit_products', {});
    expect(docs.map((d) => d._id).sort()).toEqual(DEMO_SEED.map((p) => p._id).sort());
  });

  test('shows 加载中 while loading, then the products for sale with yuan prices', async () => {
    const { comp } = renderComp(loadComp('pages/shop/index'));
    expect(comp.data.loading).toBe(true);
    expect(comp.querySelector('#loading')!.dom!.textContent).toContain('加载中');
    await eventually(() => (comp.data.loaded && !comp.data.loading ? true : undefined), 10000);
    expect(comp.querySelector('#loading')).toBeFalsy();

    const forSale = DEMO_SEED.filter((p) => p.active);
    expect((comp.data.products as Array<{ sku: string }>).map((p) => p.sku)).toEqual(
      forSale.map((p) => p._id).sort(),
    );
    for (const product of forSale) {
      const cell = comp.querySelector(`#product-${product._id}`)!.dom!.textContent;
      expect(cell).toContain(product.name);
      expect(cell).toContain('立即支付');
    }
    expect(comp.querySelector('#product-coffee-latte')!.dom!.textContent).toContain('¥28.00');
    expect(comp.querySelector('#product-tea-oolong')!.dom!.textContent).toContain('¥16.00');
    expect(comp.querySelector('#product-sticker-pack')!.dom!.textContent).toContain('¥0.01');
    // Inactive in the seed: not listed.
    expect(comp.querySelector('#product-retired-mug')).toBeFalsy();
    expect(comp.querySelector('#empty')).toBeFalsy();
  });

  test('links to the orders list, and to the merchant pages for admins', async () => {
    const navigate = jest
      .spyOn(wx, 'navigateTo')
      .mockImplementation((options: WechatMiniprogram.NavigateToOption) => {
        options.complete?.({ errMsg: 'navigateTo:ok' });
        return undefined as never;
      });
    const comp = await openShop();
    expect(comp.querySelector('#my-orders')!.dom!.textContent).toContain('我的订单');
    expect(comp.querySelector('#admin-links')!.dom!.textContent).toContain('商家管理');
    const links = {
      '#my-orders': '/pages/orders/list/index',
      '#admin-orders': '/pages/orders/list/index?scope=all',
      '#admin-to-ship': '/pages/admin/to-ship/index',
      '#admin-bills': '/pages/admin/bills/index',
    };
    for (const [id, url] of Object.entries(links)) {
      expect(comp.querySelector(id)!.data).toMatchObject({ isLink: true });
      tapLink(comp, id);
      await eventually(() => (navigate.mock.lastCall?.[0].url === url ? true : undefined));
    }
    expect(navigate).toHaveBeenCalledTimes(4);
  });

  test('a quick double tap on a link opens its page once', async () => {
    const { navigate, complete } = holdNavigation();
    const comp = await openShop();
    tapLink(comp, '#my-orders');
    tapLink(comp, '#my-orders');
    await eventually(() => (navigate.mock.calls.length ? true : undefined));
    await simulate.sleep(50);
    expect(navigate).toHaveBeenCalledTimes(1);

    // Back in the shop once the orders list opened: a tap opens a page again.
    complete();
    tapLink(comp, '#admin-bills');
    await eventually(() => (navigate.mock.calls.length === 2 ? true : undefined));
    expect(navigate).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/pages/admin/bills/index' }));
  });

  test('buying a listed product: the success toast, and the order is paid at the listed price', async () => {
    const toast = jest.spyOn(wx, 'showToast');
    const comp = await openShop();
    tapPay(comp, 'tea-oolong');
    await eventually(() => (toast.mock.calls.length > 0 ? true : undefined), 10000);
    expect(toast).toHaveBeenCalledWith(expect.objectContaining({ title: '支付成功' }));

    const call = suite.wxs.calls.find((c) => c.name === 'unifiedOrder')!;
    expect(call.data).toEqual({
      items: [{ sku: 'tea-oolong', quantity: 1 }],
      requestKey: expect.any(String),
    });
    const [order] = await eventually(async () => {
      const docs = await query(suite.sandbox.url, 'paykit_orders', {
        openid: suite.wxs.openid,
        status: 'SUCCESS',
      });
      return docs.length ? docs : undefined;
    }, 3000);
    expect(await readDoc(suite.sandbox.url, 'paykit_orders', String(order._id))).toMatchObject({
      totalFee: 1600,
      items: [expect.objectContaining({ sku: 'tea-oolong', name: '乌龙茶', unitPrice: 1600 })],
    });
  });

  test('a cancelled payment shows the cancel toast', async () => {
    suite.wxs.payAction = 'cancel';
    const toast = jest.spyOn(wx, 'showToast');
    const comp = await openShop();
    tapPay(comp, 'coffee-latte');
    await eventually(() => (toast.mock.calls.length > 0 ? true : undefined), 10000);
    expect(toast).toHaveBeenCalledWith(expect.objectContaining({ title: '已取消支付' }));
  });

  test('a failed load shows the error in Chinese with 重新加载, which loads the catalogue', async () => {
    // The WeChat client loses the network for the first call only.
    suite.wxs.offline = 1;
    const comp = await openShop();
    const error = comp.querySelector('#error')!.dom!.textContent!;
    expect(error).toContain('网络异常');
    expect(error).toContain('重新加载');
    expect(comp.data.products).toEqual([]);
    expect(comp.querySelector('#empty')).toBeFalsy();

    comp.querySelector('#retry')!.querySelector('.van-button')!.dispatchEvent('tap');
    await eventually(() => ((comp.data.products as unknown[]).length ? true : undefined), 10000);
    expect(comp.querySelector('#error')).toBeFalsy();
    expect(comp.dom!.textContent).toContain('拿铁咖啡');
  });
});
