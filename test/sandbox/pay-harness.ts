/** Shared setup for the pay unit tests: a PayService on an in-memory SQLite, a frozen clock, and a
 *  `deliver` that records events and answers as the test decides (it stands in for the function runtime). */
import Database from 'better-sqlite3';
import { SandboxClock } from '../../sandbox/clock';
import {
  PayService,
  type CallbackDelivery,
  type PayAnswer,
  type PayCaller,
  type PayConfig,
} from '../../sandbox/pay/service';
import { SUB_MCH_ID, TRADE_DAY_NOON } from '../helpers/constants';

export const APPID = 'wxsandboxminiapp01';
export const OPENID = 'oSandboxUser000000000000001';
export const CALLER: PayCaller = { appid: APPID, openid: OPENID, envId: 'paykit-sandbox' };

export type Responder = (d: CallbackDelivery, n: number) => unknown;

export interface Harness {
  pay: PayService;
  clock: SandboxClock;
  sqlite: Database.Database;
  delivered: CallbackDelivery[];
  /** How the next deliveries are answered; default `{ errcode: 0, errmsg: '' }`. */
  respond: { fn: Responder };
  json(api: string, req: Record<string, unknown>, caller?: PayCaller): Promise<Record<string, unknown>>;
  order(outTradeNo: string, extra?: Record<string, unknown>): Promise<Record<string, unknown>>;
  payOrder(outTradeNo: string, extra?: Record<string, unknown>): Promise<Record<string, unknown>>;
  close(): void;
}

export function orderRequest(
  outTradeNo: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    body: '测试商品',
    out_trade_no: outTradeNo,
    total_fee: 100,
    spbill_create_ip: '127.0.0.1',
    sub_mch_id: SUB_MCH_ID,
    env_id: 'paykit-sandbox',
    function_name: 'payCallback',
    nonce_str: 'abcdefghijklmnop',
    trade_type: 'JSAPI',
    ...extra,
  };
}

export function asJson(answer: PayAnswer): Record<string, unknown> {
  if (!('json' in answer)) throw new Error('expected a JSON answer');
  return answer.json;
}

export function createHarness(config: Partial<PayConfig> = {}, sqlite = new Database(':memory:')): Harness {
  const clock = new SandboxClock();
  clock.freeze(TRADE_DAY_NOON);
  const delivered: CallbackDelivery[] = [];
  const respond: { fn: Responder } = { fn: () => ({ errcode: 0, errmsg: '' }) };
  const pay = new PayService({
    sqlite,
    clock,
    config,
    deliver: async (d) => {
      delivered.push(d);
      return respond.fn(d, delivered.length);
    },
  });
  pay.start();
  const h: Harness = {
    pay,
    clock,
    sqlite,
    delivered,
    respond,
    json: async (api, req, caller = CALLER) => asJson(await pay.call(api, req, caller)),
    order: (outTradeNo, extra) => h.json('unifiedOrder', orderRequest(outTradeNo, extra)),
    payOrder: async (outTradeNo, extra = {}) => {
      const answer = await h.order(outTradeNo, extra);
      const pkg = (answer.payment as { package: string }).package;
      const result = await pay.act({ package: pkg, openid: OPENID, action: 'pay' });
      if (result.errMsg !== 'requestPayment:ok') throw new Error(result.errMsg);
      await pay.settle();
      return answer;
    },
    close: () => {
      pay.close();
      clock.stop();
    },
  };
  return h;
}
