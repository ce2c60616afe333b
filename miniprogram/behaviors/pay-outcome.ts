/**
 * The four outcomes of a pay-button, handled alike on every page (vant's mixins are the model).
 * A page adds the behavior and binds the button's events to its handlers:
 *
 *   <pay-button bind:start="onPayStart" bind:success="onPaySuccess" bind:pending="onPayPending"
 *               bind:cancel="onPayCancel" bind:fail="onPayFail" … />
 *
 * `paying` is true from a payment's start to its outcome (bind:start is optional: a page that lets
 * nothing else act on the order meanwhile needs it). Each outcome shows its toast. A page that shows orders overrides `payOrderChanged` (called
 * with the order as the server confirmed it) and `payFailed` (a failed payment may have changed the
 * order, paid or closed meanwhile: reload it); a component's own method of the same name replaces the behavior's.
 */
import type { OrderView } from '../../typings/paykit/order';
import type { PaykitClientErrorCode } from '../paykit/errors';
import type {
  PayButtonFailDetail,
  PayButtonPendingDetail,
  PayButtonSuccessDetail,
} from '../components/pay-button/index';
import { toastText } from '../paykit/strings';

export const payOutcome = Behavior({
  data: {
    paying: false,
  },

  methods: {
    onPayStart() {
      this.setData({ paying: true });
    },

    onPaySuccess(event: WechatMiniprogram.CustomEvent<PayButtonSuccessDetail>) {
      this.setData({ paying: false });
      this.payOrderChanged(event.detail.order);
      wx.showToast({ title: toastText.paid, icon: 'success' });
    },

    onPayPending(event: WechatMiniprogram.CustomEvent<PayButtonPendingDetail>) {
      this.setData({ paying: false });
      if (event.detail.order) this.payOrderChanged(event.detail.order);
      wx.showToast({ title: toastText.pending, icon: 'none' });
    },

    onPayCancel() {
      this.setData({ paying: false });
      wx.showToast({ title: toastText.cancelled, icon: 'none' });
    },

    onPayFail(event: WechatMiniprogram.CustomEvent<PayButtonFailDetail>) {
      this.setData({ paying: false });
      wx.showToast({ title: event.detail.message || toastText.failed, icon: 'none' });
      this.payFailed(event.detail.orderNo, event.detail.code);
    },

    /** The order after a payment, as the server confirmed it. */
    payOrderChanged(_order: OrderView) {},

    /** `orderNo`: the order the payment was for (none when ordering itself failed); `code`: why. */
    payFailed(_orderNo?: string, _code?: PaykitClientErrorCode) {},
  },
});
