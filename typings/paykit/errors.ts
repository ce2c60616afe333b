/**
 * Error codes shared by the cloud functions and the mini-program. Type-only on purpose: the
 * mini-program cannot require files outside its root, so each side keeps an exhaustive
 * `Record<PaykitErrorCode, …>` table that the compiler checks against this union.
 */
export type PaykitErrorCode =
  /** The event is malformed: a missing, mistyped or out-of-range field. */
  | 'INVALID_PARAM'
  /** A catalogue item does not exist or is not for sale. */
  | 'PRODUCT_NOT_FOUND'
  /** No such order, or not the caller's. */
  | 'ORDER_NOT_FOUND'
  /** The order is already paid. */
  | 'ORDER_PAID'
  /** The order is closed and can no longer be paid. */
  | 'ORDER_CLOSED'
  /**
   * The unpaid order expires too soon for WeChat Pay to start another payment of it (its last one
   * lapsed or was closed): it cannot be paid any more; a new order can.
   */
  | 'ORDER_EXPIRING'
  /** The order's state does not allow the action (`conflict` says which, where the caller may act on it). */
  | 'ORDER_STATE_CONFLICT'
  /** WeChat refuses to close an order within 5 minutes of its creation. */
  | 'CLOSE_TOO_EARLY'
  /** The caller may not do this (admin functions, someone else's order). */
  | 'FORBIDDEN'
  /** The payment provider refused or failed; the message carries its reason. */
  | 'PAY_PROVIDER_ERROR'
  /**
   * WeChat Pay turned the refund down for a business reason (the merchant's balance short, the
   * payer's account closed, the refund window over, …): nothing was refunded and nothing stays
   * reserved; `refusal` says why. The same refundNo may be asked again once that is put right.
   */
  | 'REFUND_REFUSED'
  /**
   * The kit is not configured (env id, merchant number, …), or WeChat Pay refused the merchant's
   * configuration (the merchant not bound, a permission such as API refunds not granted): the
   * message names what to put right. A refund refused so holds nothing; its refundNo may be asked again.
   */
  | 'NOT_CONFIGURED'
  /** The call came without a caller identity (no OPENID). */
  | 'UNAUTHENTICATED'
  /** WeChat does not know the payment yet (10060001 right after it) or is busy: try again in a minute. */
  | 'SHIPPING_PENDING'
  /** WeChat refused the shipping information for good; the message says why (in Chinese). */
  | 'SHIPPING_REFUSED'
  /** The one re-shipment WeChat allows per order has been used. */
  | 'RESHIP_USED'
  /** SF Express needs the consignor's or receiver's masked phone number (contact). */
  | 'CONTACT_REQUIRED'
  /** WeChat does not show the receipt as confirmed (the client's word is not taken). */
  | 'RECEIPT_NOT_CONFIRMED'
  /**
   * downloadBill: WeChat Pay has not made the day's bill yet (it does from 10:00 Beijing time the
   * next day): `retryAt` says when to ask again.
   */
  | 'BILL_NOT_READY'
  /** Anything unexpected; logged on the server. */
  | 'INTERNAL';

/** What every kit cloud function answers on failure. */
export interface PaykitFailure {
  ok: false;
  code: PaykitErrorCode;
  message: string;
  /** For CLOSE_TOO_EARLY: when the order can be closed; for BILL_NOT_READY: when the bill is out (ms since epoch). */
  retryAt?: number;
  /** For REFUND_REFUSED: why WeChat Pay refused the refund. */
  refusal?: RefundRefusalDetail;
  /** For ORDER_STATE_CONFLICT, where the caller may act on which conflict it is (shipOrder). */
  conflict?: StateConflict;
}

/** Which ORDER_STATE_CONFLICT it is, where the caller may act on it. */
export type StateConflict =
  /**
   * shipOrder: the order has more shipments than the caller's view (`shipments`) showed, shipped
   * meanwhile from elsewhere: nothing was uploaded; the view is stale, and loaded again shows it.
   */
  | 'SHIPPED_MEANWHILE'
  /**
   * shipOrder: the payment was recorded without WeChat Pay's transaction id, which WeChat's shipping
   * API needs: nothing can be uploaded for it from the kit (WeChat's console records it by hand).
   */
  | 'NO_TRANSACTION_ID';

/** Why WeChat Pay refused a refund (REFUND_REFUSED), for the admin. */
export interface RefundRefusalDetail {
  /** WeChat's reason in its own words (Chinese where it gives one). */
  reason: string;
  /** The merchant's refundable balance is short (NOTENOUGH): top it up, then ask for the same refund again. */
  notEnough: boolean;
}

export interface PaykitSuccess<T> {
  ok: true;
  data: T;
}

export type PaykitResponse<T> = PaykitSuccess<T> | PaykitFailure;
