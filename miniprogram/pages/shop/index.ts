/**
 * Demo shop: the catalogue with a pay button per product, and a link to the customer's orders. Prices here are for display only: the server
 * prices the order. Written with Component() (a valid page constructor) so it also renders in
 * miniprogram-simulate.
 */
import type { Product } from '../../../typings/paykit/order';
import type { PayButtonFailDetail } from '../../components/pay-button/index';
import { shopText, toastText } from '../../paykit/strings';
import { DEMO_PRODUCTS, shopProducts, type ShopProduct } from './catalogue';

Component({
  properties: {
    /** Products to list; the demo catalogue when not given. */
    catalogue: { type: Array, value: DEMO_PRODUCTS },
  },

  data: {
    // Observers do not fire for a property's default value, so the first list is set here.
    products: shopProducts(DEMO_PRODUCTS) as ShopProduct[],
    emptyText: shopText.empty as string,
    myOrdersText: shopText.myOrders as string,
  },

  observers: {
    catalogue(catalogue: Product[]) {
      this.setData({ products: shopProducts(catalogue) });
    },
  },

  methods: {
    onPaid() {
      wx.showToast({ title: toastText.paid, icon: 'success' });
    },
    onPending() {
      wx.showToast({ title: toastText.pending, icon: 'none' });
    },
    onCancel() {
      wx.showToast({ title: toastText.cancelled, icon: 'none' });
    },
    onFail(event: WechatMiniprogram.CustomEvent<PayButtonFailDetail>) {
      wx.showToast({ title: event.detail.message || toastText.failed, icon: 'none' });
    },
  },
});
