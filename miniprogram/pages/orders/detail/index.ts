/**
 * pages/orders/detail?orderNo=…: everything a customer needs about one order, and what they can do
 * in its state: pay an unpaid order, close it (WeChat allows that 5 minutes after the payment
 * attempt; the page says from when), refresh (queryOrder syncs with WeChat Pay, so a payment whose
 * callback is late shows up). Every show reloads, so changes made elsewhere appear on return.
 */
import type { OrderView } from '../../../../typings/paykit/order';
import { payOutcome } from '../../../behaviors/pay-outcome';
import { closeOrder, queryOrder } from '../../../paykit/api';
import { asPaykitError } from '../../../paykit/errors';
import { instanceState } from '../../../paykit/instance-state';
import { detailText, orderStatusText, refundStatusText, toastText } from '../../../paykit/strings';
import { STATUS_TAG } from '../list/rows';

const TICK_MS = 1000;
/** What the page keeps for itself, outside `data`. */
interface DetailState {
  ticker?: number;
}

Component({
  behaviors: [payOutcome],

  properties: {
    /** The order to show (page query). */
    orderNo: { type: String, value: '' },
  },

  data: {
    order: null as OrderView | null,
    loading: false,
    closing: false,
    /** The close confirmation dialog is open. */
    confirmingClose: false,
    /** Set when WeChat refused to close yet (CLOSE_TOO_EARLY): when it can be closed, ms since epoch. */
    closableAt: 0,
    error: '',
    now: Date.now(),
    text: detailText,
    statusText: orderStatusText,
    statusTag: STATUS_TAG,
    refundStatusText,
  },

  lifetimes: {
    detached() {
      this.stopTicker();
    },
  },

  methods: {
    onLoad(query: Record<string, string | undefined> = {}) {
      if (query.orderNo) this.setData({ orderNo: decodeURIComponent(query.orderNo) });
    },

    /** Every show reloads: the order may have been paid or closed elsewhere meanwhile. */
    onShow() {
      this.startTicker();
      void this.load();
    },

    onHide() {
      this.stopTicker();
    },

    onUnload() {
      this.stopTicker();
    },

    async onPullDownRefresh() {
      await this.load();
      wx.stopPullDownRefresh();
    },

    /** queryOrder: the kit syncs an unpaid order with WeChat Pay before answering. */
    async load(): Promise<boolean> {
      const { orderNo } = this.data;
      if (!orderNo) {
        this.setData({ error: detailText.notFound });
        return false;
      }
      this.setData({ loading: true });
      try {
        const order = await queryOrder(orderNo);
        this.showOrder(order);
        this.setData({ loading: false, error: '' });
        return true;
      } catch (err) {
        this.setData({ loading: false, error: asPaykitError(err).message });
        return false;
      }
    },

    async onRefresh() {
      if (this.data.loading) return;
      if (await this.load()) wx.showToast({ title: toastText.refreshed, icon: 'none' });
    },

    showOrder(order: OrderView) {
      this.setData({
        order,
        now: Date.now(),
        // The 5-minute notice only means something while the order is unpaid.
        ...(order.status === 'NOTPAY' ? {} : { closableAt: 0 }),
      });
    },

    /** The pay button settled the order (pay-outcome behavior). */
    payOrderChanged(order: OrderView) {
      this.showOrder(order);
    },

    /** A failed payment may have changed the order (paid meanwhile, say): reload it. */
    payFailed() {
      void this.load();
    },

    onCloseTap() {
      if (this.data.closing) return;
      this.setData({ confirmingClose: true });
    },

    onCloseDialogEnd() {
      this.setData({ confirmingClose: false });
    },

    async onCloseConfirm() {
      const { orderNo } = this.data;
      if (this.data.closing) return;
      this.setData({ confirmingClose: false, closing: true });
      try {
        const order = await closeOrder(orderNo);
        this.showOrder(order);
        this.setData({ closing: false, closableAt: 0 });
        wx.showToast({ title: toastText.closed, icon: 'none' });
      } catch (err) {
        const error = asPaykitError(err);
        this.setData({ closing: false });
        if (error.code === 'CLOSE_TOO_EARLY' && error.retryAt !== undefined) {
          this.setData({ closableAt: error.retryAt });
        } else {
          wx.showToast({ title: error.message, icon: 'none' });
          // Most refusals (ORDER_PAID: paid meanwhile) mean the order changed: show it as it is.
          void this.load();
        }
      }
    },

    state(): DetailState {
      return instanceState<DetailState>(this, () => ({}));
    },

    startTicker() {
      const state = this.state();
      if (state.ticker !== undefined) return;
      state.ticker = setInterval(() => {
        if (this.data.order?.status === 'NOTPAY') this.setData({ now: Date.now() });
      }, TICK_MS);
    },

    stopTicker() {
      const state = this.state();
      if (state.ticker !== undefined) clearInterval(state.ticker);
      state.ticker = undefined;
    },
  },
});
