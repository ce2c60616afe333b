/**
 * The pay provider interface: what the kit needs from WeChat Pay, whatever the route
 * (cloudPay through wx-server-sdk, or the merchant's own APIv3 credentials).
 */
import type { RefundRefusalDetail } from '../../typings/paykit/errors';
import type { Prepay } from './model';

export interface PrepayRequest {
  outTradeNo: string;
  totalFee: number;
  body: string;
  openid: string;
  /** The order stops being payable then (ms since epoch). */
  expiresAt: number;
  attach?: string;
}

export type TradeState =
  'NOTPAY' | 'USERPAYING' | 'SUCCESS' | 'CLOSED' | 'REFUND' | 'PAYERROR' | 'REVOKED' | 'NOTFOUND';

export interface TradeStatus {
  outTradeNo: string;
  state: TradeState;
  totalFee?: number;
  transactionId?: string;
  /** ms since epoch */
  paidAt?: number;
  /** The merchant WeChat says the trade belongs to (sub-merchant for cloudPay, mchid for APIv3). */
  merchantId?: string;
}

export type CloseOutcome = 'CLOSED' | 'PAID' | 'NOTFOUND' | 'TOO_EARLY';

export interface RefundRequest {
  outTradeNo: string;
  outRefundNo: string;
  totalFee: number;
  refundFee: number;
  reason?: string;
}

export type RefundState = 'PROCESSING' | 'SUCCESS' | 'REFUNDCLOSE' | 'CHANGE' | 'NOTFOUND' | 'UNKNOWN';

export interface RefundStatus {
  outRefundNo: string;
  state: RefundState;
  refundFee?: number;
  refundId?: string;
  /** ms since epoch */
  succeededAt?: number;
  /** The trade WeChat says the refund is of: a refund number is the merchant's, not one order's. */
  outTradeNo?: string;
}

/** A refund the provider refused outright (over the paid amount, too frequent, …). */
export interface RefundRefusal {
  refused: true;
  /** WeChat's answer as the logs and the refund's record keep it: its code, where it gives one, and words. */
  reason: string;
  /**
   * Set when WeChat turned the refund itself down for a business reason of its refund error table
   * (wechat-pay-reference.md §11.5, wechatpay-apiv3-reference.md §8.3: the merchant's balance short,
   * the payer's account closed, the refund window over, more than is left): the kit answers
   * REFUND_REFUSED with it. Unset for the other refusals (rate limits, permissions, a request WeChat
   * finds malformed): the retryable PAY_PROVIDER_ERROR, as before.
   */
  business?: RefundRefusalDetail;
  /**
   * Set when WeChat refused because of the merchant's configuration (the binding, the refund
   * permission, the merchant number): WeChat's words and what to put right. The kit answers
   * NOT_CONFIGURED with it; asking again changes nothing until the merchant has put it right.
   */
  misconfigured?: string;
}

export interface PayProvider {
  readonly name: string;
  /** The merchant this provider takes money for: a trade of another merchant is never recorded. */
  readonly merchantId: string;
  createPrepay(req: PrepayRequest): Promise<Prepay>;
  queryTrade(outTradeNo: string): Promise<TradeStatus>;
  closeTrade(outTradeNo: string): Promise<CloseOutcome>;
  refund(req: RefundRequest): Promise<{ refundId: string } | RefundRefusal>;
  queryRefund(outRefundNo: string): Promise<RefundStatus>;
  /**
   * The numbers of the refunds WeChat holds of the trade, every page of them (cloudPay's queryRefund
   * by out_trade_no); undefined when its answer does not list them (reference pitfall 12). Only
   * cloudPay has it: APIv3 lists no refunds of a trade.
   */
  refundNumbers?(outTradeNo: string): Promise<string[] | undefined>;
  /** The day's ALL bill (yyyyMMdd) as gzip bytes, or null when WeChat has none (No Bill Exist). */
  downloadBill(billDate: string): Promise<Buffer | null>;
}
