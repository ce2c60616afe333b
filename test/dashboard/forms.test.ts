/** @jest-environment node */
/**
 * What someone types or picks in the dashboard's forms stays theirs while the page renders again
 * under it (its data arriving, the live stream refreshing the list, another field of the same form
 * changing): the orders filter and the Buy page's quantity, against a sandbox started as `npm start`
 * starts it. A field given a `value` would be put back at each of those renders.
 */
import { dashboardSuite } from '../helpers/dashboard-suite';

const BUYER = 'oPaykitLocalBuyer';

describe('dashboard forms keep what was entered', () => {
  const suite = dashboardSuite();

  test('the orders filter keeps typed and picked values while the list refreshes live, then submits them', async () => {
    const { page } = await suite.open('#/orders');
    await page.getByText('共 0 笔').waitFor();
    await page.getByLabel('状态').selectOption('SUCCESS');
    await page.getByLabel('用户').fill(BUYER);
    // An order placed elsewhere: the list under the form renders again with it.
    await suite.kit.ok(BUYER, 'unifiedOrder', { items: [{ sku: 'coffee-latte', quantity: 1 }] });
    await page.getByText('共 1 笔').waitFor();
    expect(await page.getByLabel('用户').inputValue()).toBe(BUYER);
    expect(await page.getByLabel('状态').inputValue()).toBe('SUCCESS');
    await page.getByLabel('用户').press('Enter');
    await page.waitForURL(/#\/orders\?/);
    const filter = new URLSearchParams(new URL(page.url()).hash.split('?')[1]);
    expect(Object.fromEntries(filter)).toEqual({ status: 'SUCCESS', openid: BUYER });
    // The filtered list (no paid orders yet) and a form that starts from the address.
    await page.getByText('共 0 笔').waitFor();
    expect(await page.getByLabel('用户').inputValue()).toBe(BUYER);
    expect(await page.getByLabel('状态').inputValue()).toBe('SUCCESS');
  });

  test('the Buy page keeps the quantity when the buyer changes, and the order is for that quantity', async () => {
    const { page } = await suite.open('#/buy');
    const quantity = page.getByLabel('数量');
    await page.getByLabel('商品').selectOption({ label: '拿铁咖啡 · ¥28.00' });
    await quantity.fill('3');
    // Picking the buyer renders the form again (and would show the other-openid field for "other").
    await page.getByLabel('下单用户').selectOption(BUYER);
    expect(await quantity.inputValue()).toBe('3');
    await page.getByRole('button', { name: '下单' }).last().click();
    const orderPage = page.locator('.order-page');
    await orderPage.waitFor();
    const order = await suite.kit.order<{
      openid: string;
      totalFee: number;
      items: Array<{ quantity: number }>;
    }>((await orderPage.getAttribute('data-order'))!);
    expect(order).toEqual(
      expect.objectContaining({
        openid: BUYER,
        totalFee: 8400,
        items: [expect.objectContaining({ quantity: 3 })],
      }),
    );
  });
});
