/**
 * The pay provider interface: what the kit needs from WeChat Pay, whatever the route
 * (cloudPay through wx-server-sdk, or the merchant's own APIv3 credentials).
 */
import type { PaymentAttempt } from './model';

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
  subMchId?: string;
}

export type CloseOutcome = 'CLOSED' | 'PAID' | 'NOTFOUND' | 'TOO_EARLY';

export interface PayProvider {
  readonly name: string;
  createPrepay(req: PrepayRequest): Promise<Omit<PaymentAttempt, 'outTradeNo' | 'createdAt'>>;
  queryTrade(outTradeNo: string): Promise<TradeStatus>;
  closeTrade(outTradeNo: string): Promise<CloseOutcome>;
}

/** Calls made to the provider, for `npm run bench`'s per-operation counts. */
export const providerCalls = { count: 0 };
