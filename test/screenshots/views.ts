/**
 * Every picture of the kit's mini-program UI: one entry per view. A view's `steps` make its data
 * through the real cloud functions at Beijing wall times (the steps of all views run in time
 * order, before anything is shot); `shoot` renders it at SHOT_AT and says what it must show.
 * Each view has its own user, so orders do not leak between views. Adding a view is adding an entry.
 */
import {
  billsText,
  detailText,
  discrepancyText,
  localPayText,
  orderStatusText,
  ordersText,
  payButtonText,
} from '../../miniprogram/paykit/strings';
import { seed } from '../helpers/control';
import { simulate, loadComp, renderComp } from '../helpers/simulate';
import { pageHtml, stylesOf } from './page-html';
import { holdActionSheet, holdRequestPayment, tapPayButton } from './sheets';
import {
  beijing,
  buy,
  closeOrder,
  DEFAULT_ADMIN,
  openPage,
  pageShot,
  refundOrder,
  shownAs,
  type SceneContext,
} from './scenes';

/** When every view is shot (Beijing): after WeChat published yesterday's bill (10:00), before the kit's 10:30 reconciliation. */
export const SHOT_AT = '2026-06-01T10:05';

export type ViewState = Record<string, string>;

export interface Step {
  at: string;
  run(ctx: SceneContext, state: ViewState): Promise<void>;
}

export interface Shot {
  html: string;
  /** Texts the picture must show (the check in views.test.ts). */
  mustShow: string[];
}

export interface View {
  /** docs/images/mp-<name>-<width>.png */
  name: string;
  steps?: Step[];
  shoot(ctx: SceneContext, state: ViewState): Promise<Shot>;
}

const user = (view: string) => `o_shot_${view.replace(/-/g, '_')}`;

/** The demo catalogue (sandbox/seed/demo.json) plus a merchant's long and dear products. */
const DEMO = ['cake-cheese', 'coffee-latte', 'sticker-pack', 'tea-oolong'];
const MORE_PRODUCTS = [
  { _id: 'x-beans-card', name: '咖啡豆年卡', price: 150_000 },
  { _id: 'x-cups', name: '陶瓷咖啡杯（六只装）', price: 40_000 },
  {
    _id: 'x-espresso-machine',
    name: '意大利进口双锅炉半自动意式咖啡机 E61 冲煮头 PID 控温（含上门安装与两年保修）',
    price: 8_999_900,
  },
  { _id: 'x-filter', name: '滤纸 100 张', price: 2_498 },
  { _id: 'x-frother', name: '奶泡机', price: 300_000 },
  { _id: 'x-grinder', name: '意式磨豆机', price: 500_000 },
];
/** One of every product: ten lines, ¥99999.99 in all. */
const TEN_LINES = [...DEMO, ...MORE_PRODUCTS.map((p) => p._id)].map((sku) => ({ sku, quantity: 1 }));
const LONG_NAME = MORE_PRODUCTS[2].name;

