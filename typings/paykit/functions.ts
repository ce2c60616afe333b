import type { OrderView } from './order';

/** `unifiedOrder`: create an order from catalogue items and get the parameters for `wx.requestPayment`. */
export interface UnifiedOrderRequest {
  items: Array<{ sku: string; quantity: number }>;
}

/** Exactly the fields `wx.requestPayment` takes (plus appId, which it accepts). */
export interface PaymentParams {
  appId?: string;
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: 'MD5' | 'HMAC-SHA256' | 'RSA';
  paySign: string;
}

export interface UnifiedOrderResult {
  orderNo: string;
  totalFee: number;
  payment: PaymentParams;
}

export interface QueryOrderRequest {
  orderNo: string;
}

export interface QueryOrderResult {
  order: OrderView;
}

/** Every kit function, with its request and result types: the contract both sides compile against. */
export interface PaykitFunctions {
  unifiedOrder: { request: UnifiedOrderRequest; result: UnifiedOrderResult };
  queryOrder: { request: QueryOrderRequest; result: QueryOrderResult };
}

export type PaykitFunctionName = keyof PaykitFunctions;
