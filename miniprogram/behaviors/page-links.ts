/**
 * Opening a page from a tap, once per tap: WeChat pushes a page for every wx.navigateTo, so a quick
 * double tap on a row or a link opened its page twice (and 返回 showed it again instead of the page
 * tapped on). Taps while a navigation is under way are ignored. vant's cell `url` navigates on every
 * tap: a link cell binds `onLinkTap` with `data-url` instead.
 */

/** The pages with a navigation under way (until its `complete`). */
const opening = new WeakSet<object>();

export const pageLinks = Behavior({
  methods: {
    /** A link's tap: opens its `data-url`. */
    onLinkTap(event: WechatMiniprogram.BaseEvent<Record<string, never>, { url?: string }>) {
      const url = event.currentTarget.dataset.url;
      if (url) this.openPage(url);
    },

    /** An order's page (the orders list's and the to-ship list's rows). */
    openOrder(orderNo: string) {
      this.openPage(`/pages/orders/detail/index?orderNo=${encodeURIComponent(orderNo)}`);
    },

    openPage(url: string) {
      if (opening.has(this)) return;
      opening.add(this);
      wx.navigateTo({ url, complete: () => opening.delete(this) });
    },
  },
});
