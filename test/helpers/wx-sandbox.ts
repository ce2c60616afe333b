/**
 * Stands in for the WeChat client runtime inside miniprogram-simulate, backed by a running sandbox
 * over real HTTP. What the mini-program code calls keeps its
 * real shape; only the far side is the sandbox gateway instead of WeChat:
 *
 *   wx.cloud.callFunction  → POST /gateway/call { name, data, openid }
 *   wx.requestPayment      → POST /gateway/pay  { package, timeStamp, nonceStr, signType, paySign, openid, action }   (action = what the simulated user does)
 *   wx.request             → the same URL over real HTTP (local mode posts to the gateway itself)
 *   wx.openBusinessView    → weappOrderConfirm: POST /sandbox/shipping/confirm { transaction_id, openid }
 *                            (the payer confirms in the component's stand-in), then the app's onShow
 *                            with what WeChat hands back (referrerInfo.extraData)
 *
 * Both callback and promise styles behave as in the real API. The sandbox's control API is in
 * test/helpers/control.ts.
 */
import { receiptReturned } from '../../miniprogram/paykit/receipt';
import { send } from './control';

/** What the simulated user (or the sandbox pay sheet) does: pay, close the sheet, a failure, no balance, a slow bank. */
export type PayAction = 'pay' | 'cancel' | 'fail' | 'notenough' | 'slow';

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/** Options bag of a WeChat async API: its own fields plus the optional callbacks. */
type WxCall<T, S, F> = T & {
  success?: (res: S) => void;
  fail?: (err: F) => void;
  complete?: (res: S | F) => void;
};

/** Settles a WeChat-style call: callbacks when given (returns undefined), a promise otherwise. */
function settle<S, F>(
  options: { success?: (res: S) => void; fail?: (err: F) => void; complete?: (res: S | F) => void },
  run: () => Promise<{ ok: true; value: S } | { ok: false; value: F }>,
): Promise<S> | undefined {
  const outcome = run();
  if (options.success || options.fail || options.complete) {
    void outcome.then((o) => {
      if (o.ok) options.success?.(o.value);
      else options.fail?.(o.value);
      options.complete?.(o.value);
    });
    return undefined;
  }
  return outcome.then((o) => (o.ok ? o.value : Promise.reject(o.value)));
}

interface CallFunctionSuccess {
  errMsg: string;
  result: unknown;
  requestID: string;
}
interface CallFunctionFailure {
  errCode: number;
  errMsg: string;
}

export interface WxSandbox {
  url: string;
  /** The simulated WeChat user every call is made as. */
  openid: string;
  /** What the simulated user does on the next payment sheets (default 'pay'). */
  payAction: PayAction;
  /** Every call that reached the gateway, for assertions about how often the client called. */
  calls: Array<{ name: string; data: unknown }>;
  /**
   * How many of the next `wx.cloud.callFunction` calls fail as a phone without network sees them
   * (`request:fail ECONNREFUSED`), never reaching the gateway (default 0).
   */
  offline: number;
  /**
   * Holds back the answer of the next `wx.cloud.callFunction` of `name`, as a slow network does on
   * the way back: the call reaches the gateway at once (the function runs and reads the state of
   * that moment), its answer reaches the caller only at `release()`, which resolves once the caller
   * has had it (and whatever it ran on it without waiting for anything else).
   */
  holdNextAnswer(name: string): { release(): Promise<void> };
  /**
   * The app's onShow, fired when the confirm-receipt component returns: by default what app.ts's
   * onShow does (paykit's receiptReturned).
   */
  appShow: (options: { referrerInfo?: { appId?: string; extraData?: unknown } }) => unknown;
  /** Puts back the wx members that were replaced. */
  uninstall(): void;
}

const REPLACED = ['cloud', 'requestPayment', 'request', 'openBusinessView'] as const;

