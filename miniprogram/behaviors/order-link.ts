/**
 * Opening an order's page from a row (the orders list, the to-ship list), once per tap: WeChat
 * pushes a page for every wx.navigateTo, so a quick double tap on a row opened the order twice (and
 * 返回 showed it again instead of the list). Taps while a navigation is under way are ignored.
 */

/** The pages with a navigation under way (until its `complete`). */
const opening = new WeakSet<object>();

export const orderLink = Behavior({
  methods: {
    openOrder(orderNo: string) {
      if (opening.has(this)) return;
      opening.add(this);
      wx.navigateTo({
        url: `/pages/orders/detail/index?orderNo=${encodeURIComponent(orderNo)}`,
        complete: () => opening.delete(this),
      });
    },
  },
});
