/**
 * pages/orders/list: the customer's orders, newest first, in tabs by status. Loads 20 at a time by
 * cursor as the user reaches the bottom (only the new rows are sent to the view, by path), reloads the
 * first page on pull-down, refreshes every page shown on return from another page (the user's place
 * is kept; orders paid or closed meanwhile show so), and lets an unpaid order be paid from its row.
 *
 * Query: `status` (NOTPAY, SUCCESS, CLOSED, REFUND) opens that tab; `scope=all` lists every user's
 * orders, for merchant admins (listOrders refuses anyone else), titled 全部订单, with a lookup by
 * order number (a customer's complaint names one) and without the pay buttons, which are the
 * owners'. Written with Component() (a valid page constructor) so it also renders in
 * miniprogram-simulate.
 */
import type { OrderView } from '../../../../typings/paykit/order';
import { pageLinks } from '../../../behaviors/page-links';
import { payOutcome } from '../../../behaviors/pay-outcome';
import { listOrders, queryOrder } from '../../../paykit/api';
import { instanceState } from '../../../paykit/instance-state';
import { RowAnswers } from '../../../paykit/late-answers';
import { CursorPager } from '../../../paykit/pager';
import { orderStatusText, ordersText } from '../../../paykit/strings';
import { lookupOrder } from './lookup';
import { isOrdersTab, rowOf, STATUS_TAG, TABS, type OrderRow, type OrdersTab } from './rows';

const PAGE_SIZE = 20;
/** The countdown on unpaid rows is in seconds; the list redraws it every second while shown. */
const TICK_MS = 1000;

const tabTitles: Record<OrdersTab, string> = { ALL: ordersText.all, ...orderStatusText };

/** Per-instance state that the view does not need, so it never goes through setData. */
interface ListState {
  ticker?: number;
  /**
   * Orders a row's pay button answered for, as rows: a page asked for before that answer lists the
   * order as it was, and shows this row instead.
   */
  answered: RowAnswers<OrderRow>;
}

Component({
  behaviors: [payOutcome, pageLinks],

  properties: {
    /** The tab to open (page query). */
    status: { type: String, value: 'ALL' },
    /** `all`: every user's orders (merchant admins; page query). */
    scope: { type: String, value: '' },
  },

  data: {
    tabs: TABS.map((name) => ({ name, title: tabTitles[name] })),
    active: 'ALL' as OrdersTab,
    /** Every user's orders (scope=all), not the caller's. */
    all: false,
    orders: [] as OrderRow[],
    /** False until the first page of the current tab answered. */
    loaded: false,
    loading: false,
    finished: false,
    error: '',
    /** Why 全部订单's lookup opened nothing ('' when it did, or nothing was looked up). */
    lookupProblem: '',
    now: Date.now(),
    text: ordersText,
    statusTag: STATUS_TAG,
  },

  lifetimes: {
    detached() {
      this.stopTicker();
    },
  },

  methods: {
    state(): ListState {
      return instanceState<ListState>(this, () => ({ answered: new RowAnswers() }));
    },

    onLoad(query: Record<string, string | undefined> = {}) {
      const wanted = query.status ?? this.data.status;
      const all = (query.scope ?? this.data.scope) === 'all';
      this.setData({ active: isOrdersTab(wanted) ? wanted : 'ALL', all });
      if (all) void wx.setNavigationBarTitle({ title: ordersText.allTitle });
    },

    /**
     * Every show refreshes the pages shown: back from the detail page, orders may have been paid or
     * closed, and the user finds the list where they left it.
     */
    onShow() {
      this.startTicker();
      void this.pager().refresh();
    },

    onHide() {
      this.stopTicker();
    },

    onUnload() {
      this.stopTicker();
    },

    async onPullDownRefresh() {
      await this.pager().reload();
      wx.stopPullDownRefresh();
    },

    onReachBottom() {
      void this.pager().loadMore();
    },

    onTabChange(event: WechatMiniprogram.CustomEvent<{ name: string }>) {
      const name = event.detail.name;
      if (!isOrdersTab(name) || name === this.data.active) return;
      // The last tab's rows go at once: under 已关闭 they would be wrong (unpaid ones with pay
      // buttons), for as long as the new tab loads or, when it fails, until 重新加载.
      this.setData({ active: name, orders: [], loaded: false, finished: false });
      void this.pager().reload();
    },

    /** The active tab's orders, paged by cursor (paykit/pager.ts). */
    pager(): CursorPager<OrderRow> {
      return CursorPager.of(this, () => ({
        key: 'orders',
        fetch: async (cursor) => {
          const asked = this.state().answered.asked();
          const page = await listOrders(this.request(cursor));
          const rows = page.orders.map((order) => this.newerRow(rowOf(order, this.data.all), asked));
          return { rows, nextCursor: page.nextCursor };
        },
        withFirst: () => ({ now: Date.now() }),
      }));
    },

    /** The retry button: the page that failed. */
    onRetry() {
      void this.pager().retry();
    },

    request(cursor: string | null) {
      const active = this.data.active;
      return {
        pageSize: PAGE_SIZE,
        ...(this.data.all ? { scope: 'all' as const } : {}),
        ...(active === 'ALL' ? {} : { status: active }),
        ...(cursor ? { cursor } : {}),
      };
    },

    onOpen(event: WechatMiniprogram.BaseEvent<Record<string, never>, { orderNo?: string }>) {
      const orderNo = event.currentTarget.dataset.orderNo;
      if (orderNo) this.openOrder(orderNo);
    },

    /**
     * 全部订单's lookup: an order number (or a payment's 商户单号) opens the order, whose page says
     * whether there is such an order; anything else is said under the search box.
     */
    onLookup(event: { detail: string }) {
      const typed = String(event.detail ?? '');
      if (!typed.trim()) return;
      const found = lookupOrder(typed);
      if ('orderNo' in found) this.openOrder(found.orderNo);
      else this.setData({ lookupProblem: found.problem });
    },

    /** What the lookup said goes once the merchant changes what they typed. */
    onLookupChange() {
      if (this.data.lookupProblem) this.setData({ lookupProblem: '' });
    },

    /** `row`, or what a pay button answered for its order after the page was asked for (`asked`). */
    newerRow(row: OrderRow, asked: number): OrderRow {
      return this.state().answered.since(row.orderNo, asked) ?? row;
    },

    /**
     * A row's pay button settled its order: that row alone is redrawn (pay-outcome behavior), and a
     * page on its way (a pull-down asked before the payment) shows it so too.
     */
    payOrderChanged(order: OrderView) {
      const row = rowOf(order, this.data.all);
      this.state().answered.answer(order.orderNo, row);
      const index = this.data.orders.findIndex((shown) => shown.orderNo === order.orderNo);
      if (index >= 0) this.setData({ [`orders[${index}]`]: row });
    },

    /**
     * A row's payment failed: the order may have changed (paid on another phone, closed), and the
     * refusal's toast says so; the row shows it as it now is. A reload that fails leaves the row.
     */
    async payFailed(orderNo?: string) {
      if (!orderNo) return;
      try {
        this.payOrderChanged(await queryOrder(orderNo));
      } catch {
        // The toast already said what went wrong; the row stays as it was.
      }
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
