/**
 * <pay-button items="{{ lines }}" price="{{ 2400 }}" bind:success="onPaid" bind:fail="onFail" />
 * <pay-button order-no="{{ order.orderNo }}" bind:success="onPaid" />
 *
 * Orders `items` (the server prices them from the catalogue) or reuses the unpaid order `orderNo`,
 * opens the payment sheet, confirms the payment with queryOrder, and reports what happened. It
 * ignores taps while busy and is usable again after every outcome.
 *
 * Properties
 *   items     Array<{ sku, quantity }>   what to buy (used when orderNo is empty)
 *   orderNo   string    pay this existing unpaid order instead
 *   text      string    label; default 立即支付 (set '' to use only the default slot)
 *   price     number    fen, shown after the label as ¥12.34 when > 0 (display only: the server prices)
 *   disabled  boolean
 *   ariaLabel string    what a screen reader says for the button; default: with `text` '' (an
 *                       icon in the slot, say), 立即支付 and the price, or 支付中… while paying
 *   type, size, block, round             passed to van-button (defaults: danger, normal, false, false)
 * Events (payload in `detail`)
 *   start     { orderNo? }                    a tap began a payment (orderNo: the order it pays, when
 *                                             given one); one of the four below follows it
 *   success   { orderNo, order }              the server confirmed the payment; `order` is the OrderView
 *   pending   { orderNo, order? }             the sheet said paid, but the server had not confirmed it
 *                                             within the confirmation tries: show "processing", refresh later
 *   cancel    { orderNo }                     the user closed the sheet; the order stays payable
 *   fail      { orderNo?, code, message }     `message` is Chinese, fit to show; orderNo: the order it was
 *                                             for (no orderNo when ordering `items` made none)
 * External classes
 *   custom-class   on the button
 * Slots
 *   default   extra button content after the text and price
 */
import type { UnifiedOrderRequest } from '../../../typings/paykit/functions';
import type { OrderView } from '../../../typings/paykit/order';
import type { PaykitClientErrorCode } from '../../paykit/errors';
import { instanceState } from '../../paykit/instance-state';
import { pay, type PayResult } from '../../paykit/pay';
import { payButtonText } from '../../paykit/strings';

export type CartLine = Extract<UnifiedOrderRequest, { items: unknown }>['items'][number];

export interface PayButtonStartDetail {
  orderNo?: string;
}
export interface PayButtonSuccessDetail {
  orderNo: string;
  order: OrderView;
}
export interface PayButtonPendingDetail {
  orderNo: string;
  order?: OrderView;
}
export interface PayButtonCancelDetail {
  orderNo: string;
}
export interface PayButtonFailDetail {
  orderNo?: string;
  code: PaykitClientErrorCode;
  message: string;
}

type ButtonType = 'default' | 'primary' | 'info' | 'warning' | 'danger';
type ButtonSize = 'normal' | 'large' | 'small' | 'mini';

type PayButtonEvent =
  | { name: 'success'; detail: PayButtonSuccessDetail }
  | { name: 'pending'; detail: PayButtonPendingDetail }
  | { name: 'cancel'; detail: PayButtonCancelDetail }
  | { name: 'fail'; detail: PayButtonFailDetail };

function eventOf(result: PayResult): PayButtonEvent {
  switch (result.status) {
    case 'paid':
      return { name: 'success', detail: { orderNo: result.orderNo, order: result.order } };
    case 'pending':
      return {
        name: 'pending',
        detail: { orderNo: result.orderNo, ...(result.order ? { order: result.order } : {}) },
      };
    case 'cancelled':
      return { name: 'cancel', detail: { orderNo: result.orderNo } };
    case 'failed': {
      const detail: PayButtonFailDetail = { code: result.error.code, message: result.error.message };
      if (result.orderNo !== undefined) detail.orderNo = result.orderNo;
      return { name: 'fail', detail };
    }
  }
}

/** A key per purchase: unifiedOrder answers the same key with the same order, never a second one. */
function newRequestKey(): string {
  return `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
}

/**
 * The kit answered that the order the purchase's key stands for is over (paid from the orders list,
 * closed, expired or expiring meanwhile): the same key would get that answer on every tap, so the next is new.
 */
function purchaseOver(result: PayResult): boolean {
  return (
    result.status === 'failed' && ['ORDER_PAID', 'ORDER_CLOSED', 'ORDER_EXPIRING'].includes(result.error.code)
  );
}

/** What the button keeps for itself, outside `data`. */
interface PayButtonState {
  /**
   * The purchase whose order the button has not heard of yet: its lines and request key. A tap
   * whose answer was lost (a timeout after the server made the order) leaves it, so the next tap on
   * the same lines is that same order; once an order number came back, the next tap is a new one.
   */
  purchase?: { lines: string; requestKey: string };
}

Component({
  externalClasses: ['custom-class'],

  properties: {
    items: { type: Array, value: [] as CartLine[] },
    orderNo: { type: String, value: '' },
    text: { type: String, value: payButtonText.pay as string },
    price: { type: Number, value: 0 },
    disabled: { type: Boolean, value: false },
    ariaLabel: { type: String, value: '' },
    type: { type: String, value: 'danger' as ButtonType },
    size: { type: String, value: 'normal' as ButtonSize },
    block: { type: Boolean, value: false },
    round: { type: Boolean, value: false },
  },

  data: {
    loading: false,
    loadingText: payButtonText.paying as string,
    /** What a screen reader says for a button without text (the default slot alone says nothing). */
    defaultLabel: payButtonText.pay as string,
  },

  methods: {
    async onTap() {
      // `loading` doubles as the busy flag: setData updates this.data synchronously.
      if (this.data.loading || this.data.disabled) return;
      this.setData({ loading: true });
      const { orderNo } = this.data;
      this.triggerEvent('start', (orderNo ? { orderNo } : {}) satisfies PayButtonStartDetail);
      // Only sku and quantity go to the server, whatever else the lines carry.
      const items = this.data.items.map(({ sku, quantity }) => ({ sku, quantity }));
      const request: UnifiedOrderRequest = orderNo
        ? { orderNo }
        : { items, requestKey: this.requestKeyFor(JSON.stringify(items)) };
      const result = await pay(request);
      if (result.orderNo !== undefined || purchaseOver(result)) this.state().purchase = undefined;
      const event = eventOf(result);
      // Usable again before listeners run, so a handler may retry straight away.
      this.setData({ loading: false });
      this.triggerEvent(event.name, event.detail);
    },

    /** The key of the purchase of `lines`: the unanswered one's, or a new one. */
    requestKeyFor(lines: string): string {
      const state = this.state();
      if (state.purchase?.lines !== lines) state.purchase = { lines, requestKey: newRequestKey() };
      return state.purchase.requestKey;
    },

    state(): PayButtonState {
      return instanceState<PayButtonState>(this, () => ({}));
    },
  },
});
