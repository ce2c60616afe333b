/**
 * pages/orders/detail?orderNo=…: everything a customer needs about one order, and what they can do
 * in its state: pay an unpaid order, close it (WeChat allows that 5 minutes after the payment
 * attempt; the page says from when; not while a payment is under way), refresh (queryOrder syncs with WeChat Pay, so a payment whose
 * callback is late shows up). Every show reloads, so changes made elsewhere appear on return.
 * Once paid: the shipment (company, tracking number, items) and, while shipped, 确认收货, which
 * opens WeChat's confirm-receipt component; the server's answer to its result (paykit/receipt.ts)
 * reloads the order. Once the server says too little of the order is left to pay it again
 * (ORDER_EXPIRING), 继续支付 is no longer offered.
 *
 * A merchant admin may open anyone's order (from the orders list's `scope=all`): the owner's actions
 * are hidden when it is not theirs (queryOrder's `own`), and 退款 refunds part or all of what is left
 * (`refundable`). One refund number is kept while its dialog is open, so submitting again after a
 * failure cannot refund twice. A refund that did not go through tells the admin why: WeChat's
 * reason for turning it down, closed by WeChat (nothing went out), or abnormal (to be handled on the
 * merchant platform). On an order WeChat took a payment for that does not match it
 * (PAYERROR), the admin is told the way out: refund it on the merchant platform, then reopen it.
 */
import type { OrderView } from '../../../../typings/paykit/order';
import { payOutcome } from '../../../behaviors/pay-outcome';
import { closeOrder, queryOrderDetail, refund } from '../../../paykit/api';
import { asPaykitError, type PaykitClientErrorCode, type PaykitError } from '../../../paykit/errors';
import { instanceState } from '../../../paykit/instance-state';
import { LatestLoad } from '../../../paykit/late-answers';
import { formatFen, parseYuan } from '../../../paykit/money';
import {
  onReceiptResult,
  openReceiptConfirm,
  receiptBeingChecked,
  type ReceiptResult,
} from '../../../paykit/receipt';
import {
  deliveryText,
  detailText,
  expressCompanyText,
  refundStatusText,
  shipmentText,
  shippingStateText,
  toastText,
} from '../../../paykit/strings';
import { STATUS_TAG, statusLabel } from '../list/rows';

const TICK_MS = 1000;

/** A refund number of this page's own: the order's number and the moment, unique per dialog. */
function newRefundNo(orderNo: string): string {
  return `${orderNo}R${Date.now().toString(36).toUpperCase()}`;
}

/**
 * What the refund dialog says of a failed refund: WeChat Pay's refusal with its reason (the balance
 * short, or the merchant's configuration, said as what to do), else the code's text.
 */
function refundErrorText(error: PaykitError): string {
  if (error.code === 'NOT_CONFIGURED') return detailText.refundNotConfigured;
  if (error.code !== 'REFUND_REFUSED' || !error.refusal) return error.message;
  const { notEnough, reason } = error.refusal;
  return notEnough ? detailText.refundNotEnough : `${detailText.refundRefused}${reason}`;
}

