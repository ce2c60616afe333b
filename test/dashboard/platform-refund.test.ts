/** @jest-environment node */
/**
 * A refund made by hand on WeChat Pay's merchant platform, from an order's page in headless Chromium,
 * against a sandbox started as `npm start` starts it: a person reproduces "the merchant refunded it
 * there" on a payment whose callbacks were all dropped, sees the refund on the timeline and the
 * trade, and, once the buyer's query tells the kit, the order shown refunded on the merchant
 * platform with no kit refund offered. WeChat's refusal shows its reason; an empty amount is refused
 * by the route, never taken as "everything left". A payment not matching its order reads 支付异常
 * (the kit's PAYERROR, not WeChat's 支付失败) with what WeChat said, until it is refunded there; its
 * timeline says when the kit found it not matching and when it learnt of that refund.
 */
import type { Locator, Page } from 'playwright-core';
import type { OrderTimeline } from '../../typings/sandbox/dashboard';
import { callAs, del, get, post, storeOrderAmount } from '../helpers/control';
import { dashboardSuite } from '../helpers/dashboard-suite';

const BUYER = 'oPaykitLocalBuyer';

interface Trade {
  state: string;
  refundedFee: number;
  refunds: Array<{ outRefundNo: string }>;
}

describe('dashboard: refunds on the merchant platform', () => {
  const suite = dashboardSuite();

  /** A latte (¥28.00) bought as the buyer; resolves on its page, open in a fresh tab. */
  async function latteOrderPage(): Promise<{ page: Page; orderNo: string }> {
    const placed = await suite.kit.ok(BUYER, 'unifiedOrder', {
      items: [{ sku: 'coffee-latte', quantity: 1 }],
    });
    const { page } = await suite.open(`#/orders/${placed.orderNo}`);
    await page.locator(`.order-page[data-order="${placed.orderNo}"]`).waitFor();
    return { page, orderNo: placed.orderNo };
  }

  const entry = (page: Page, kind: string) => page.locator(`.timeline [data-kind="${kind}"]`);
  const platformForm = (page: Page) => page.locator('form:has([data-action="platform-refund"])');
  const kitRefund = (page: Page) => page.locator('[data-action="refund"]');

  /** The order's trade at WeChat (its current attempt's). */
  async function trade(orderNo: string): Promise<Trade & { outTradeNo: string }> {
    const outTradeNo = String((await suite.kit.order(orderNo))!.outTradeNo);
    const { trades } = await get<{ trades: Trade[] }>(
      `${suite.sandbox.url}/sandbox/pay/trades?outTradeNo=${outTradeNo}`,
    );
    return { ...trades[0], outTradeNo };
  }

  /** The stored order says 1 fen more than the trade WeChat holds (changed after its prepay). */
  const storedOneFenMore = (orderNo: string) => storeOrderAmount(suite.sandbox.url, orderNo, 2801);

  afterEach(async () => {
    await del(`${suite.sandbox.url}/sandbox/pay/faults`);
  });

  test('a paid order whose callbacks were dropped, refunded there: the timeline shows it, then the order is refunded outside the kit', async () => {
    await post(`${suite.sandbox.url}/sandbox/pay/callbacks`, { mode: 'drop', count: 20, kind: 'payment' });
    const { page, orderNo } = await latteOrderPage();
    await page.getByRole('button', { name: '以付款人身份支付' }).click();
    await entry(page, 'notification').first().waitFor();
    // WeChat has it paid; the kit, its callback lost, does not: the platform refund is offered, for
    // all of it by default, and the kit's refund is not.
    expect(await page.locator('.order-page').getAttribute('data-status')).toBe('NOTPAY');
    const field = page.getByLabel('商户平台退款（分）');
    await field.waitFor();
    expect(await field.inputValue()).toBe('2800');
    expect(await kitRefund(page).count()).toBe(0);

    await field.fill('1000');
    await page.getByRole('button', { name: '商户平台退款' }).click();
    await page.getByRole('status').filter({ hasText: '已完成' }).waitFor();
    const refund = entry(page, 'platformRefund');
    await refund.waitFor();
    const { outTradeNo, ...atWechat } = await trade(orderNo);
    expect(atWechat).toEqual(expect.objectContaining({ state: 'REFUND', refundedFee: 1000 }));
    expect(await refund.locator('[data-fact="refundFee"]').textContent()).toContain('¥10.00');
    expect(await refund.locator('[data-fact="outTradeNo"]').textContent()).toContain(outTradeNo);
    // Drawn with the refund: the field starts again from what is left.
    expect(await field.inputValue()).toBe('1800');
    // The trades page shows the refund against the trade.
    const trades = await suite.open(`#/trades?state=REFUND`);
    const row = trades.page.locator(`tr[data-trade="${outTradeNo}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('−¥10.00');

    // The buyer's query tells the kit: the order is recorded as refunded on the merchant platform.
    await page.getByRole('button', { name: '以用户身份查询' }).click();
    await page.locator('.order-page[data-status="REFUND"]').waitFor();
    const tag = page.locator('.order-page h1 [data-refunded-outside]');
    await tag.waitFor();
    expect(await tag.textContent()).toBe('商户平台退款');
    await entry(page, 'refundedOutside').waitFor();
    // The kit refuses to refund it, so its refund is not offered; the rest can go on the platform.
    expect(await kitRefund(page).count()).toBe(0);
    expect(await platformForm(page).count()).toBe(1);
    expect(await page.getByLabel('商户平台退款（分）').inputValue()).toBe('1800');
    // The orders list marks it too.
    const list = await suite.open(`#/orders?status=REFUND`);
    await list.page.locator(`tr[data-order="${orderNo}"] [data-refunded-outside]`).waitFor();
  });

  test('a paid order the kit recorded, refunded in part there: once the kit learns of it, the order and the list mark it, and the kit refunds what is left', async () => {
    const { page, orderNo } = await latteOrderPage();
    await page.getByRole('button', { name: '以付款人身份支付' }).click();
    await page.locator('.order-page[data-status="SUCCESS"]').waitFor();
    await page.getByLabel('商户平台退款（分）').fill('1000');
    await page.getByRole('button', { name: '商户平台退款' }).click();
    await page.getByRole('status').filter({ hasText: '已完成' }).waitFor();
    await entry(page, 'platformRefund').waitFor();
    const { outTradeNo, refunds } = await trade(orderNo);

    // A refundCallback naming it: the kit asks WeChat and records it on the order.
    const answer = await callAs<{ errcode: number }>(suite.sandbox.url, BUYER, 'refundCallback', {
      outTradeNo,
      outRefundNo: refunds[0].outRefundNo,
    });
    expect(answer.errcode).toBe(0);
    await page.locator('.order-page[data-status="REFUND"]').waitFor();
    const tag = page.locator('.order-page h1 [data-refunded-on-platform]');
    await tag.waitFor();
    expect(await tag.textContent()).toBe('商户平台退款');
    expect(await page.locator('.order-page h1 [data-refunded-outside]').count()).toBe(0);
    // One entry for it, the kit's record now, which no admin asked for.
    const refund = entry(page, 'platformRefund');
    expect(await refund.count()).toBe(1);
    expect(await refund.locator('[data-fact="refundFee"]').textContent()).toContain('¥10.00');
    expect(await refund.locator('[data-fact="by"]').count()).toBe(0);
    expect(await entry(page, 'refund').count()).toBe(0);
    // The kit's refund is offered, for what is left.
    await kitRefund(page).waitFor();
    expect(await page.getByLabel('退款金额（分）', { exact: true }).inputValue()).toBe('1800');
    const list = await suite.open(`#/orders?status=REFUND`);
    await list.page.locator(`tr[data-order="${orderNo}"] [data-refunded-on-platform]`).waitFor();
  });

  test('a payment not matching its order reads 支付异常 with what WeChat said; refunded there, it is refunded outside the kit', async () => {
    const { page, orderNo } = await latteOrderPage();
    await storedOneFenMore(orderNo);
    await page.getByRole('button', { name: '以付款人身份支付' }).click();
    await page.locator('.order-page[data-status="PAYERROR"]').waitFor();
    expect(await page.locator('.order-page h1 [data-state]').textContent()).toBe('支付异常');
    expect(await page.locator('.order-page h1 [data-mismatched]').textContent()).toBe(
      '微信收款与订单不符 ¥28.00',
    );
    const said = page.locator('[data-mismatched-payment]');
    expect(await said.textContent()).toMatch(
      /^微信收款与订单不符¥28\.00 · 已支付 · 42000\d{23} · PK\d{22}A01 · \d{10}$/,
    );
    const list = await suite.open(`#/orders?status=PAYERROR`);
    const row = list.page.locator(`tr[data-order="${orderNo}"]`);
    await row.waitFor();
    expect(await row.locator('[data-state]').textContent()).toBe('支付异常');
    expect(await row.locator('[data-mismatched]').textContent()).toBe('微信收款与订单不符 ¥28.00');
    // The timeline says when the kit found it, with what WeChat said beside the order's amount.
    const found = entry(page, 'mismatchedPayment');
    await found.waitFor();
    const fact = (e: Locator, key: string) => e.locator(`[data-fact="${key}"] dd`).textContent();
    expect(await found.locator('.entry-title').textContent()).toBe('支付异常');
    expect(await fact(found, 'wechatFee')).toBe('¥28.00');
    expect(await fact(found, 'orderFee')).toBe('¥28.01');
    expect(await fact(found, 'merchantId')).toMatch(/^\d{10}$/);
    const outTradeNo = await fact(found, 'outTradeNo');
    expect(outTradeNo).toMatch(new RegExp(`^${orderNo}A01$`));
    expect(await fact(found, 'transactionId')).toMatch(/^42000\d{23}$/);
    expect(await entry(page, 'paid').count()).toBe(0);
    expect(await entry(page, 'refundedOutside').count()).toBe(0);

    // The way out: the merchant refunds it on the platform, and the kit's next look records it.
    await page.getByRole('button', { name: '商户平台退款' }).click();
    await page.getByRole('status').filter({ hasText: '已完成' }).waitFor();
    await page.getByRole('button', { name: '以用户身份查询' }).click();
    await page.locator('.order-page[data-status="REFUND"]').waitFor();
    await page.locator('.order-page h1 [data-refunded-outside]').waitFor();
    expect(await page.locator('.order-page h1 [data-state]').textContent()).toBe('已退款');
    expect(await said.textContent()).toContain('¥28.00 · 已退款 · ');
    expect(await kitRefund(page).count()).toBe(0);
    // And when the kit learnt it was refunded there, after it found the payment not matching.
    const outside = entry(page, 'refundedOutside');
    await outside.waitFor();
    expect(await outside.locator('.entry-title').textContent()).toBe('已退款');
    expect(await fact(outside, 'outTradeNo')).toBe(outTradeNo);
    const kinds = await page
      .locator('.timeline [data-kind]')
      .evaluateAll((els) => els.map((el) => el.getAttribute('data-kind')));
    expect(kinds.filter((k) => k === 'mismatchedPayment' || k === 'refundedOutside')).toEqual([
      'mismatchedPayment',
      'refundedOutside',
    ]);
  });

  test('a payment not matching its order, refunded there before the kit first looked: the timeline has it found and refunded at one instant', async () => {
    await post(`${suite.sandbox.url}/sandbox/pay/callbacks`, { mode: 'drop', count: 20, kind: 'payment' });
    const placed = await suite.kit.ok(BUYER, 'unifiedOrder', {
      items: [{ sku: 'coffee-latte', quantity: 1 }],
    });
    await storedOneFenMore(placed.orderNo);
    expect((await suite.kit.pay(BUYER, placed.payment)).errMsg).toBe('requestPayment:ok');
    await suite.kit.settle();
    const { outTradeNo } = await trade(placed.orderNo);
    await post(`${suite.sandbox.url}/sandbox/pay/refunds`, { outTradeNo });
    await suite.kit.ok(BUYER, 'queryOrder', { orderNo: placed.orderNo });

    const { order, entries } = await get<OrderTimeline>(
      `${suite.sandbox.url}/sandbox/dashboard/orders/${placed.orderNo}`,
    );
    expect(order).toEqual(expect.objectContaining({ status: 'REFUND', refundedOutside: true }));
    const transactionId = order.mismatchedPayment!.transactionId;
    expect(transactionId).toMatch(/^42000\d{23}$/);
    const held = entries.filter((e) => e.kind === 'mismatchedPayment' || e.kind === 'refundedOutside');
    expect(held).toEqual([
      {
        at: held[0].at,
        kind: 'mismatchedPayment',
        title: 'REFUND',
        facts: {
          outTradeNo,
          transactionId,
          wechatFee: 2800,
          orderFee: 2801,
          merchantId: expect.stringMatching(/^\d{10}$/),
        },
      },
      { at: held[0].at, kind: 'refundedOutside', title: 'REFUND', facts: { outTradeNo, transactionId } },
    ]);
    expect(entries.filter((e) => e.kind === 'paid')).toEqual([]);
  });

  test("WeChat's refusal shows its reason, and an empty amount is refused, not taken as all of it", async () => {
    const { page, orderNo } = await latteOrderPage();
    await page.getByRole('button', { name: '以付款人身份支付' }).click();
    await page.locator('.order-page[data-status="SUCCESS"]').waitFor();
    // Paid and recorded: both refunds are offered.
    await kitRefund(page).waitFor();
    const field = page.getByLabel('商户平台退款（分）');
    await field.fill('999999');
    await page.getByRole('button', { name: '商户平台退款' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('REFUND_REFUSED');
    expect(await alert.textContent()).toContain('微信支付拒绝退款：申请退款金额超过订单可退金额');

    await field.fill('');
    await page.getByRole('button', { name: '商户平台退款' }).click();
    await alert.filter({ hasText: 'INVALID_PARAM' }).waitFor();
    expect(await alert.textContent()).toContain('参数有误：refundFee must be a whole number');
    expect(await trade(orderNo)).toEqual(expect.objectContaining({ state: 'SUCCESS', refundedFee: 0 }));
    expect(await entry(page, 'platformRefund').count()).toBe(0);
    // The one thing the browser logged each time: the refused request.
    const tab = suite.tabs[suite.tabs.length - 1];
    expect(tab.problems).toEqual([
      expect.stringContaining('status of 409'),
      expect.stringContaining('status of 400'),
    ]);
    tab.problems.length = 0;
  });
});