const seedCatalogue: Step = {
  at: '2026-05-31T08:00',
  run: (ctx) => seed(ctx.url, { paykit_products: MORE_PRODUCTS.map((p) => ({ ...p, active: true })) }),
};

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
    require('fs').writeFileSync('/tmp/pb-debug.html', comp.dom!.outerHTML);
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
  steps: [seedCatalogue],
  async shoot(ctx) {
    ctx.wxs.openid = user('shop');
    const opened = await openPage('pages/shop/index', {}, (c) => c.data.loaded && !c.data.loading);
    return {
      html: pageShot('pages/shop/index', opened),
      mustShow: ['拿铁咖啡', '¥28.00', LONG_NAME, '¥89999.00', '我的订单'],
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

/** The order list's user: one order in each state, one of them ten lines long, two counting down. */
const LIST_USER = user('orders');
const listSteps: Step[] = [
  {
    at: '2026-06-01T09:00',
    run: async (ctx, s) => {
      s.refunded = await buy(ctx, LIST_USER, [
        { sku: 'coffee-latte', quantity: 1 },
        { sku: 'cake-cheese', quantity: 1 },
      ]);
    },
  },
  {
    at: '2026-06-01T09:05',
    run: async (ctx, s) =>
      void (s.closed = await buy(ctx, LIST_USER, [{ sku: 'tea-oolong', quantity: 2 }], { pay: false })),
  },
  { at: '2026-06-01T09:12', run: (ctx, s) => closeOrder(ctx, LIST_USER, s.closed) },
  { at: '2026-06-01T09:15', run: async (ctx, s) => void (s.large = await buy(ctx, LIST_USER, TEN_LINES)) },
  { at: '2026-06-01T09:20', run: (ctx, s) => refundOrder(ctx, s.refunded, 6000, '门店缺货') },
  {
    at: '2026-06-01T09:25',
    run: async (ctx, s) => void (s.paid = await buy(ctx, LIST_USER, [{ sku: 'cake-cheese', quantity: 1 }])),
  },
  {
    at: '2026-06-01T09:40',
    run: async (ctx, s) =>
      void (s.stickers = await buy(ctx, LIST_USER, [{ sku: 'sticker-pack', quantity: 3 }], { pay: false })),
  },
  {
    at: '2026-06-01T09:50',
    run: async (ctx, s) =>
      void (s.lattes = await buy(ctx, LIST_USER, [{ sku: 'coffee-latte', quantity: 2 }], { pay: false })),
  },
];

const LIST_TABS: Array<{ status: string; mustShow: string[] }> = [
  {
    status: '',
    mustShow: [
      orderStatusText.NOTPAY,
      orderStatusText.SUCCESS,
      orderStatusText.CLOSED,
      orderStatusText.REFUND,
      '¥99999.99',
      '¥60.00',
      `${ordersText.timeLeft} 5:00`,
      `${ordersText.timeLeft} 15:00`,
    ],
  },
  {
    status: 'NOTPAY',
    mustShow: [orderStatusText.NOTPAY, '¥0.03', '¥56.00', `${ordersText.timeLeft} 5:00`, payButtonText.pay],
  },
  { status: 'SUCCESS', mustShow: [orderStatusText.SUCCESS, '¥99999.99', '¥32.00', ordersText.noMore] },
  { status: 'CLOSED', mustShow: [orderStatusText.CLOSED, '¥32.00', '乌龙茶'] },
  { status: 'REFUND', mustShow: [orderStatusText.REFUND, '¥60.00', '拿铁咖啡、芝士蛋糕'] },
];

const orderLists: View[] = LIST_TABS.map((tab, i) => ({
  name: `orders-${tab.status ? tab.status.toLowerCase() : 'all'}`,
  // The first tab's entry makes the user's orders; the others show the same orders.
  steps: i === 0 ? listSteps : [],
  async shoot(ctx) {
    ctx.wxs.openid = LIST_USER;
    const query: Record<string, string> = tab.status ? { status: tab.status } : {};
    const opened = await openPage('pages/orders/list/index', query, (c) => c.data.loaded && !c.data.loading);
    return { html: pageShot('pages/orders/list/index', opened), mustShow: [ordersText.all, ...tab.mustShow] };
  },
}));

/** An order detail of its own user, made by `steps` (which set `state.orderNo`). */
function detailView(name: string, steps: Step[], mustShow: (s: ViewState) => string[]): View {
  return {
    name: `detail-${name}`,
    steps,
    async shoot(ctx, s) {
      ctx.wxs.openid = user(`detail-${name}`);
      const opened = await openPage(
        'pages/orders/detail/index',
        { orderNo: s.orderNo },
        (c) => Boolean(c.data.order) && !c.data.loading,
      );
      return {
        html: pageShot('pages/orders/detail/index', opened),
        mustShow: [s.orderNo, detailText.orderNo, ...mustShow(s)],
      };
    },
  };
}

const detailUser = (name: string) => user(`detail-${name}`);
const details: View[] = [
  detailView(
    'unpaid',
    [
      {
        at: '2026-06-01T09:52',
        run: async (ctx, s) =>
          void (s.orderNo = await buy(
            ctx,
            detailUser('unpaid'),
            [
              { sku: 'coffee-latte', quantity: 1 },
              { sku: 'cake-cheese', quantity: 2 },
            ],
            { pay: false },
          )),
      },
    ],
    () => [
      orderStatusText.NOTPAY,
      '¥92.00',
      '¥32.00 × 2',
      '17:00',
      detailText.close,
      `${detailText.pay} ¥92.00`,
      detailText.refresh,
    ],
  ),
  detailView(
    'paid',
    [
      {
        at: '2026-06-01T09:30',
        run: async (ctx, s) =>
          void (s.orderNo = await buy(ctx, detailUser('paid'), [
            { sku: 'tea-oolong', quantity: 1 },
            { sku: 'coffee-latte', quantity: 1 },
          ])),
      },
    ],
    () => [
      orderStatusText.SUCCESS,
      '¥44.00',
      detailText.paidAt,
      detailText.transactionId,
      shownAs('2026-06-01T09:30'),
    ],
  ),
  detailView(
    'closed',
    [
      {
        at: '2026-06-01T09:31',
        run: async (ctx, s) =>
          void (s.orderNo = await buy(ctx, detailUser('closed'), [{ sku: 'cake-cheese', quantity: 1 }], {
            pay: false,
          })),
      },
      { at: '2026-06-01T09:37', run: (ctx, s) => closeOrder(ctx, detailUser('closed'), s.orderNo) },
    ],
    () => [orderStatusText.CLOSED, '¥32.00', detailText.closedAt, shownAs('2026-06-01T09:37')],
  ),
  detailView(
    'refunded',
    [
      {
        at: '2026-06-01T09:33',
        run: async (ctx, s) =>
          void (s.orderNo = await buy(ctx, detailUser('refunded'), [
            { sku: 'coffee-latte', quantity: 2 },
            { sku: 'cake-cheese', quantity: 1 },
          ])),
      },
      { at: '2026-06-01T09:45', run: (ctx, s) => refundOrder(ctx, s.orderNo, 2800, '少送了一杯拿铁') },
    ],
    () => [
      orderStatusText.REFUND,
      '¥88.00',
      detailText.refunds,
      '¥28.00',
      '少送了一杯拿铁',
      detailText.refunded,
    ],
  ),
  detailView(
    'ten-items',
    [
      {
        at: '2026-06-01T09:54',
        run: async (ctx, s) =>
          void (s.orderNo = await buy(ctx, detailUser('ten-items'), TEN_LINES, { pay: false })),
      },
    ],
    () => [LONG_NAME, '¥99999.99', `${detailText.pay} ¥99999.99`, '¥89999.00 × 1', '滤纸 100 张'],
  ),
];

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

export const VIEWS: View[] = [payButton, shop, paySheet, ...orderLists, ...details, bills];

/** Every step of every view, in time order (views keep their own state). */
export function stepsInTimeOrder(
  states: Map<View, ViewState>,
): Array<{ at: number; run: (ctx: SceneContext) => Promise<void> }> {
  return VIEWS.flatMap((view) =>
    (view.steps ?? []).map((step) => ({
      at: beijing(step.at),
      run: (ctx: SceneContext) => step.run(ctx, states.get(view)!),
    })),
  ).sort((a, b) => a.at - b.at);
}
