/**
 * Demo shop: the products for sale, loaded from the kit's listProducts function (20 at a time by
 * cursor as the user reaches the bottom; pull-down reloads), a pay button per product, and a link to
 * the customer's orders. Prices here are for display only: the server prices the order. Written with
 * Component() (a valid page constructor) so it also renders in miniprogram-simulate.
 */
import type { Product } from '../../../typings/paykit/order';
import { payOutcome } from '../../behaviors/pay-outcome';
import type { CartLine } from '../../components/pay-button/index';
import { listProducts } from '../../paykit/api';
import { asPaykitError } from '../../paykit/errors';
import { instanceState } from '../../paykit/instance-state';
import { shopText } from '../../paykit/strings';

const PAGE_SIZE = 20;

interface ShopProduct extends Product {
  /** What this product's pay button orders. */
  lines: CartLine[];
}

/** A listed product with the one-item cart its pay button orders. */
function shopProduct(product: Product): ShopProduct {
  return { ...product, lines: [{ sku: product.sku, quantity: 1 }] };
}

/** Per-instance state that the view does not need, so it never goes through setData. */
interface ShopState {
  cursor: string | null;
  /** Bumped by every reload; an answer for an older generation is dropped. */
  generation: number;
}

Component({
  behaviors: [payOutcome],

  data: {
    products: [] as ShopProduct[],
    /** False until the first page answered (or failed). */
    loaded: false,
    loading: false,
    finished: false,
    error: '',
    text: shopText,
  },

  lifetimes: {
    attached() {
      void this.reload();
    },
  },

  methods: {
    state(): ShopState {
      return instanceState<ShopState>(this, () => ({ cursor: null, generation: 0 }));
    },

    async onPullDownRefresh() {
      await this.reload();
      wx.stopPullDownRefresh();
    },

    onReachBottom() {
      void this.loadMore();
    },

    /** The first page, replacing what is shown. */
    async reload() {
      const state = this.state();
      const generation = ++state.generation;
      state.cursor = null;
      this.setData({ loading: true, error: '' });
      try {
        const page = await listProducts({ pageSize: PAGE_SIZE });
        if (generation !== state.generation) return;
        state.cursor = page.nextCursor;
        this.setData({
          products: page.products.map(shopProduct),
          loaded: true,
          loading: false,
          finished: page.nextCursor === null,
        });
        this.skipEmptyPage(page.products.length);
      } catch (err) {
        if (generation !== state.generation) return;
        this.setData({ loading: false, loaded: true, error: asPaykitError(err).message });
      }
    },

    /** The next page, appended by path: products already shown are never sent again. */
    async loadMore() {
      const state = this.state();
      if (this.data.loading || this.data.finished || state.cursor === null) return;
      const generation = state.generation;
      this.setData({ loading: true, error: '' });
      try {
        const page = await listProducts({ pageSize: PAGE_SIZE, cursor: state.cursor });
        if (generation !== state.generation) return;
        state.cursor = page.nextCursor;
        const start = this.data.products.length;
        const rows: Record<string, ShopProduct> = {};
        page.products.forEach((p, i) => (rows[`products[${start + i}]`] = shopProduct(p)));
        this.setData({ ...rows, loading: false, finished: page.nextCursor === null });
        this.skipEmptyPage(page.products.length);
      } catch (err) {
        if (generation !== state.generation) return;
        this.setData({ loading: false, error: asPaykitError(err).message });
      }
    },

    /** A page whose products were all left out (not for sale) is not the end: fetch the next. */
    skipEmptyPage(listed: number) {
      if (listed === 0 && !this.data.finished) void this.loadMore();
    },

    /** The retry button: the first page again, or the page that failed. */
    onRetry() {
      void (this.data.products.length ? this.loadMore() : this.reload());
    },
  },
});
