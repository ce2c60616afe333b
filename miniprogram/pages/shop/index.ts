/**
 * Demo shop: the products for sale, loaded from the kit's listProducts function (20 at a time by
 * cursor as the user reaches the bottom; pull-down reloads), a pay button per product, and a link to
 * the customer's orders. Prices here are for display only: the server prices the order. Written with
 * Component() (a valid page constructor) so it also renders in miniprogram-simulate.
 */
import type { Product } from '../../../typings/paykit/order';
import { pageLinks } from '../../behaviors/page-links';
import { payOutcome } from '../../behaviors/pay-outcome';
import type { CartLine } from '../../components/pay-button/index';
import { listProducts } from '../../paykit/api';
import { CursorPager } from '../../paykit/pager';
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

Component({
  behaviors: [payOutcome, pageLinks],

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
      void this.pager().reload();
    },
  },

  methods: {
    async onPullDownRefresh() {
      await this.pager().reload();
      wx.stopPullDownRefresh();
    },

    onReachBottom() {
      void this.pager().loadMore();
    },

    /** The catalogue, paged by cursor (paykit/pager.ts). */
    pager(): CursorPager<ShopProduct> {
      return CursorPager.of(this, () => ({
        key: 'products',
        fetch: async (cursor) => {
          const page = await listProducts({ pageSize: PAGE_SIZE, ...(cursor ? { cursor } : {}) });
          return { rows: page.products.map(shopProduct), nextCursor: page.nextCursor };
        },
      }));
    },

    /** The retry button: the page that failed. */
    onRetry() {
      void this.pager().retry();
    },
  },
});
