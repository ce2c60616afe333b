/**
 * Augments the typings that ship with wx-server-sdk 4.0.2, which lack `cloudPay` and reject
 * `init({ env: DYNAMIC_CURRENT_ENV })` (a symbol). Field names are WeChat Pay v2's, camelCased
 * the way the SDK converts them (see wechat-pay-reference.md §1).
 */
import 'wx-server-sdk';

declare module 'wx-server-sdk' {
  export function init(config?: { env?: string | symbol; traceUser?: boolean; [k: string]: unknown }): void;

  /** Fields every cloudPay answer may carry. `errCode` is always 0 (the SDK overwrites it). */
  interface CloudPayResult {
    returnCode?: 'SUCCESS' | 'FAIL';
    returnMsg?: string;
    resultCode?: 'SUCCESS' | 'FAIL';
    errCodeDes?: string;
    errCode: number;
    errMsg: string;
    appid?: string;
    mchId?: string;
    subAppid?: string;
    subMchId?: string;
    nonceStr?: string;
    sign?: string;
    [k: string]: unknown;
  }

  interface CloudPayPayment {
    appId: string;
    timeStamp: string;
    nonceStr: string;
    package: string;
    signType: 'MD5' | 'HMAC-SHA256';
    paySign: string;
  }

  interface CloudPayUnifiedOrderParams {
    body: string;
    outTradeNo: string;
    totalFee: number;
    spbillCreateIp: string;
    subMchId: string;
    envId: string;
    functionName: string;
    nonceStr?: string;
    tradeType?: 'JSAPI';
    attach?: string;
    timeStart?: string;
    timeExpire?: string;
    openid?: string;
    subOpenid?: string;
    subAppid?: string;
    [k: string]: unknown;
  }

  interface CloudPayUnifiedOrderResult extends CloudPayResult {
    prepayId?: string;
    tradeType?: string;
    payment?: CloudPayPayment;
  }

  interface CloudPayQueryOrderResult extends CloudPayResult {
    tradeState?:
      'NOTPAY' | 'USERPAYING' | 'SUCCESS' | 'CLOSED' | 'REFUND' | 'PAYERROR' | 'REVOKED' | 'ACCEPT';
    tradeStateDesc?: string;
    outTradeNo?: string;
    transactionId?: string;
    totalFee?: number;
    cashFee?: number;
    timeEnd?: string;
    openid?: string;
    subOpenid?: string;
    attach?: string;
  }

  interface CloudPayNamespace {
    unifiedOrder(p: CloudPayUnifiedOrderParams): Promise<CloudPayUnifiedOrderResult>;
    queryOrder(p: {
      subMchId: string;
      outTradeNo?: string;
      transactionId?: string;
      nonceStr?: string;
    }): Promise<CloudPayQueryOrderResult>;
    closeOrder(p: { subMchId: string; outTradeNo: string; nonceStr?: string }): Promise<CloudPayResult>;
    refund(p: {
      subMchId: string;
      outTradeNo?: string;
      transactionId?: string;
      outRefundNo: string;
      totalFee: number;
      refundFee: number;
      envId: string;
      functionName: string;
      nonceStr?: string;
      refundDesc?: string;
    }): Promise<CloudPayResult>;
    queryRefund(p: {
      subMchId: string;
      outTradeNo?: string;
      transactionId?: string;
      outRefundNo?: string;
      refundId?: string;
      offset?: number;
      nonceStr?: string;
    }): Promise<CloudPayResult>;
    downloadBill(p: {
      subMchId: string;
      billDate: string;
      billType?: 'ALL' | 'SUCCESS' | 'REFUND';
      tarType?: 'GZIP';
      nonceStr?: string;
    }): Promise<CloudPayResult & { data?: string | Buffer }>;
  }

  /** Calling the namespace with `{ appid }` targets a sub-app (shared environments). */
  export const cloudPay: CloudPayNamespace & ((options: { appid: string }) => CloudPayNamespace);
}
