/**
 * pages/orders/list: the customer's orders, newest first, in tabs by status. Loads 20 at a time by
 * cursor as the user reaches the bottom (only the new rows are sent to the view, by path), reloads on
 * pull-down and on return from another page, and lets an unpaid order be paid from its row.
 *
 * Query: `status` (NOTPAY, SUCCESS, CLOSED, REFUND) opens that tab. Written with Component() (a
 * valid page constructor) so it also renders in miniprogram-simulate.
 */
import type { OrderView } from '../../../../typings/paykit/order';
import { payOutcome } from '../../../behaviors/pay-outcome';
import { listOrders } from '../../../paykit/api';
import { asPaykitError } from '../../../paykit/errors';
import { instanceState } from '../../../paykit/instance-state';
import { orderStatusText, ordersText } from '../../../paykit/strings';
import { appendRows, isOrdersTab, rowOf, STATUS_TAG, TABS, type OrderRow, type OrdersTab } from './rows';

const PAGE_SIZE = 20;
/** The countdown on unpaid rows is in seconds; the list redraws it every second while shown. */
const TICK_MS = 1000;

const tabTitles: Record<OrdersTab, string> = { ALL: ordersText.all, ...orderStatusText };

/** Per-instance state that the view does not need, so it never goes through setData. */
interface ListState {
  cursor: string | null;
  /** Bumped by every reload; an answer for an older generation is dropped. */
  generation: number;
  ticker?: number;
}

Component({
  behaviors: [payOutcome],

  properties: {
    /** The tab to open (page query). */
    status: { type: String, value: 'ALL' },
  },

  data: {
    tabs: TABS.map((name) => ({ name, title: tabTitles[name] })),
    active: 'ALL' as OrdersTab,
    orders: [] as OrderRow[],
    /** False until the first page of the current tab answered. */
    loaded: false,
    loading: false,
    finished: false,
    error: '',
    now: Date.now(),
    text: ordersText,
    statusText: orderStatusText,
    statusTag: STATUS_TAG,
  },

  lifetimes: {
    detached() {
      this.stopTicker();
    },
  },

  methods: {
    state(): ListState {
      return instanceState<ListState>(this, () => ({ cursor: null, generation: 0 }));
    },

    onLoad(query: Record<string, string | undefined> = {}) {
      const wanted = query.status ?? this.data.status;
      this.setData({ active: isOrdersTab(wanted) ? wanted : 'ALL' });
    },

    /** Every show loads the first page: back from the detail page, orders may have been paid or closed. */
    onShow() {
      this.startTicker();
      void this.reload();
    },

    onHide() {
      this.stopTicker();
    },

    onUnload() {
      this.stopTicker();
    },

    async onPullDownRefresh() {
      await this.reload();
      wx.stopPullDownRefresh();
    },

    onReachBottom() {
      void this.loadMore();
    },

    onTabChange(event: WechatMiniprogram.CustomEvent<{ name: string }>) {
      const name = event.detail.name;
      if (!isOrdersTab(name) || name === this.data.active) return;
      this.setData({ active: name });
      void this.reload();
    },

    /** The first page of the active tab, replacing what is shown. */
    async reload() {
      const state = this.state();
      const generation = ++state.generation;
      state.cursor = null;
      this.setData({ loading: true, error: '' });
      try {
        const page = await listOrders(this.request(null));
        if (generation !== state.generation) return;
        state.cursor = page.nextCursor;
        this.setData({
          orders: page.orders.map(rowOf),
          loaded: true,
          loading: false,
          finished: page.nextCursor === null,
          now: Date.now(),
        });
      } catch (err) {
        if (generation !== state.generation) return;
        this.setData({ loading: false, loaded: true, error: asPaykitError(err).message });
      }
    },

    /** The next page, appended by path: rows already shown are never sent again. */
    async loadMore() {
      const state = this.state();
      if (this.data.loading || this.data.finished || state.cursor === null) return;
      const generation = state.generation;
      this.setData({ loading: true, error: '' });
      try {
        const page = await listOrders(this.request(state.cursor));
        if (generation !== state.generation) return;
        state.cursor = page.nextCursor;
        this.setData({
          ...appendRows(this.data.orders.length, page.orders.map(rowOf)),
          loading: false,
          finished: page.nextCursor === null,
        });
      } catch (err) {
        if (generation !== state.generation) return;
        this.setData({ loading: false, error: asPaykitError(err).message });
      }
    },

    request(cursor: string | null) {
      const active = this.data.active;
      return {
        pageSize: PAGE_SIZE,
        ...(active === 'ALL' ? {} : { status: active }),
        ...(cursor ? { cursor } : {}),
      };
    },

    onOpen(event: WechatMiniprogram.BaseEvent<Record<string, never>, { orderNo?: string }>) {
      const orderNo = event.currentTarget.dataset.orderNo;
      if (orderNo)
        wx.navigateTo({ url: `/pages/orders/detail/index?orderNo=${encodeURIComponent(orderNo)}` });
    },

    /** A row's pay button settled its order: that row alone is redrawn (pay-outcome behavior). */
    payOrderChanged(order: OrderView) {
      const index = this.data.orders.findIndex((row) => row.orderNo === order.orderNo);
      if (index >= 0) this.setData({ [`orders[${index}]`]: rowOf(order) });
    },

    /** Keeps a tap on the pay button from also opening the row. */
    noop() {},

    startTicker() {
      const state = this.state();
      if (state.ticker !== undefined) return;
      state.ticker = setInterval(() => {
        if (this.data.orders.some((row) => row.status === 'NOTPAY')) this.setData({ now: Date.now() });
      }, TICK_MS);
    },

    stopTicker() {
      const state = this.state();
      if (state.ticker !== undefined) {
        clearInterval(state.ticker);
        state.ticker = undefined;
      }
    },
  },
});
