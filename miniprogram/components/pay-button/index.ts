/**
 * <pay-button items="{{ lines }}" bind:success="onPaid" bind:cancel="onCancel" bind:fail="onFail" />
 *
 * Creates an order for `items` with `unifiedOrder` (the server prices it from the catalogue), opens
 * the payment sheet, and reports what the user did. It is usable again after every outcome.
 *
 * Properties
 *   items     Array<{ sku, quantity }>   what to buy
 *   text      string    label; default 立即支付 (set '' to use only the default slot)
 *   disabled  boolean
 *   type, size, block, round             passed to van-button (defaults: danger, normal, false, false)
 * Events (payload in `detail`)
 *   success   { orderNo }                   the payment sheet reported success
 *   cancel    { orderNo }                   the user closed the sheet; the order stays payable
 *   fail      { orderNo?, code, message }   `message` is Chinese, fit to show; no orderNo if ordering failed
 * External classes
 *   custom-class   on the button
 * Slots
 *   default   extra button content after the text
 */
import type { UnifiedOrderRequest } from '../../../typings/paykit/functions';
import { callPaykit } from '../../paykit/client';
import { PaykitError, type PaykitClientErrorCode } from '../../paykit/errors';
import { requestPayment, type PaymentOutcome } from '../../paykit/payment';
import { payButtonText } from '../../paykit/strings';

export type CartLine = Extract<UnifiedOrderRequest, { items: unknown }>['items'][number];

export interface PayButtonSuccessDetail {
  orderNo: string;
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
  | { name: 'cancel'; detail: PayButtonCancelDetail }
  | { name: 'fail'; detail: PayButtonFailDetail };

function failEvent(error: PaykitError, orderNo?: string): PayButtonEvent {
  const detail: PayButtonFailDetail = { code: error.code, message: error.message };
  if (orderNo !== undefined) detail.orderNo = orderNo;
  return { name: 'fail', detail };
}

function outcomeEvent(orderNo: string, outcome: PaymentOutcome): PayButtonEvent {
  switch (outcome.status) {
    case 'paid':
      return { name: 'success', detail: { orderNo } };
    case 'cancelled':
      return { name: 'cancel', detail: { orderNo } };
    case 'failed':
      return failEvent(outcome.error, orderNo);
  }
}

/** A key per tap, so a retried call (flaky network) gets the same order back, never a second one. */
function newRequestKey(): string {
  return `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
}

/** Orders and pays; never rejects, every ending is an event. */
async function orderAndPay(items: CartLine[]): Promise<PayButtonEvent> {
  let orderNo: string | undefined;
  try {
    const order = await callPaykit('unifiedOrder', { items, requestKey: newRequestKey() });
    orderNo = order.orderNo;
    return outcomeEvent(orderNo, await requestPayment(order.payment));
  } catch (err) {
    const error = err instanceof PaykitError ? err : new PaykitError('INTERNAL', String(err));
    return failEvent(error, orderNo);
  }
}

Component({
  externalClasses: ['custom-class'],

  properties: {
    items: { type: Array, value: [] as CartLine[] },
    text: { type: String, value: payButtonText.pay as string },
    disabled: { type: Boolean, value: false },
    type: { type: String, value: 'danger' as ButtonType },
    size: { type: String, value: 'normal' as ButtonSize },
    block: { type: Boolean, value: false },
    round: { type: Boolean, value: false },
  },

  data: {
    loading: false,
    loadingText: payButtonText.paying as string,
  },

  methods: {
    async onTap() {
      // `loading` doubles as the busy flag: setData updates this.data synchronously.
      if (this.data.loading || this.data.disabled) return;
      this.setData({ loading: true });
      // Only sku and quantity go to the server, whatever else the lines carry.
      const items = this.data.items.map(({ sku, quantity }) => ({ sku, quantity }));
      const event = await orderAndPay(items);
      // Usable again before listeners run, so a handler may retry straight away.
      this.setData({ loading: false });
      this.triggerEvent(event.name, event.detail);
    },
  },
});
