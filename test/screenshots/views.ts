/**
 * Every picture of the kit's mini-program UI: one entry per view. A view's `steps` make its data
 * through the real cloud functions at Beijing wall times (the steps of all views run in time
 * order, before anything is shot); `shoot` renders it at SHOT_AT and says what it must show.
 * Each view has its own user, so orders do not leak between views. Adding a view is adding an entry.
 */
import {
  billsText,
  deliveryText,
  discrepancyText,
  expressCompanyText,
  localPayText,
  payButtonText,
  shopText,
  toShipText,
} from '../../miniprogram/paykit/strings';
import { eventually, seed } from '../helpers/control';
import { simulate, loadComp, renderComp } from '../helpers/simulate';
import { allOrders, details, orderListStates, orderLists, refundDialog } from './order-views';
import { pageHtml, stylesOf } from './page-html';
import { beijing, buy, DEFAULT_ADMIN, openPage, pageShot, popupOpen, type SceneContext } from './scenes';
import { holdActionSheet, holdRequestPayment, tapPayButton } from './sheets';
import { LONG_NAME, seedCatalogue, user, type View, type ViewState } from './view-kit';

export { SHOT_AT, type View, type ViewState } from './view-kit';

/** The pay-button's states side by side, as a merchant's page would hold them. */
const PAY_BUTTON_DEMO = `
<view class="caption">默认</view><view class="demo"><pay-button items="{{ items }}" /></view>
<view class="caption">支付中</view><view class="demo"><pay-button id="paying" items="{{ items }}" /></view>
<view class="caption">禁用</view><view class="demo"><pay-button items="{{ items }}" disabled="{{ true }}" /></view>
<view class="caption">带价格 · 通栏 · 圆角</view><view class="demo"><pay-button items="{{ items }}" price="{{ 2800 }}" block="{{ true }}" round="{{ true }}" /></view>
<view class="caption">自定义内容（插槽）</view><view class="demo"><pay-button items="{{ items }}" text="" type="primary" round="{{ true }}"><text>微信支付 · 拿铁咖啡 ¥28.00</text></pay-button></view>
`;

const payButton: View = {
  name: 'pay-button',
  async shoot(ctx) {
    ctx.wxs.openid = user('pay-button');
    const buttonId = loadComp('components/pay-button/index');
    // Its styles (vant's button included) go in with a render of its own.
    simulate.render(buttonId, {});
    // simulate's definition overload is typed as a ComponentId; at runtime it is the id string.
    const demoId = simulate.load({
      template: PAY_BUTTON_DEMO,
      usingComponents: { 'pay-button': buttonId },
      data: { items: [{ sku: 'coffee-latte', quantity: 1 }] },
    }) as unknown as string;
    const { comp } = renderComp(demoId);
    const held = holdRequestPayment();
    tapPayButton(comp.querySelector('#paying')!);
    await held.opened();
    const html = pageHtml({
      title: '支付按钮',
      body: comp.dom!.outerHTML,
      css: stylesOf([buttonId, demoId]),
    });
    await held.answer('requestPayment:fail cancel');
    return { html, mustShow: [payButtonText.pay, payButtonText.paying, '¥28.00', '微信支付 · 拿铁咖啡'] };
  },
};

const shop: View = {
  name: 'shop',
  async shoot(ctx) {
    ctx.wxs.openid = user('shop');
    const opened = await openPage('pages/shop/index', {}, (c) => c.data.loaded && !c.data.loading);
    return {
      html: pageShot('pages/shop/index', opened),
      mustShow: ['拿铁咖啡', '¥28.00', LONG_NAME, '¥89999.00', '我的订单', shopText.noMore],
    };
  },
};

/** Local mode (DevTools against `npm start`): the sandbox's pay sheet over the shop while paying. */
const paySheet: View = {
  name: 'pay-sheet',
  async shoot(ctx) {
    const opened = await openPage('pages/shop/index', {}, (c) => c.data.loaded && !c.data.loading);
    const sheet = holdActionSheet(ctx, user('pay-sheet'));
    const button = opened.comp.querySelector('#pay-coffee-latte')!;
    tapPayButton(button);
    const shown = await sheet.opened();
    const html = pageShot('pages/shop/index', opened, {
      sheet: { ...shown, cancelText: '取消' },
      height: 667,
    });
    await sheet.dismiss(button);
    return {
      html,
      mustShow: [
        localPayText.title,
        localPayText.pay,
        localPayText.cancel,
        localPayText.fail,
        payButtonText.paying,
      ],
    };
  },
};

