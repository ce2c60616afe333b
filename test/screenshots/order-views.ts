/**
 * The order pages' views: the list on each tab (one user with an order in each state) and the
 * detail page in each state, each of its own user.
 */
import {
  clientErrorText,
  detailText,
  expressCompanyText,
  orderStatusText,
  ordersText,
  partlyRefundedText,
  payButtonText,
  shipmentText,
  shippingStateText,
} from '../../miniprogram/paykit/strings';
import { zto } from '../helpers/shipping-kit';
import { ORDER_DETAIL, openOrderDetail } from '../helpers/simulate';
import { eventually } from '../helpers/control';
import {
  DEFAULT_ADMIN,
  buy,
  closeOrder,
  openPage,
  pageShot,
  refundOrder,
  shownAs,
  popupOpen,
} from './scenes';
import { LONG_NAME, TEN_LINES, user, type Step, type View, type ViewState } from './view-kit';

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

export const orderLists: View[] = LIST_TABS.map((tab, i) => ({
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

/** The list of a customer who has not ordered yet: van-empty under the tabs. */
const ordersEmpty: View = {
  name: 'orders-empty',
  async shoot(ctx) {
    ctx.wxs.openid = user('orders-empty');
    const page = 'pages/orders/list/index';
    const opened = await openPage(page, {}, (c) => c.data.loaded && !c.data.loading);
    return { html: pageShot(page, opened), mustShow: [ordersText.all, ordersText.empty] };
  },
};

/** The list when its first page cannot load (the phone has no network): the reason and 重新加载. */
const ordersError: View = {
  name: 'orders-error',
  async shoot(ctx) {
    ctx.wxs.openid = user('orders-error');
    ctx.wxs.offline = 1;
    const page = 'pages/orders/list/index';
    const opened = await openPage(page, {}, (c) => Boolean(c.data.error) && !c.data.loading);
    return {
      html: pageShot(page, opened),
      mustShow: [ordersText.all, clientErrorText.NETWORK_ERROR, ordersText.retry],
    };
  },
};

export const orderListStates: View[] = [ordersEmpty, ordersError];

/**
 * An order detail of its own user, made by `steps` (which set `state.orderNo`), seen by that user
 * or by `viewer`.
 */
function detailView(
  name: string,
  steps: Step[],
  mustShow: (s: ViewState) => string[],
  viewer = user(`detail-${name}`),
): View {
  return {
    name: `detail-${name}`,
    steps,
    async shoot(ctx, s) {
      ctx.wxs.openid = viewer;
      // Afresh, as every view's page is (scenes.ts openPage).
      const opened = await openOrderDetail(s.orderNo, { fresh: true });
      return {
        html: pageShot(ORDER_DETAIL, opened),
        mustShow: [s.orderNo, detailText.orderNo, ...mustShow(s)],
      };
    },
  };
}

const detailUser = (name: string) => user(`detail-${name}`);
export const details: View[] = [
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
    () => [partlyRefundedText, '¥88.00', detailText.refunds, '¥28.00', '少送了一杯拿铁', detailText.refunded],
  ),
  detailView(
    'shipped',
    [
      {
        at: '2026-06-01T09:20',
        run: async (ctx, s) =>
          void (s.orderNo = await buy(ctx, detailUser('shipped'), [{ sku: 'tea-oolong', quantity: 2 }])),
      },
      // WeChat knows a payment a minute after it (10060001 before): the admin ships later.
      {
        at: '2026-06-01T09:48',
        run: async (ctx, s) =>
          void (await ctx.kit.ok(DEFAULT_ADMIN, 'shipOrder', {
            orderNo: s.orderNo,
            packages: [zto('ZT7300012345678', '乌龙茶 × 2')],
          })),
      },
    ],
    () => [
      orderStatusText.SUCCESS,
      '¥32.00',
      shipmentText.title,
      shippingStateText.SHIPPED,
      expressCompanyText.ZTO,
      'ZT7300012345678',
      shipmentText.confirm,
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
  // The merchant admin on a customer's order, from 全部订单: 退款 for what is left, no owner's actions.
  // Vouchers ship themselves, so the to-ship picture stays as it was; its steps come after every
  // other view's, so the seeded numbers of the other pictures stay put too.
  detailView(
    'admin',
    [
      {
        at: '2026-06-01T10:00',
        run: async (ctx, s) =>
          void (s.orderNo = await buy(ctx, detailUser('admin'), [{ sku: 'voucher-coffee', quantity: 3 }])),
      },
      { at: '2026-06-01T10:02', run: (ctx, s) => refundOrder(ctx, s.orderNo, 2500, '一张兑换券未使用') },
    ],
    () => [
      partlyRefundedText,
      '¥75.00',
      detailText.refunded,
      '¥25.00',
      '一张兑换券未使用',
      detailText.refund,
    ],
    DEFAULT_ADMIN,
  ),
];

/**
 * The merchant admin's refund dialog open on a customer's vouchers: everything left offered, the
 * reason's placeholder. Vouchers ship themselves (the to-ship picture stays as it was), and the
 * order is the last one made, so the seeded numbers of the other pictures stay put.
 */
const REFUND_USER = user('detail-refund-dialog');
export const refundDialog: View = {
  name: 'detail-refund-dialog',
  steps: [
    {
      at: '2026-06-01T10:03',
      run: async (ctx, s) =>
        void (s.orderNo = await buy(ctx, REFUND_USER, [{ sku: 'voucher-coffee', quantity: 2 }])),
    },
  ],
  async shoot(ctx, s) {
    ctx.wxs.openid = DEFAULT_ADMIN;
    const opened = await openOrderDetail(s.orderNo, { fresh: true });
    opened.comp.querySelector('#refund')!.querySelector('.van-button')!.dispatchEvent('tap');
    await eventually(
      () => (popupOpen(opened.comp, detailText.refundTitle) ? true : undefined),
      10000,
      'the refund dialog',
    );
    return {
      html: pageShot(ORDER_DETAIL, opened, { height: 667 }),
      mustShow: [
        detailText.refundTitle,
        `${detailText.refundable} ¥50.00`,
        // The amount field holds what is left, in yuan; the reason field shows its placeholder.
        `${detailText.refundAmount} 50.00 ${detailText.refundAmountUnit}`,
        `${detailText.refundReason} ${detailText.refundReasonPlaceholder}`,
        detailText.cancel,
        detailText.refundSubmit,
      ],
    };
  },
};

/**
 * 全部订单 as the merchant admin sees it: every view's customers' orders, newest first (the admin's
 * refunded vouchers on top), the lookup by order number, no pay buttons on others' unpaid orders.
 */
export const allOrders: View = {
  name: 'orders-admin',
  async shoot(ctx) {
    ctx.wxs.openid = DEFAULT_ADMIN;
    const page = 'pages/orders/list/index';
    const opened = await openPage(page, { scope: 'all' }, (c) => c.data.loaded && !c.data.loading);
    return {
      html: pageShot(page, opened, { title: ordersText.allTitle }),
      mustShow: [
        '咖啡电子兑换券×3',
        '¥75.00',
        orderStatusText.REFUND,
        partlyRefundedText,
        orderStatusText.NOTPAY,
        ordersText.noMore,
        // The lookup's placeholder (markupOf draws it).
        ordersText.lookupPlaceholder,
      ],
    };
  },
};
