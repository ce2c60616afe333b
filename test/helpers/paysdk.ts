/**
 * Driving the pay emulator the way a user's cloud function does: the `cloudpay` fixture calls
 * cloud.cloudPay.<api>(params) through the real wx-server-sdk inside a sandbox process, and the
 * control API acts as the payer, moves the clock, injects faults and reads the delivery log.
 */
import { buildFixtureFunctions } from './fixtures';
import { get, post, query } from './control';
import { startSandboxProcess, type SandboxProcess } from './sandbox';
import { SUB_MCH_ID, TRADE_DAY_NOON } from './constants';

export const PAYER = 'o-payer-sdk';

export interface SdkAnswer {
  ok: boolean;
  res?: Record<string, unknown> & { data?: unknown };
  errCode?: number | null;
  errMsg?: string;
}

export interface Delivery {
  id: number;
  notificationId: number;
  kind: 'payment' | 'refund';
  outTradeNo: string;
  outRefundNo?: string;
  attempt: number;
  duplicate: boolean;
  startedAt: number;
  outcome: 'pending' | 'ok' | 'rejected' | 'error' | 'dropped';
  answer?: unknown;
  error?: string;
  event: Record<string, unknown>;
}

export interface Trade {
  outTradeNo: string;
  state: string;
  transactionId: string | null;
  totalFee: number;
  refundedFee: number;
  payingUntil: number | null;
  prepays: Array<{ prepayId: string; createdAt: number; expiresAt: number }>;
  refunds: Array<{ outRefundNo: string; refundId: string; refundFee: number; status: string }>;
}

/** What the `flakyCallback` fixture recorded for one delivery it received. */
export interface CallbackEffect {
  outTradeNo: string;
  at: number;
  event: Record<string, unknown>;
}

export interface PaySdk {
  sandbox: SandboxProcess;
  base: string;
  envId: string;
  stop(): Promise<void>;
  /**
   * cloud.cloudPay[api](params) inside the `cloudpay` function, called as `openid`; with `appid`,
   * through the sub-app option `cloud.cloudPay({ appid })`.
   */
  cloudPay(api: string, params: Record<string, unknown>, openid?: string, appid?: string): Promise<SdkAnswer>;
  /** The `res` of a call that must have resolved. */
  ok(api: string, params: Record<string, unknown>): Promise<Record<string, unknown> & { data?: unknown }>;
  /** camelCase unifiedOrder parameters with a fresh outTradeNo and `flakyCallback` as the callback. */
  orderParams(overrides?: Record<string, unknown>): Record<string, unknown>;
  /** unifiedOrder that must succeed; answers the package for the payer. */
  order(overrides?: Record<string, unknown>): Promise<{ params: Record<string, unknown>; pkg: string }>;
  /** unifiedOrder + pay + settle. */
  paidOrder(overrides?: Record<string, unknown>): Promise<{ params: Record<string, unknown>; pkg: string }>;
  queryOrder(outTradeNo: unknown): Promise<Record<string, unknown>>;
  act(pkg: string, action?: string, openid?: string): Promise<string>;
  clock(body: Record<string, unknown>): Promise<number>;
  advance(ms: number): Promise<void>;
  settle(): Promise<void>;
  deliveries(filter?: Record<string, string>): Promise<Delivery[]>;
  trade(outTradeNo: unknown): Promise<Trade>;
  effects(outTradeNo: unknown): Promise<CallbackEffect[]>;
  config(patch?: Record<string, unknown>): Promise<Record<string, unknown>>;
}

let seq = 0;

export async function startPaySdk(
  fixtures: string[] = ['cloudpay', 'flakyCallback'],
  at: number = TRADE_DAY_NOON,
): Promise<PaySdk> {
  const sandbox = await startSandboxProcess({ args: ['--functions', buildFixtureFunctions(fixtures)] });
  const base = sandbox.url;
  const sdk: PaySdk = {
    sandbox,
    base,
    envId: sandbox.envId,
    stop: () => sandbox.stop(),
    cloudPay: async (api, params, openid = PAYER, appid) => {
      // post() throws when the function itself fails (the gateway answers an error status).
      const answer = await post<{ ok: true; result: SdkAnswer }>(`${base}/gateway/call`, {
        name: 'cloudpay',
        openid,
        data: { api, params, ...(appid ? { appid } : {}) },
      });
      return answer.result;
    },
    ok: async (api, params) => {
      const answer = await sdk.cloudPay(api, params);
      if (!answer.ok || !answer.res) throw new Error(`${api} rejected: ${answer.errCode} ${answer.errMsg}`);
      return answer.res;
    },
    orderParams: (overrides = {}) => {
      seq++;
      return {
        body: '测试商品',
        outTradeNo: `SDK${Date.now().toString(36)}${seq}`,
        totalFee: 100,
        spbillCreateIp: '127.0.0.1',
        subMchId: SUB_MCH_ID,
        envId: sandbox.envId,
        functionName: 'flakyCallback',
        nonceStr: 'n0nce',
        tradeType: 'JSAPI',
        ...overrides,
      };
    },
    order: async (overrides) => {
      const params = sdk.orderParams(overrides);
      const res = await sdk.ok('unifiedOrder', params);
      if (res.resultCode !== 'SUCCESS') throw new Error(`unifiedOrder failed: ${JSON.stringify(res)}`);
      return { params, pkg: (res.payment as { package: string }).package };
    },
    paidOrder: async (overrides) => {
      const placed = await sdk.order(overrides);
      const errMsg = await sdk.act(placed.pkg);
      if (errMsg !== 'requestPayment:ok') throw new Error(`payment failed: ${errMsg}`);
      await sdk.settle();
      return placed;
    },
    queryOrder: (outTradeNo) => sdk.ok('queryOrder', { subMchId: SUB_MCH_ID, outTradeNo, nonceStr: 'q' }),
    act: async (pkg, action = 'pay', openid = PAYER) =>
      (await post<{ errMsg: string }>(`${base}/sandbox/pay/act`, { package: pkg, openid, action })).errMsg,
    clock: async (body) => (await post<{ now: number }>(`${base}/sandbox/clock`, body)).now,
    advance: async (ms) => {
      await sdk.clock({ action: 'advance', ms });
      await sdk.settle();
    },
    settle: async () => {
      await post(`${base}/sandbox/pay/settle`, {});
    },
    deliveries: async (filter = {}) =>
      (await get<{ deliveries: Delivery[] }>(`${base}/sandbox/pay/deliveries?${new URLSearchParams(filter)}`))
        .deliveries,
    trade: async (outTradeNo) => {
      const { trades } = await get<{ trades: Trade[] }>(
        `${base}/sandbox/pay/trades?outTradeNo=${encodeURIComponent(String(outTradeNo))}`,
      );
      if (trades.length !== 1) throw new Error(`no trade ${String(outTradeNo)}`);
      return trades[0];
    },
    effects: async (outTradeNo) => {
      const rows = await query<CallbackEffect>(base, 'flaky_deliveries', { outTradeNo });
      return rows.sort((a, b) => a.at - b.at);
    },
    config: (patch) =>
      patch ? post(`${base}/sandbox/pay/config`, patch) : get(`${base}/sandbox/pay/config`),
  };
  await sdk.clock({ action: 'freeze', at });
  return sdk;
}

/** Beijing `yyyyMMdd` of an instant. */
export function beijingDay(ms: number): string {
  return new Date(ms + 8 * 3600_000).toISOString().slice(0, 10).replace(/-/g, '');
}

/** Beijing `yyyyMMddHHmmss` of an instant. */
export function beijingCompact(ms: number): string {
  return new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace(/[-T:]/g, '');
}
