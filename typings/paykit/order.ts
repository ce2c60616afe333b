import type { DeliveryMethod, ShippingView } from './shipping';

/** Money is always an integer number of fen (分). */
export type Fen = number;

/** The kit's order status. Mirrors WeChat's trade states that a mini-program order can reach. */
export type OrderStatus = 'NOTPAY' | 'SUCCESS' | 'CLOSED' | 'REFUND' | 'PAYERROR';

export interface OrderItem {
  sku: string;
  name: string;
  /** Unit price in fen, taken from the catalogue when the order was created. */
  unitPrice: Fen;
  quantity: number;
  /** How it is delivered (from the catalogue when the order was created); express when absent. */
  delivery?: DeliveryMethod;
}

export type RefundStatus = 'PROCESSING' | 'SUCCESS' | 'FAILED' | 'CHANGE';

export interface RefundView {
  refundNo: string;
  refundFee: Fen;
  status: RefundStatus;
  reason?: string;
  createdAt: number;
  settledAt?: number;
  /**
   * Made by the merchant by hand on WeChat Pay's merchant platform, not through the kit (recorded
   * once the kit learnt of it and WeChat confirmed it): counted in `refundedFee` as any refund.
   */
  onPlatform?: true;
  /**
   * Merchant admins only (queryOrder): why WeChat Pay turned this FAILED refund down, in WeChat's
   * words, for the admin to put right. Absent when WeChat ended it without a word (REFUNDCLOSE).
   */
  failure?: string;
}

/** An order as the mini-program sees it. */
export interface OrderView {
  orderNo: string;
  status: OrderStatus;
  items: OrderItem[];
  totalFee: Fen;
  description: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  paidAt?: number;
  closedAt?: number;
  /** When an unpaid order stops being payable. */
  expiresAt: number;
  transactionId?: string;
  /** Sum of the refunds that went through. */
  refundedFee: Fen;
  refunds: RefundView[];
  /** How the order is delivered, and (once paid) where its shipment stands. */
  delivery: DeliveryMethod;
  shipping?: ShippingView;
  /**
   * Refunded by the merchant on WeChat Pay's merchant platform before the kit had recorded the
   * payment (or a payment not matching the order, the way out of PAYERROR): the refunds are not in
   * `refunds`, and their amounts are not known.
   */
  refundedOutside?: true;
}

export interface Product {
  sku: string;
  name: string;
  price: Fen;
  active: boolean;
  /** How it is delivered; express when the catalogue does not say. */
  delivery: DeliveryMethod;
}
