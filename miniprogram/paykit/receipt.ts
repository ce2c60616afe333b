/**
 * Confirm receipt with WeChat's confirm-receipt component (确认收货组件, wechat-shipping-reference.md
 * §4): `wx.openBusinessView({ businessType: 'weappOrderConfirm', extraData: { transaction_id } })`.
 * The component's result comes back through `App.onShow(options)` (referrerInfo.extraData), which
 * app.ts hands to `receiptReturned`: a `success` there is only the client's word, so the server is
 * asked (confirmReceipt re-checks with WeChat) and its answer is what pages hear about.
 *
 *   page ──openReceiptConfirm──▶ WeChat's component ──App.onShow──▶ receiptReturned ──▶ confirmReceipt
 *                                                                        └──▶ onReceiptResult listeners
 *
 * In local mode the sandbox stands in for the component (`POST /sandbox/shipping/confirm` as the
 * local user), and its answer is handed to receiptReturned as App.onShow would be.
 */
import type { ShippingView } from '../../typings/paykit/shipping';
import { confirmReceipt } from './api';
import { getPaykitConfig } from './config';
import { asPaykitError, PaykitError } from './errors';
import { gatewayHeaders } from './transport';

/** The appId App.onShow's referrerInfo carries when coming back from the component. */
export const ORDER_CONFIRM_APPID = 'wx1183b055aeec94d1';

/** What a page hears after the component returned. */
export type ReceiptResult =
  | { transactionId: string; outcome: 'confirmed'; shipping: ShippingView }
  /** The buyer closed the component, or it failed (not the payer, not shipped). */
  | { transactionId: string; outcome: 'cancelled'; message: string }
  /** The server does not confirm it (RECEIPT_NOT_CONFIRMED, a network failure…). */
  | { transactionId: string; outcome: 'failed'; error: PaykitError };

type Listener = (result: ReceiptResult) => void;
const listeners = new Set<Listener>();
/** Transaction ids whose `success` the server is checking now (their listeners are yet to hear). */
const checking = new Set<string>();

/**
 * Whether a result of the component for `transactionId` is on its way to the listeners. App.onShow
 * runs before the page's onShow, so a page shown again without one coming (the buyer left the
 * component by the home button, say) knows it will hear nothing.
 */
export function receiptBeingChecked(transactionId: string): boolean {
  return checking.has(transactionId);
}

/** Calls `listener` with every confirm-receipt result; answers the function that stops it. */
export function onReceiptResult(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

interface ComponentReturn {
  status?: unknown;
  errormsg?: unknown;
  req_extradata?: { transaction_id?: unknown };
}

/**
 * App.onShow: when the mini-program comes back from the confirm-receipt component, asks the server
 * and tells the listeners. Any other show answers undefined at once.
 */
export async function receiptReturned(options: {
  referrerInfo?: { appId?: string; extraData?: unknown };
}): Promise<ReceiptResult | undefined> {
  const referrer = options?.referrerInfo;
  if (referrer?.appId !== ORDER_CONFIRM_APPID) return undefined;
  const back = (referrer.extraData ?? {}) as ComponentReturn;
  const transactionId = back.req_extradata?.transaction_id;
  if (typeof transactionId !== 'string' || !transactionId) return undefined;
  let result: ReceiptResult;
  if (back.status !== 'success') {
    result = { transactionId, outcome: 'cancelled', message: String(back.errormsg ?? back.status ?? '') };
  } else {
    checking.add(transactionId);
    try {
      result = { transactionId, outcome: 'confirmed', shipping: await confirmReceipt({ transactionId }) };
    } catch (err) {
      result = { transactionId, outcome: 'failed', error: asPaykitError(err) };
    } finally {
      checking.delete(transactionId);
    }
  }
  for (const listener of listeners) listener(result);
  return result;
}

// miniprogram-api-typings has no openBusinessView (base library ≥ 2.6.0); this is its documented shape.
interface BusinessViewApi {
  openBusinessView(options: {
    businessType: string;
    extraData: Record<string, string>;
    success?: () => void;
    fail?: (err: { errMsg: string }) => void;
  }): void;
}

/**
 * Opens the confirm-receipt component for a shipped order. Resolves once it is open (cloud mode) or,
 * in local mode, once the sandbox answered and receiptReturned ran; rejects if it cannot open.
 */
export function openReceiptConfirm(transactionId: string): Promise<void> {
  const config = getPaykitConfig();
  if (config.mode === 'local') return confirmLocally(transactionId);
  return new Promise((resolve, reject) => {
    (wx as unknown as BusinessViewApi).openBusinessView({
      businessType: 'weappOrderConfirm',
      extraData: { transaction_id: transactionId },
      // success fires even when the buyer cancels: the outcome is App.onShow's extraData.status.
      success: () => resolve(),
      fail: (err) => reject(new PaykitError('FUNCTION_ERROR', err.errMsg)),
    });
  });
}

function confirmLocally(transactionId: string): Promise<void> {
  const config = getPaykitConfig();
  return new Promise((resolve, reject) => {
    wx.request({
      url: `${config.gatewayUrl}/sandbox/shipping/confirm`,
      method: 'POST',
      header: gatewayHeaders(config),
      data: { transaction_id: transactionId, openid: config.localOpenid },
      success: (res) => {
        const answer = res.data as { referrerInfo?: { appId?: string; extraData?: unknown } };
        if (!answer?.referrerInfo) {
          reject(new PaykitError('BAD_RESPONSE', `sandbox answered HTTP ${res.statusCode}`));
          return;
        }
        void receiptReturned(answer).then(() => resolve());
      },
      fail: (err) => reject(new PaykitError('NETWORK_ERROR', err.errMsg)),
    });
  });
}
