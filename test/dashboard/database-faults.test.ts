/** @jest-environment node */
/**
 * The Database and Faults pages in headless Chromium, against a sandbox started as `npm start`
 * starts it: a query in the SDK's language shows documents as JSON, an edit is written only after
 * the page's own confirm step, hostile edits and broken JSON get a clear error; a fault added with
 * the form (valid choices only, for cloudPay and APIv3) makes the next call fail, then is cleared.
 */
import type { DashboardPage } from '../helpers/browser';
import { dashboardSuite } from '../helpers/dashboard-suite';
import { get, readDoc } from '../helpers/control';

const BUYER = 'oPaykitLocalBuyer';

describe('dashboard: database and faults', () => {
  const suite = dashboardSuite();

  const open = async (route: string) => (await suite.open(route)).page;

  /** The browser logged only the requests the server refused (the test's bad actions). */
  const onlyRefusals = (tab: DashboardPage, n: number) => {
    expect(tab.problems).toEqual(Array(n).fill(expect.stringContaining('status of 4')));
    tab.problems.length = 0;
  };

  test('a query shows the matching documents as JSON', async () => {
    const page = await open('#/database');
    await page.locator('a[data-collection="paykit_products"]').click();
    await page
      .getByLabel('查询条件（与 SDK 相同的查询语言，JSON）')
      .fill('{"price": {"$gte": 2800}, "active": true}');
    await page.getByRole('button', { name: '查询' }).click();
    await page.locator('[data-total="2"]').waitFor();
    expect(await page.locator('[data-total]').textContent()).toBe('匹配 2 条，显示 2 条');
    const ids = await page
      .locator('article[data-doc]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-doc')));
    expect(ids.sort()).toEqual(['cake-cheese', 'coffee-latte']);
    const json = JSON.parse((await page.locator('article[data-doc="coffee-latte"] pre').textContent())!);
    expect(json).toEqual({
      _id: 'coffee-latte',
      name: '拿铁咖啡',
      price: 2800,
      active: true,
      delivery: 'same-city',
    });
  });

  test('an edit is written only after the confirm step', async () => {
    const page = await open('#/database?c=paykit_products');
    await page.getByRole('button', { name: '查询' }).click();
    const doc = page.locator('article[data-doc="tea-oolong"]');
    await doc.getByRole('button', { name: '编辑' }).click();
    const editor = doc.getByLabel('编辑 tea-oolong');
    await editor.fill(JSON.stringify({ _id: 'tea-oolong', name: '乌龙茶', price: 1800, active: true }));
    await doc.getByRole('button', { name: '保存修改' }).click();
    const dialog = doc.getByRole('alertdialog');
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('将用上面的内容替换 paykit_products 中的文档 tea-oolong');
    // Nothing written yet.
    expect(
      (await readDoc<{ price: number }>(suite.sandbox.url, 'paykit_products', 'tea-oolong'))!.price,
    ).toBe(1600);
    // Cancel goes back to editing; confirming writes.
    await dialog.getByRole('button', { name: '取消' }).click();
    expect(await doc.getByRole('alertdialog').count()).toBe(0);
    await doc.getByRole('button', { name: '保存修改' }).click();
    await doc.getByRole('alertdialog').getByRole('button', { name: '确认修改' }).click();
    await page.getByRole('status').filter({ hasText: '已保存 tea-oolong' }).waitFor();
    expect(
      (await readDoc<{ price: number }>(suite.sandbox.url, 'paykit_products', 'tea-oolong'))!.price,
    ).toBe(1800);
    await doc.locator('pre', { hasText: '"price": 1800' }).waitFor();
    // The kit sells at the new price: the edit went where the functions read.
    const placed = await suite.kit.ok(BUYER, 'unifiedOrder', { items: [{ sku: 'tea-oolong', quantity: 1 }] });
    expect(placed.totalFee).toBe(1800);
  });

  test('broken JSON and a hostile edit get a clear error and write nothing', async () => {
    const page = await open('#/database?c=paykit_products');
    const tab = suite.tabs[suite.tabs.length - 1];
    await page.getByLabel('查询条件（与 SDK 相同的查询语言，JSON）').fill('{"price": ');
    await page.getByRole('button', { name: '查询' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('INVALID_JSON');
    await alert.getByRole('button', { name: '关闭' }).click();
    // A query the engine refuses: the server's code and message.
    await page.getByLabel('查询条件（与 SDK 相同的查询语言，JSON）').fill('{"price": {"$nope": 1}}');
    await page.getByRole('button', { name: '查询' }).click();
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/INVALID_PARAM|DATABASE/);
    await alert.getByRole('button', { name: '关闭' }).click();
    onlyRefusals(tab, 1);
    // Changing the _id through an edit is refused by the route.
    await page.getByLabel('查询条件（与 SDK 相同的查询语言，JSON）').fill('{"_id": "sticker-pack"}');
    await page.getByRole('button', { name: '查询' }).click();
    const doc = page.locator('article[data-doc="sticker-pack"]');
    await doc.getByRole('button', { name: '编辑' }).click();
    await doc.getByLabel('编辑 sticker-pack').fill('{"_id": "free-stuff", "price": 0}');
    await doc.getByRole('button', { name: '保存修改' }).click();
    await doc.getByRole('button', { name: '确认修改' }).click();
    await alert.waitFor();
    expect(await alert.textContent()).toContain('INVALID_PARAM');
    expect(await alert.textContent()).toContain('doc._id must stay "sticker-pack"');
    onlyRefusals(tab, 1);
    expect(await readDoc(suite.sandbox.url, 'paykit_products', 'free-stuff')).toBeNull();
    expect(
      (await readDoc<{ price: number }>(suite.sandbox.url, 'paykit_products', 'sticker-pack'))!.price,
    ).toBe(1);
  });

  test('the fault form offers only valid choices, for cloudPay and APIv3', async () => {
    const page = await open('#/faults');
    const api = page.locator('select[name="api"]');
    await api.waitFor();
    const groups = await api
      .locator('optgroup')
      .evaluateAll((els) =>
        els.map((g) => [
          g.getAttribute('label'),
          Array.from(g.querySelectorAll('option')).map((o) => o.value),
        ]),
      );
    const choices = await get<{ targets: Array<{ api: string; errors: string[] }> }>(
      `${suite.sandbox.url}/sandbox/dashboard/fault-choices`,
    );
    // Every target the route gives, grouped, and nothing else.
    expect(groups.flatMap(([, apis]) => apis as string[])).toEqual(choices.targets.map((t) => t.api));
    expect(Object.fromEntries(groups)).toMatchObject({
      cloudPay: expect.arrayContaining(['unifiedOrder', 'queryOrder', 'refund']),
      APIv3: expect.arrayContaining(['v3.jsapi', 'v3.refund']),
      退款结果: ['refundResult'],
    });
    const errorsOf = async () =>
      page
        .locator('select[name="error"] option')
        .evaluateAll((els) => els.map((o) => (o as HTMLOptionElement).value));
    await api.selectOption('v3.jsapi');
    await page
      .locator('select[name="error"] option', { hasText: /^SYSTEM_ERROR$/ })
      .waitFor({ state: 'attached' });
    const v3Errors = await errorsOf();
    expect(v3Errors).toEqual(choices.targets.find((t) => t.api === 'v3.jsapi')!.errors);
    expect(v3Errors).toContain('SYSTEM_ERROR');
    expect(v3Errors).not.toContain('RETURN_FAIL');
    await api.selectOption('refundResult');
    await page
      .locator('select[name="error"] option', { hasText: /^REFUNDCLOSE$/ })
      .waitFor({ state: 'attached' });
    expect(await errorsOf()).toEqual(['REFUNDCLOSE', 'CHANGE']);
  });

  test('a fault added with the form makes the next call fail with it; clearing it lets calls through', async () => {
    const page = await open('#/faults');
    await page.locator('select[name="api"]').selectOption('unifiedOrder');
    await page.locator('select[name="error"]').selectOption('NOTENOUGH');
    await page.getByLabel('次数').fill('2');
    await page.getByRole('button', { name: '添加接口故障' }).click();
    const armed = page.locator('li[data-fault="unifiedOrder"][data-error="NOTENOUGH"]');
    await armed.waitFor();
    expect(await armed.textContent()).toContain('剩余 2 次');
    const failed = await suite.kit.call(BUYER, 'unifiedOrder', {
      items: [{ sku: 'coffee-latte', quantity: 1 }],
    });
    // The kit reports WeChat's NOTENOUGH (its err_code_des) as a provider error.
    expect(failed).toMatchObject({ ok: false, code: 'PAY_PROVIDER_ERROR' });
    expect(JSON.stringify(failed)).toContain('基本账户余额不足');
    await armed.filter({ hasText: '剩余 1 次' }).waitFor();
    await page.getByRole('button', { name: '清除全部故障' }).click();
    await page.getByText('没有故障').waitFor();
    const placed = await suite.kit.ok(BUYER, 'unifiedOrder', {
      items: [{ sku: 'coffee-latte', quantity: 1 }],
    });
    expect(placed.orderNo).toMatch(/^PK\d{22}$/);
  });

  test('SLOW asks for its delay; armed, it shows it, and a bad delay is refused with the server’s message', async () => {
    const page = await open('#/faults');
    await page.locator('select[name="api"]').selectOption('v3.queryOrder');
    await page.locator('select[name="error"]').selectOption('SLOW');
    await page.getByLabel('应答延迟（毫秒）').fill('soon');
    await page.getByRole('button', { name: '添加接口故障' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('delayMs must be a whole number ≥ 1; got "soon"');
    onlyRefusals(suite.tabs[suite.tabs.length - 1], 1);
    await page.getByLabel('应答延迟（毫秒）').fill('2500');
    await page.getByRole('button', { name: '添加接口故障' }).click();
    const armed = page.locator('li[data-fault="v3.queryOrder"][data-error="SLOW"]');
    await armed.waitFor();
    expect(await armed.textContent()).toContain('已处理，2500 毫秒后才应答');
    expect((await get<{ api: unknown[] }>(`${suite.sandbox.url}/sandbox/pay/faults`)).api).toEqual([
      expect.objectContaining({ api: 'v3.queryOrder', error: 'SLOW', delayMs: 2500, remaining: 1 }),
    ]);
    await page.getByRole('button', { name: '清除全部故障' }).click();
    await page.getByText('没有故障').waitFor();
  });

  test('a bad count is refused with the server’s code and message', async () => {
    const page = await open('#/faults');
    await page.getByLabel('次数').fill('many');
    await page.getByRole('button', { name: '添加接口故障' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('INVALID_PARAM');
    expect(await alert.textContent()).toContain('count must be a whole number');
    onlyRefusals(suite.tabs[suite.tabs.length - 1], 1);
    const faults = await get<{ api: unknown[] }>(`${suite.sandbox.url}/sandbox/pay/faults`);
    expect(faults.api).toEqual([]);
  });
});
