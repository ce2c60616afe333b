/**
 * What the screenshot views stand on: a sandbox clock and a jest Date that move together in Beijing
 * time, orders made, paid, closed and refunded through the real cloud functions, and the pages
 * rendered by miniprogram-simulate (test/helpers/simulate.ts) turned into HTML (page-html.ts).
 */
import { eventually, post } from '../helpers/control';
import type { KitClient } from '../helpers/kit';
import { openPage as openSimPage, type SimComponent } from '../helpers/simulate';

/** A page opened as the framework opens one, its components rendered afresh (many pages per file). */
export const openPage = (
  page: string,
  query: Record<string, string>,
  ready: (comp: SimComponent) => boolean,
) => openSimPage(page, query, ready, { fresh: true });
import type { WxSandbox } from '../helpers/wx-sandbox';
import { markupOf, pageHtml, pageTitle, stylesOf, type PageParts } from './page-html';

/** The sandbox's merchant admin by default (`npm start`): sandbox/commands/call-commands.ts. */
export const DEFAULT_ADMIN = 'oPaykitLocalUser';

/** Epoch ms of a Beijing wall time, `2026-06-01T09:00` or with seconds. */
export function beijing(wallTime: string): number {
  return Date.parse(`${wallTime}+08:00`);
}

/** How the pages show that Beijing wall time (paykit/time.wxs: Beijing time in every zone). */
export function shownAs(wallTime: string): string {
  return wallTime.replace('T', ' ').slice(0, 16);
}

export interface SceneContext {
  url: string;
  /** The kit's functions and the payer, as any user (test/helpers/kit.ts). */
  kit: KitClient;
  /** The WeChat client the pages run against (its `openid` is the current user). */
  wxs: WxSandbox;
  /** Moves the sandbox clock (frozen) and the page's Date to `ms`. */
  at(ms: number): Promise<void>;
}

export interface CartLine {
  sku: string;
  quantity: number;
}

/** An order of `openid`, placed as the pay button places one, and paid unless `pay` is false. */
export async function buy(
  ctx: SceneContext,
  openid: string,
  items: CartLine[],
  opts: { pay?: boolean; loseCallback?: boolean } = {},
): Promise<string> {
  const placed = await ctx.kit.ok(openid, 'unifiedOrder', { items });
  if (opts.pay === false) return placed.orderNo;
  if (!opts.loseCallback) {
    await ctx.kit.payAndConfirm(openid, placed);
    return placed.orderNo;
  }
  // WeChat takes the money, but its notification never reaches the kit.
  await ctx.kit.settle();
  await post(`${ctx.url}/sandbox/pay/callbacks`, { mode: 'hold', count: 1 });
  const { errMsg } = await ctx.kit.pay(openid, placed.payment);
  expect(errMsg).toBe('requestPayment:ok');
  return placed.orderNo;
}

/** Closes an unpaid order as its owner (WeChat closes one only 5 minutes after it was placed). */
export async function closeOrder(ctx: SceneContext, openid: string, orderNo: string): Promise<void> {
  await ctx.kit.ok(openid, 'closeOrder', { orderNo });
  await ctx.kit.orderReaches(orderNo, 'CLOSED');
}

/** A refund by the merchant admin, settled by WeChat's refund notification. */
export async function refundOrder(
  ctx: SceneContext,
  orderNo: string,
  refundFee: number,
  reason: string,
): Promise<void> {
  await ctx.kit.ok(DEFAULT_ADMIN, 'refund', { orderNo, refundFee, reason });
  await ctx.kit.settle();
  await eventually(
    async () => {
      const doc = await ctx.kit.order<{ status: string; refunds: Array<{ status: string }> }>(orderNo);
      return doc?.status === 'REFUND' && doc.refunds.every((r) => r.status === 'SUCCESS') ? true : undefined;
    },
    10000,
    `${orderNo} refunded`,
  );
}

/**
 * Whether a dialog or popup showing `text` is open and drawn: its text is rendered (vant renders a
 * popup's content a frame after `show`) and every vant transition in the page has entered (its
 * enter-to classes come a frame after the enter ones; shot before, it would be drawn unseen).
 */
export function popupOpen(comp: SimComponent, text: string): boolean {
  const entering = Array.from(comp.dom!.querySelectorAll('[class*="-enter"]')).some((el) =>
    Array.from(el.classList).some((c) => c.endsWith('-enter')),
  );
  return !entering && (comp.dom!.textContent ?? '').includes(text);
}

/** The HTML of an open page as it is now, then the page is unloaded. */
export function pageShot(
  page: string,
  opened: { comp: SimComponent; id: string },
  extra: Partial<PageParts> = {},
): string {
  const html = pageHtml({
    title: pageTitle(page),
    body: markupOf(opened.comp.dom!),
    css: stylesOf([opened.id]),
    ...extra,
  });
  opened.comp.instance.onUnload?.();
  return html;
}
