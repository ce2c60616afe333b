/**
 * The four outcomes of a pay-button, handled alike on every page (vant's mixins are the model).
 * A page adds the behavior and binds the button's events to its handlers:
 *
 *   <pay-button bind:success="onPaySuccess" bind:pending="onPayPending"
 *               bind:cancel="onPayCancel" bind:fail="onPayFail" … />
 *
 * Each shows the toast for its outcome. A page that shows orders overrides `payOrderChanged` (called
 * with the order as the server confirmed it) and `payFailed` (a failed payment may have changed the
 * order, paid or closed meanwhile: reload it); a component's own method of the same name replaces the behavior's.
 */
import type { OrderView } from '../../typings/paykit/order';
import type {
  PayButtonFailDetail,
  PayButtonPendingDetail,
  PayButtonSuccessDetail,
} from '../components/pay-button/index';
import { toastText } from '../paykit/strings';

export const payOutcome = Behavior({
  methods: {
    onPaySuccess(event: WechatMiniprogram.CustomEvent<PayButtonSuccessDetail>) {
      this.payOrderChanged(event.detail.order);
      wx.showToast({ title: toastText.paid, icon: 'success' });
    },

    onPayPending(event: WechatMiniprogram.CustomEvent<PayButtonPendingDetail>) {
      if (event.detail.order) this.payOrderChanged(event.detail.order);
      wx.showToast({ title: toastText.pending, icon: 'none' });
    },

    onPayCancel() {
      wx.showToast({ title: toastText.cancelled, icon: 'none' });
    },

    onPayFail(event: WechatMiniprogram.CustomEvent<PayButtonFailDetail>) {
      wx.showToast({ title: event.detail.message || toastText.failed, icon: 'none' });
      this.payFailed(event.detail.orderNo);
    },

    /** The order after a payment, as the server confirmed it. */
    payOrderChanged(_order: OrderView) {},

    /** `orderNo`: the order the payment was for (none when ordering itself failed). */
    payFailed(_orderNo?: string) {},
  },
});