/** What the page keeps for itself, outside `data`. */
interface DetailState {
  ticker?: number;
  /** Stops listening for confirm-receipt results. */
  stopReceipts?: () => void;
  /** The open refund dialog's refund number: every submission from it is the same refund. */
  refundNo?: string;
  /**
   * Every load takes a ticket, and so does every order an action answered (paid, closed): an answer
   * of a load asked before either is older than what the page shows, and is dropped.
   */
  loads: LatestLoad;
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
    /**
     * The server answered ORDER_EXPIRING: too little of the order is left for WeChat Pay to start
     * another payment of it, so 继续支付 is not offered again (closing it stays possible).
     */
    expiring: false,
    error: '',
    now: Date.now(),
    text: detailText,
    /** The status tag's text (部分退款 for a partly refunded order). */
    statusLabel: '',
    statusTag: STATUS_TAG,
    refundStatusText,
    shipmentText,
    shippingStateText,
    deliveryText,
    companies: expressCompanyText,
    /** The confirm-receipt component is open (or the server is being asked). */
    confirmingReceipt: false,
    /** False when a merchant admin looks at another user's order: its owner's actions are not shown. */
    own: true,
    /** Merchant admins: fen left to refund (queryOrder's `refundable`); 0 hides 退款. */
    refundable: 0,
    /** A merchant admin looks (queryOrder answers `refundable` to admins only). */
    admin: false,
    /** The refund dialog: open, its fields, and the reason it cannot go yet. */
    refundOpen: false,
    refundAmount: '',
    refundReason: '',
    refundError: '',
  },

  lifetimes: {
    attached() {
      this.state().stopReceipts = onReceiptResult((result) => this.receiptResult(result));
    },
    detached() {
      this.stopTicker();
      this.state().stopReceipts?.();
    },
  },

  methods: {
    onLoad(query: Record<string, string | undefined> = {}) {
      if (query.orderNo) this.setData({ orderNo: decodeURIComponent(query.orderNo) });
    },

    /** Every show reloads: the order may have been paid or closed elsewhere meanwhile. */
    onShow() {
      this.startTicker();
      this.endUnansweredReceipt();
      void this.load();
    },

    /**
     * Shown again while 确认收货 waits for the component's result, and none is coming (the buyer
     * left it by the home button, say): the button is usable again rather than spinning for good.
     */
    endUnansweredReceipt() {
      const transactionId = this.data.order?.transactionId;
      if (!this.data.confirmingReceipt || (transactionId && receiptBeingChecked(transactionId))) return;
      this.setData({ confirmingReceipt: false });
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

    /**
     * queryOrder: the kit syncs an unpaid order with WeChat Pay before answering. When it fails with
     * the order already shown, the order stays and a toast says why (the page would otherwise keep
     * showing what may be out of date without a word); with nothing shown, the error takes the page,
     * with 重新加载.
     */
    async load(): Promise<boolean> {
      const { orderNo } = this.data;
      if (!orderNo) {
        this.setData({ error: detailText.notFound });
        return false;
      }
      const { loads } = this.state();
      const ticket = loads.next();
      this.setData({ loading: true });
      try {
        const { order, own, refundable } = await queryOrderDetail(orderNo);
        if (!loads.isLatest(ticket)) return false;
        // Who looks first: the status tag is worded for them (statusLabel).
        this.setData({
          loading: false,
          error: '',
          own,
          refundable: refundable ?? 0,
          admin: refundable !== undefined,
        });
        this.showOrder(order);
        return true;
      } catch (err) {
        if (!loads.isLatest(ticket)) return false;
        const error = asPaykitError(err);
        // A mistyped order number (an admin's lookup) is not one: the server's INVALID_PARAM says so.
        const message = error.code === 'INVALID_PARAM' ? detailText.notFound : error.message;
        if (this.data.order) {
          this.setData({ loading: false });
          wx.showToast({ title: message, icon: 'none' });
        } else this.setData({ loading: false, error: message });
        return false;
      }
    },

    async onRefresh() {
      if (this.data.loading) return;
      if (await this.load()) wx.showToast({ title: toastText.refreshed, icon: 'none' });
    },

    /** The retry button of the error state. */
    onRetry() {
      void this.load();
    },

    showOrder(order: OrderView) {
      this.setData({
        order,
        statusLabel: statusLabel(order, this.data.admin),
        now: Date.now(),
        // The 5-minute notice only means something while the order is unpaid.
        ...(order.status === 'NOTPAY' ? {} : { closableAt: 0 }),
      });
    },

    /**
     * An order an action answered (paid, closed): newer than what any load on its way will answer
     * (a pull-down asked before the payment), so those answers are dropped, and nothing is loading.
     */
    showAnswered(order: OrderView) {
      this.state().loads.next();
      this.showOrder(order);
      this.setData({ loading: false });
    },

    /** The pay button settled the order (pay-outcome behavior). */
    payOrderChanged(order: OrderView) {
      this.showAnswered(order);
    },

    /** A failed payment may have changed the order (paid meanwhile, say): reload it. */
    payFailed(_orderNo?: string, code?: PaykitClientErrorCode) {
      if (code === 'ORDER_EXPIRING') this.setData({ expiring: true });
      void this.load();
    },

    onCloseTap() {
      // Not while a payment is under way: it may be paid already, the sheet still open.
      if (this.data.closing || this.data.paying) return;
      this.setData({ confirmingClose: true });
    },

    onCloseCancel() {
      this.setData({ confirmingClose: false });
    },

    /**
     * van-dialog reports `close` only after its leave animation (300 ms): by then a confirmation may
     * be open again (a second tap on 关闭订单), which a late close must not dismiss. Confirm and
     * cancel ended the confirmation at once; any other close (the overlay) ends it here, unless the
     * dialog is shown again.
     */
    onCloseDialogEnd(event: { detail: unknown }) {
      if (event.detail === 'confirm' || event.detail === 'cancel') return;
      if (!this.dialogShown('#close-dialog')) this.setData({ confirmingClose: false });
    },

    /** Whether a van-dialog shows now: its own `show`, which a tap on its overlay clears. */
    dialogShown(selector: string): boolean {
      const dialog = this.selectComponent(selector) as { data?: { show?: boolean } } | null;
      return Boolean(dialog?.data?.show);
    },

    async onCloseConfirm() {
      const { orderNo } = this.data;
      if (this.data.closing) return;
      this.setData({ confirmingClose: false, closing: true });
      try {
        const order = await closeOrder(orderNo);
        this.showAnswered(order);
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

    /** 确认收货: WeChat's component; its result comes back through App.onShow (receiptResult). */
    async onConfirmReceiptTap() {
      const transactionId = this.data.order?.transactionId;
      if (!transactionId || this.data.confirmingReceipt) return;
      this.setData({ confirmingReceipt: true });
      try {
        await openReceiptConfirm(transactionId);
      } catch (err) {
        this.setData({ confirmingReceipt: false });
        wx.showToast({ title: asPaykitError(err).message, icon: 'none' });
      }
    },

    receiptResult(result: ReceiptResult) {
      if (result.transactionId !== this.data.order?.transactionId) return;
      this.setData({ confirmingReceipt: false });
      const title =
        result.outcome === 'confirmed'
          ? shipmentText.confirmed
          : result.outcome === 'cancelled'
            ? shipmentText.confirmCancelled
            : result.error.message;
      wx.showToast({ title, icon: 'none' });
      void this.load();
    },

    /** The order number cell: copied, for the customer to quote to the merchant (WeChat says 内容已复制). */
    onCopyOrderNo() {
      const orderNo = this.data.order?.orderNo;
      if (orderNo) void wx.setClipboardData({ data: orderNo });
    },

    /** 退款: the dialog opens with everything left to refund, and a refund number of its own. */
    onRefundTap() {
      const { order, refundable } = this.data;
      if (!order || refundable <= 0) return;
      this.state().refundNo = newRefundNo(order.orderNo);
      this.setData({
        refundOpen: true,
        refundAmount: formatFen(refundable),
        refundReason: '',
        refundError: '',
      });
    },

    onRefundAmount(event: { detail: string }) {
      this.setData({ refundAmount: event.detail, refundError: '' });
    },

    onRefundReason(event: { detail: string }) {
      this.setData({ refundReason: event.detail });
    },

    onRefundCancel() {
      this.setData({ refundOpen: false });
    },

    /** The dialog closes itself only on the overlay (it is async-close): follow it. */
    onRefundDialogEnd() {
      if (!this.dialogShown('#refund-dialog')) this.setData({ refundOpen: false });
    },

    /**
     * 确认退款: an amount from 0.01 yuan to what is left, in fen, under the dialog's refund number.
     * A refusal keeps the dialog open with the reason (submitting again is the same refund). Either
     * way the order is reloaded, which also says what is left to refund (the refund may have gone
     * through before an error).
     */
    async onRefundConfirm() {
      // vant marks the confirm button loading just after it emits confirm (async-close): whatever
      // this handler decides comes after that, or a refused amount would leave it spinning.
      await Promise.resolve();
      const { orderNo, refundable, order } = this.data;
      const reason = this.data.refundReason.trim();
      const dialog = this.selectComponent('#refund-dialog') as { stopLoading?: () => void } | null;
      const refundFee = parseYuan(this.data.refundAmount);
      // After an error the reload may show this dialog's refund still reserved (WeChat may have
      // taken it): what is left no longer counts it, and asking again is that same refund, not a new
      // one. A FAILED one holds nothing (the server's refundableFee leaves it out already).
      const mine = order?.refunds.find((r) => r.refundNo === this.state().refundNo);
      const reserved = mine && mine.status !== 'FAILED' ? mine.refundFee : 0;
      if (refundFee === undefined || refundFee < 1 || refundFee > refundable + reserved) {
        this.setData({ refundError: detailText.refundAmountInvalid });
        dialog?.stopLoading?.();
        return;
      }
      // This dialog's refund ended (refused, or made after an error) and another amount is asked
      // for: that is a refund of its own, under a number of its own (the server refuses a number
      // for two amounts). One still in progress keeps its number: asking again is that refund.
      if (mine && mine.status !== 'PROCESSING' && mine.refundFee !== refundFee) {
        this.state().refundNo = newRefundNo(orderNo);
      }
      try {
        await refund({ orderNo, refundFee, refundNo: this.state().refundNo, ...(reason ? { reason } : {}) });
        this.setData({ refundOpen: false });
        wx.showToast({ title: detailText.refundSubmitted, icon: 'none' });
      } catch (err) {
        const error = asPaykitError(err);
        // The amount is what the server found wrong (another admin refunded meanwhile, so more than
        // is left now): said as the amount's rule, beside what is left, which the reload below shows.
        const invalidAmount = error.code === 'INVALID_PARAM';
        this.setData({
          refundError: invalidAmount ? detailText.refundAmountInvalid : refundErrorText(error),
        });
        dialog?.stopLoading?.();
      }
      void this.load();
    },

    state(): DetailState {
      return instanceState<DetailState>(this, () => ({ loads: new LatestLoad() }));
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
