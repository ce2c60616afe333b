/**
 * Driving the order-shipping emulation as a user's cloud function does: the `shipper` fixture makes
 * one `cloud.openapi.wxa.sec.order.*` call through the real wx-server-sdk; orders are paid through
 * the pay emulator (helpers/paysdk.ts); `shippingEvents` records the pushes it receives.
 */
import { get, post, query, send } from './control';
import { PAYER, startPaySdk, type PaySdk, type SdkAnswer } from './paysdk';

export const SHIPPING_FIXTURES = [
  'cloudpay',
  'flakyCallback',
  'shipper',
  'shipperNoPermission',
  'shippingEvents',
];

export interface PaidOrder {
  transactionId: string;
  outTradeNo: string;
  openid: string;
}

export interface ShippingSdk extends PaySdk {
  /** One cloud call in `shipper` (or `fn`); `raw` = convertCase false. */
  ship(
    api: string,
    params: Record<string, unknown>,
    opts?: { raw?: boolean; fn?: string },
  ): Promise<SdkAnswer>;
  /** A paid order that WeChat already knows (the unknown window is passed on the clock). */
  paid(overrides?: Record<string, unknown>): Promise<PaidOrder>;
  shippingConfig(patch?: Record<string, unknown>): Promise<Record<string, unknown>>;
  orders(filter?: Record<string, string>): Promise<Array<Record<string, unknown>>>;
  events(filter?: Record<string, string>): Promise<Array<Record<string, unknown>>>;
  /** What `shippingEvents` stored. */
  pushes(): Promise<Array<{ event: Record<string, unknown>; source: string }>>;
  control(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
}

/** A valid raw (snake_case) upload for an order: express, unified, one package. */
export function expressUpload(
  order: PaidOrder,
  extra: Record<string, unknown> = {},
  at = '2024-03-15T13:00:00+08:00',
) {
  return {
    order_key: { order_number_type: 2, transaction_id: order.transactionId },
    logistics_type: 1,
    delivery_mode: 1,
    shipping_list: [{ tracking_no: 'ZT1234567890', express_company: 'ZTO', item_desc: '拿铁咖啡 x1' }],
    upload_time: at,
    payer: { openid: order.openid },
    ...extra,
  };
}

export async function startShippingSdk(): Promise<ShippingSdk> {
  const pay = await startPaySdk(SHIPPING_FIXTURES);
  const base = pay.base;
  const sdk: ShippingSdk = {
    ...pay,
    ship: async (api, params, opts = {}) => {
      const answer = await post<{ result: SdkAnswer }>(`${base}/gateway/call`, {
        name: opts.fn ?? 'shipper',
        openid: PAYER,
        data: { api, params, raw: opts.raw ?? false },
      });
      return answer.result;
    },
    paid: async (overrides) => {
      const { params } = await pay.paidOrder(overrides);
      const trade = (await pay.trade(params.outTradeNo)) as unknown as {
        transactionId: string;
        subOpenid: string;
      };
      const { unknownWindowMs } = (await sdk.shippingConfig()) as { unknownWindowMs: number };
      await pay.advance(unknownWindowMs);
      return {
        transactionId: trade.transactionId,
        outTradeNo: String(params.outTradeNo),
        openid: trade.subOpenid,
      };
    },
    shippingConfig: (patch) =>
      patch ? post(`${base}/sandbox/shipping/config`, patch) : get(`${base}/sandbox/shipping/config`),
    orders: async (filter = {}) =>
      (
        await get<{ orders: Array<Record<string, unknown>> }>(
          `${base}/sandbox/shipping/orders?${new URLSearchParams(filter)}`,
        )
      ).orders,
    events: async (filter = {}) => {
      await post(`${base}/sandbox/shipping/settle`, {});
      return (
        await get<{ events: Array<Record<string, unknown>> }>(
          `${base}/sandbox/shipping/events?${new URLSearchParams(filter)}`,
        )
      ).events;
    },
    pushes: async () => {
      await post(`${base}/sandbox/shipping/settle`, {});
      return query(base, 'shipping_pushes', {});
    },
    control: (method, path, body) => send(method, `${base}/sandbox/shipping/${path}`, body),
  };
  return sdk;
}
