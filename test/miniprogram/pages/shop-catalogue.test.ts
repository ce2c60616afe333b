/**
 * The shop page over catalogues other than the demo one (each test replaces paykit_products): load
 * more by cursor at the bottom (only the new rows go to the view), pull-down reload, a first page with
 * nothing for sale, and the empty state.
 */
import { eventually, post } from '../../helpers/control';
import { loadComp, recordSetData, renderComp, type SimComponent } from '../../helpers/simulate';
import { miniprogramSuite } from '../../helpers/mp-suite';

const suite = miniprogramSuite({ user: () => `o_catalogue_${process.pid}` });

afterEach(() => {
  suite.wxs.uninstall();
  jest.restoreAllMocks();
});

interface Doc {
  _id: string;
  name?: string;
  price?: number;
  active?: boolean;
}

function replaceCatalogue(docs: Doc[]): Promise<unknown> {
  return post(`${suite.sandbox.url}/sandbox/db/import?replace=1`, { paykit_products: docs });
}

const product = (i: number): Doc => ({
  _id: `item-${String(i).padStart(2, '0')}`,
  name: `商品 ${i}`,
  price: 100 * (i + 1),
  active: true,
});

const skus = (comp: SimComponent) => (comp.data.products as Array<{ sku: string }>).map((p) => p.sku);

async function openShop(): Promise<SimComponent> {
  const { comp } = renderComp(loadComp('pages/shop/index'));
  await eventually(() => (comp.data.loaded && !comp.data.loading ? true : undefined), 10000);
  return comp;
}

describe('shop page catalogues', () => {
  test('loads 20, then the rest at the bottom, sending only the new rows', async () => {
    const all = Array.from({ length: 26 }, (_, i) => product(i));
    await replaceCatalogue(all);
    const comp = await openShop();
    expect(skus(comp)).toEqual(all.slice(0, 20).map((p) => p._id));
    expect(comp.data.finished).toBe(false);
    expect(comp.querySelector('#no-more')).toBeUndefined();

    const { calls } = recordSetData(comp);
    comp.instance.onReachBottom();
    await eventually(() => (skus(comp).length === 26 && !comp.data.loading ? true : undefined), 10000);
    expect(skus(comp)).toEqual(all.map((p) => p._id));
    expect(comp.data.finished).toBe(true);
    const rowKeys = calls.flatMap((c) => c.keys).filter((k) => k.startsWith('products'));
    expect(rowKeys).toEqual(Array.from({ length: 6 }, (_, i) => `products[${20 + i}]`));
    expect(comp.querySelector('#product-item-25')!.dom!.textContent).toContain('¥26.00');
    // The end says so, as every paged list does.
    expect(comp.querySelector('#no-more')!.dom!.textContent).toContain('没有更多了');

    // At the end, reaching the bottom again asks nothing.
    const before = suite.wxs.calls.length;
    comp.instance.onReachBottom();
    expect(suite.wxs.calls.length).toBe(before);
  });

  test('a first page with nothing for sale is skipped, not shown as empty', async () => {
    await replaceCatalogue([
      ...Array.from({ length: 22 }, (_, i) => ({ ...product(i), price: 0 })),
      { _id: 'zz-last', name: '最后一件', price: 990, active: true },
    ]);
    const comp = await openShop();
    await eventually(() => (comp.data.finished ? true : undefined), 10000);
    expect(skus(comp)).toEqual(['zz-last']);
    expect(comp.querySelector('#empty')).toBeFalsy();
    expect(comp.dom!.textContent).toContain('¥9.90');
  });

  test('nothing for sale: 暂无商品; pull-down shows what was put on sale meanwhile', async () => {
    await replaceCatalogue([{ ...product(1), active: false }]);
    const stop = jest.spyOn(wx, 'stopPullDownRefresh');
    const comp = await openShop();
    expect(comp.data.products).toEqual([]);
    expect(comp.querySelector('#empty')!.dom!.textContent).toContain('暂无商品');

    await replaceCatalogue([product(1), product(2)]);
    await comp.instance.onPullDownRefresh();
    expect(stop).toHaveBeenCalled();
    expect(skus(comp)).toEqual(['item-01', 'item-02']);
    expect(comp.querySelector('#empty')).toBeFalsy();
  });
});