/** Yesterday's bill: two payments, one whose notification the kit never got. */
const BILLS_USER = user('bills');
const bills: View = {
  name: 'bills',
  steps: [
    {
      at: '2026-05-31T20:00',
      run: async (ctx) => void (await buy(ctx, BILLS_USER, [{ sku: 'tea-oolong', quantity: 1 }])),
    },
    {
      at: '2026-05-31T20:10',
      run: async (ctx, s) => {
        s.missed = await buy(ctx, BILLS_USER, [{ sku: 'cake-cheese', quantity: 1 }], { loseCallback: true });
        s.missedDoc = JSON.stringify(await ctx.kit.order(s.missed));
      },
    },
  ],
  async shoot(ctx, s) {
    // The expiry sweep, run by every move of the clock since, found the payment at WeChat: put the
    // order back as the lost notification left it, so the bill shows what reconciliation is for.
    await seed(ctx.url, { paykit_orders: [JSON.parse(s.missedDoc)] });
    ctx.wxs.openid = DEFAULT_ADMIN;
    const page = 'pages/admin/bills/index';
    const opened = await openPage(
      page,
      { date: '20260531' },
      (c) => !c.data.loading && Boolean(c.data.report || c.data.error),
    );
    return {
      html: pageShot(page, opened),
      mustShow: [
        '2026-05-31',
        '2 笔',
        '¥48.00',
        discrepancyText.PAID_AT_WECHAT_NOT_HERE,
        s.missed,
        billsText.repair,
      ],
    };
  },
};

/**
 * The admin's to-ship list: every view's paid orders that still await shipment (the order pages'
 * customers bought them; refunds said on their rows), and one more customer's two, for a courier and a pickup. Its steps come
 * after every other view's, so the seeded numbers of the other pictures stay what they were.
 */
const TO_SHIP_USER = user('to-ship');
const toShip: View = {
  name: 'to-ship',
  steps: [
    {
      at: '2026-06-01T09:56',
      run: async (ctx, s) => {
        s.express = await buy(ctx, TO_SHIP_USER, [{ sku: 'tea-oolong', quantity: 2 }]);
      },
    },
    {
      at: '2026-06-01T09:58',
      run: async (ctx, s) => {
        s.pickup = await buy(ctx, TO_SHIP_USER, [{ sku: 'cake-cheese', quantity: 1 }]);
      },
    },
  ],
  async shoot(ctx, s) {
    ctx.wxs.openid = DEFAULT_ADMIN;
    const page = 'pages/admin/to-ship/index';
    const opened = await openPage(page, {}, (c) => c.data.loaded && !c.data.loading);
    return {
      html: pageShot(page, opened),
      mustShow: [
        s.express,
        s.pickup,
        '¥32.00',
        toShipText.ship,
        toShipText.noMore,
        // The order pages' partly refunded order: the admin ships only what is left.
        `${toShipText.refunded} ¥28.00`,
      ],
    };
  },
};

/**
 * The shipping form over the to-ship list, for its oldest order sent by courier: the first company,
 * the tracking number's and contact's placeholders, the items described.
 */
const toShipForm: View = {
  name: 'to-ship-form',
  async shoot(ctx) {
    ctx.wxs.openid = DEFAULT_ADMIN;
    const page = 'pages/admin/to-ship/index';
    const opened = await openPage(page, {}, (c) => c.data.loaded && !c.data.loading);
    const orders = opened.comp.data.orders as Array<{ orderNo: string; delivery: string }>;
    const { orderNo } = orders.find((o) => o.delivery === 'express')!;
    opened.comp.querySelector(`#ship-${orderNo}`)!.querySelector('.van-button')!.dispatchEvent('tap');
    await eventually(
      () => (popupOpen(opened.comp, toShipText.submit) ? true : undefined),
      10000,
      'the shipping form',
    );
    const { itemDesc } = (opened.comp.data.form as { packages: Array<{ itemDesc: string }> }).packages[0];
    return {
      html: pageShot(page, opened, { height: 667 }),
      mustShow: [
        `${toShipText.ship} ${orderNo}`,
        // Each picker as a cell whose value can be changed (vant's arrow).
        `${toShipText.method} ${deliveryText.express}`,
        `${toShipText.company} ${expressCompanyText.SF}`,
        toShipText.trackingNoPlaceholder,
        toShipText.contactPlaceholder,
        itemDesc,
        toShipText.addPackage,
        toShipText.submit,
      ],
    };
  },
};

export const VIEWS: View[] = [
  payButton,
  shop,
  paySheet,
  ...orderLists,
  ...details,
  allOrders,
  bills,
  toShip,
  // Added after the views above, so that their seeded numbers stay put.
  ...orderListStates,
  refundDialog,
  toShipForm,
];

/** The merchant's catalogue, then every step of every view, in time order (views keep their own state). */
export function stepsInTimeOrder(
  states: Map<View, ViewState>,
): Array<{ at: number; run: (ctx: SceneContext) => Promise<void> }> {
  const catalogue = { at: beijing(seedCatalogue.at), run: (ctx: SceneContext) => seedCatalogue.run(ctx, {}) };
  const steps = VIEWS.flatMap((view) =>
    (view.steps ?? []).map((step) => ({
      at: beijing(step.at),
      run: (ctx: SceneContext) => step.run(ctx, states.get(view)!),
    })),
  );
  return [catalogue, ...steps.sort((a, b) => a.at - b.at)];
}
