/**
 * The WeChat client's sheets, held open so a view can be shot while a payment is under way:
 * `wx.requestPayment` (cloud mode) and `wx.showActionSheet` (the sandbox pay sheet of local mode).
 * These are the client's own APIs, which the harness stands in for (test/helpers/wx-sandbox.ts);
 * the kit's code runs unchanged up to them and on from the answer.
 */
import { configurePaykit, resetPaykitConfig } from '../../miniprogram/paykit/config';
import { eventually } from '../helpers/control';
import type { SceneContext } from './scenes';

/** A component node of miniprogram-simulate, as far as these helpers use it. */
interface SimNode {
  querySelector(selector: string): SimNode | undefined;
  dispatchEvent(name: string): void;
  data: Record<string, unknown>;
}

/** Taps the van-button inside a pay-button. */
export function tapPayButton(payButton: SimNode): void {
  payButton.querySelector('#pay-button')!.querySelector('.van-button')!.dispatchEvent('tap');
}

type Callbacks<S, F> = {
  success?: (res: S) => void;
  fail?: (err: F) => void;
  complete?: (res: S | F) => void;
};

/** Replaces one wx API until `restore`; the call it receives is kept. */
function holdWxApi<T>(name: 'requestPayment' | 'showActionSheet') {
  const target = wx as unknown as Record<string, unknown>;
  const saved = target[name];
  let call: T | undefined;
  target[name] = (options: T) => {
    call = options;
  };
  return {
    opened: () => eventually(() => call, 10000, `wx.${name} to be called`),
    restore: () => {
      target[name] = saved;
    },
  };
}

/** Holds the next `wx.requestPayment` (cloud mode): the button shows it is paying meanwhile. */
export function holdRequestPayment() {
  const held = holdWxApi<Callbacks<{ errMsg: string }, { errMsg: string }>>('requestPayment');
  return {
    opened: async () => void (await held.opened()),
    /** Answers the held sheet as WeChat would, e.g. `requestPayment:fail cancel`. */
    async answer(errMsg: string) {
      const call = await held.opened();
      held.restore();
      if (errMsg === 'requestPayment:ok') call.success?.({ errMsg });
      else call.fail?.({ errMsg });
    },
  };
}

export interface ShownSheet {
  alertText?: string;
  itemList: string[];
}

/**
 * Local mode as DevTools runs it against `npm start` (gateway at the sandbox, `openid` as the local
 * user), and the next `wx.showActionSheet` held open. Only modules of jest's main registry see the
 * configuration (test/helpers/simulate.ts): views.test.ts loads the shop there first.
 */
export function holdActionSheet(ctx: SceneContext, openid: string) {
  configurePaykit({ mode: 'local', gatewayUrl: ctx.url, localOpenid: openid });
  const held = holdWxApi<ShownSheet & Callbacks<{ tapIndex: number }, { errMsg: string }>>('showActionSheet');
  return {
    async opened(): Promise<ShownSheet> {
      const { alertText, itemList } = await held.opened();
      return { alertText, itemList };
    },
    /** The user closes the sheet (a cancel); resolves once `button` is usable again. */
    async dismiss(button: SimNode) {
      const call = await held.opened();
      held.restore();
      call.fail?.({ errMsg: 'showActionSheet:fail cancel' });
      await eventually(() => (button.data.loading ? undefined : true), 10000);
      resetPaykitConfig();
    },
  };
}
