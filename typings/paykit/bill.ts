import type { Fen } from './order';

export type DiscrepancyKind =
  /** WeChat has a payment the kit has not recorded (a lost callback): repairable. */
  | 'PAID_AT_WECHAT_NOT_HERE'
  /** Both have the payment, with different amounts. */
  | 'AMOUNT_MISMATCH'
  /** The kit recorded a payment that is not in WeChat's bill. */
  | 'PAID_HERE_NOT_AT_WECHAT'
  /** A trade in the bill that is not one of the kit's orders. */
  | 'UNKNOWN_TRADE'
  /**
   * A refund in the bill that the kit has not recorded as refunded. Repairable: one the kit asked
   * for is settled from WeChat's answer; one the merchant made on the merchant platform of a payment
   * the kit recorded is recorded on the order as made there (RefundView.onPlatform).
   */
  | 'REFUND_NOT_HERE'
  /**
   * A refund in the bill of a payment the merchant refunded on the merchant platform before the kit
   * recorded it (the order is REFUND, marked refunded outside): for an admin to look at, not to repair.
   */
  | 'REFUNDED_OUTSIDE_KIT'
  /**
   * A payment in the bill of one of the kit's attempts whose amount is not the order's: not recorded
   * as the order's payment; the order is PAYERROR, marked with what WeChat said, for an admin (REFUND,
   * refunded outside the kit, once the merchant refunded it on the merchant platform; that refund is
   * then REFUNDED_OUTSIDE_KIT).
   */
  | 'PAYMENT_NOT_MATCHING';

export interface Discrepancy {
  kind: DiscrepancyKind;
  outTradeNo: string;
  orderNo?: string;
  wechatFee?: Fen;
  localFee?: Fen;
  transactionId?: string;
  /** For REFUND_NOT_HERE and REFUNDED_OUTSIDE_KIT. */
  outRefundNo?: string;
  /** Set when `repair` recorded it. */
  repaired?: boolean;
}

/** One day's reconciliation, as stored in `paykit_bills`. */
export interface BillReport {
  billDate: string;
  /** False when WeChat had no bill for the day (No Bill Exist). */
  billExists: boolean;
  payments: { count: number; fee: Fen };
  refunds: { count: number; fee: Fen };
  /** Fees in units of 0.00001 yuan, as the bill prints them. */
  serviceFee: number;
  summaryMatches: boolean;
  discrepancies: Discrepancy[];
  reconciledAt: number;
}
