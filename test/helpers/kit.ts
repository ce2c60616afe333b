/**
 * Driving the kit's cloud functions in a sandbox as its users would (node-environment suites).
 */
import type { PaykitResponse } from '../../typings/paykit/errors';
import type { PaykitFunctionName, PaykitFunctions, PaymentParams } from '../../typings/paykit/functions';
import { callAs, eventually, get, post, readDoc } from './control';

export class KitClient {
  constructor(readonly base: string) {}

  /** Calls a kit function as `openid` and returns its PaykitResponse. */
  call<K extends PaykitFunctionName>(
    openid: string,
    name: K,
    request: PaykitFunctions[K]['request'] | Record<string, unknown>,
  ): Promise<PaykitResponse<PaykitFunctions[K]['result']>> {
    return callAs(this.base, openid, name, request);
  }

  /** Like call, but fails the test unless the answer is ok. */
  async ok<K extends PaykitFunctionName>(
    openid: string,
    name: K,
    request: PaykitFunctions[K]['request'] | Record<string, unknown>,
  ): Promise<PaykitFunctions[K]['result']> {
    const res = await this.call(openid, name, request);
    if (!res.ok) throw new Error(`${name} answered ${res.code}: ${res.message}`);
    return res.data;
  }

  /**
   * The payer acts on the payment sheet: with the package alone (cloudPay), or with the whole
   * parameter set as wx.requestPayment gets it (APIv3: the sandbox checks the RSA paySign).
   */
  pay(openid: string, payment: string | PaymentParams, action = 'pay'): Promise<{ errMsg: string }> {
    const params = typeof payment === 'string' ? { package: payment } : payment;
    return post(`${this.base}/gateway/pay`, { ...params, openid, action });
  }

  clock(action: string, extra: Record<string, unknown> = {}): Promise<{ now: number }> {
    return post(`${this.base}/sandbox/clock`, { action, ...extra });
  }

  settle(): Promise<unknown> {
    return post(`${this.base}/sandbox/pay/settle`, {});
  }

  order<T = Record<string, unknown>>(orderNo: string): Promise<T | null> {
    return readDoc<T>(this.base, 'paykit_orders', orderNo);
  }

  /** Waits until the stored order has `status`. */
  orderReaches(orderNo: string, status: string, ms = 5000): Promise<Record<string, unknown>> {
    return eventually(
      async () => {
        const doc = await this.order(orderNo);
        return doc?.status === status ? doc : undefined;
      },
      ms,
      `order ${orderNo} to be ${status}`,
    );
  }

  async trade(outTradeNo: string): Promise<{ state: string } | undefined> {
    const { trades } = await get<{ trades: Array<{ state: string }> }>(
      `${this.base}/sandbox/pay/trades?outTradeNo=${encodeURIComponent(outTradeNo)}`,
    );
    return trades[0];
  }
}