export function installWxSandbox(url: string, openid: string): WxSandbox {
  // The typed global wx has no index signature; swapping members by name is this harness's job.
  const target = wx as unknown as Record<string, unknown>;
  const saved = new Map<string, unknown>(REPLACED.map((key) => [key, target[key]]));
  /** The answers holdNextAnswer holds back, by function name: the gate release opens, and the call's end. */
  const holds = new Map<string, { gate: Promise<void>; answered: (done: Promise<unknown>) => void }>();
  const sandbox: WxSandbox = {
    url,
    openid,
    payAction: 'pay',
    calls: [],
    offline: 0,
    holdNextAnswer(name) {
      let open = () => {};
      let answered: (done: Promise<unknown>) => void = () => {};
      const gate = new Promise<void>((resolve) => (open = resolve));
      const call = new Promise<Promise<unknown>>((resolve) => (answered = resolve));
      holds.set(name, { gate, answered });
      return {
        async release() {
          open();
          await await call;
          // The caller's callbacks and what they chain without waiting run before this macrotask.
          await new Promise((resolve) => setTimeout(resolve, 0));
        },
      };
    },
    appShow: (options) => receiptReturned(options),
    uninstall() {
      for (const [key, value] of saved) target[key] = value;
    },
  };

  /** One call through the gateway, as the WeChat client makes it (or fails to, offline). */
  const callGateway = async (options: {
    name: string;
    data?: unknown;
  }): Promise<{ ok: true; value: CallFunctionSuccess } | { ok: false; value: CallFunctionFailure }> => {
    if (sandbox.offline > 0) {
      sandbox.offline--;
      return {
        ok: false,
        value: { errCode: -1, errMsg: 'cloud.callFunction:fail request:fail ECONNREFUSED' },
      };
    }
    sandbox.calls.push({ name: options.name, data: options.data });
    try {
      const { status, body } = await send('POST', `${url}/gateway/call`, {
        name: options.name,
        data: options.data ?? {},
        openid: sandbox.openid,
      });
      if (field(body, 'ok') === true) {
        const requestID = String(field(body, 'requestId') ?? '');
        return {
          ok: true,
          value: { errMsg: 'cloud.callFunction:ok', result: field(body, 'result'), requestID },
        };
      }
      // The sandbox's error shape: { error: { code, message, errCode, errMsg } }.
      const error = field(body, 'error');
      const errCode = Number(field(error, 'errCode') ?? -1);
      const errMsg = String(
        field(error, 'errMsg') ??
          field(error, 'message') ??
          `cloud.callFunction:fail gateway answered HTTP ${status}`,
      );
      return { ok: false, value: { errCode, errMsg } };
    } catch (err) {
      return {
        ok: false,
        value: { errCode: -1, errMsg: `cloud.callFunction:fail request:fail ${String(err)}` },
      };
    }
  };

  const callFunction = (
    options: WxCall<{ name: string; data?: unknown }, CallFunctionSuccess, CallFunctionFailure>,
  ) =>
    settle<CallFunctionSuccess, CallFunctionFailure>(options, () => {
      const held = holds.get(options.name);
      holds.delete(options.name);
      const answer = callGateway(options).then(async (value) => {
        await held?.gate;
        return value;
      });
      held?.answered(answer);
      return answer;
    });

  type PayParams = {
    package: string;
    timeStamp?: string;
    nonceStr?: string;
    signType?: string;
    paySign?: string;
  };
  const requestPayment = (options: WxCall<PayParams, { errMsg: string }, { errMsg: string }>) =>
    settle<{ errMsg: string }, { errMsg: string }>(options, async () => {
      try {
        // The parameters as WeChat's sheet gets them: the sandbox checks an APIv3 order's RSA paySign.
        const { timeStamp, nonceStr, signType, paySign } = options;
        const { body } = await send('POST', `${url}/gateway/pay`, {
          package: options.package,
          ...(paySign ? { timeStamp, nonceStr, signType, paySign } : {}),
          openid: sandbox.openid,
          action: sandbox.payAction,
        });
        const errMsg = String(field(body, 'errMsg') ?? 'requestPayment:fail no answer');
        return errMsg === 'requestPayment:ok'
          ? { ok: true, value: { errMsg } }
          : { ok: false, value: { errMsg } };
      } catch (err) {
        return { ok: false, value: { errMsg: `requestPayment:fail ${String(err)}` } };
      }
    });

  type RequestSuccess = { errMsg: string; data: unknown; statusCode: number; header: Record<string, string> };
  const request = (
    options: WxCall<
      { url: string; method?: string; data?: unknown; header?: Record<string, string> },
      RequestSuccess,
      { errMsg: string }
    >,
  ) => {
    settle<RequestSuccess, { errMsg: string }>(options, async () => {
      try {
        const method = (options.method ?? 'GET').toUpperCase() === 'POST' ? 'POST' : 'GET';
        if (method === 'POST' && options.url.endsWith('/gateway/call')) {
          sandbox.calls.push({
            name: String(field(options.data, 'name')),
            data: field(options.data, 'data'),
          });
        }
        const { status, body } = await send(
          method,
          options.url,
          method === 'POST' ? options.data : undefined,
          options.header,
        );
        return { ok: true, value: { errMsg: 'request:ok', data: body, statusCode: status, header: {} } };
      } catch (err) {
        return { ok: false, value: { errMsg: `request:fail ${String(err)}` } };
      }
    });
    // wx.request answers a RequestTask; nothing in the kit uses it beyond existing.
    return { abort() {}, onHeadersReceived() {}, offHeadersReceived() {} };
  };

  type BusinessView = { businessType: string; extraData?: Record<string, unknown> };
  const openBusinessView = (options: WxCall<BusinessView, { errMsg: string }, { errMsg: string }>) =>
    settle<{ errMsg: string }, { errMsg: string }>(options, async () => {
      if (options.businessType !== 'weappOrderConfirm')
        return { ok: false, value: { errMsg: `openBusinessView:fail invalid businessType` } };
      const { status, body } = await send('POST', `${url}/sandbox/shipping/confirm`, {
        ...options.extraData,
        openid: sandbox.openid,
      });
      if (status !== 200) return { ok: false, value: { errMsg: `openBusinessView:fail HTTP ${status}` } };
      // The component closes and the mini-program shows again: App.onShow gets its answer.
      setTimeout(() => void sandbox.appShow(body as Parameters<WxSandbox['appShow']>[0]), 0);
      return { ok: true, value: { errMsg: 'openBusinessView:ok' } };
    });

  target.cloud = { init: () => undefined, callFunction, DYNAMIC_CURRENT_ENV: Symbol('DYNAMIC_CURRENT_ENV') };
  target.requestPayment = requestPayment;
  target.request = request;
  target.openBusinessView = openBusinessView;
  return sandbox;
}
