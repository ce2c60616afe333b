/** @jest-environment node */
import * as fs from 'fs';
import * as path from 'path';
import { createTasks } from '../../build/tasks';
import { describePlan, emptyPlan, planChange, runPlan } from '../../build/watch';
import { createFixture, type Fixture, runTask } from './fixture';

const planFor = (...files: string[]) => files.reduce(planChange, emptyPlan());

describe('watch: what a change rebuilds', () => {
  it('maps a mini-program .ts to that file and an asset to that file (templates also re-run the wxml check)', () => {
    const plan = planFor(
      'miniprogram/pages/shop/index.ts',
      'miniprogram/images/logo.png',
      'miniprogram/a.wxml',
    );
    expect([...plan.scripts]).toEqual(['pages/shop/index.ts']);
    expect([...plan.assets]).toEqual(['images/logo.png', 'a.wxml']);
    expect(plan).toMatchObject({ wxml: true, sandbox: false });
    expect(plan.functions).toEqual(new Set());
  });

  it('ignores .d.ts and miniprogram_npm', () => {
    expect(
      describePlan(planFor('miniprogram/global.d.ts', 'miniprogram/miniprogram_npm/@vant/weapp/x.js')),
    ).toBe('');
  });

  it('rebuilds one function for its own files, every function for common/, the sandbox for sandbox/', () => {
    expect(
      planFor('cloudfunctions/payOrder/index.ts', 'cloudfunctions/payOrder/config.json').functions,
    ).toEqual(new Set(['payOrder']));
    expect(planFor('cloudfunctions/payOrder/index.ts', 'cloudfunctions/common/price.ts').functions).toBe(
      'all',
    );
    expect(planFor('sandbox/pay/notify.ts')).toMatchObject({ sandbox: true, wxml: false, dashboard: false });
    expect(planFor('sandbox/dashboard/ui/shell.tsx')).toMatchObject({ sandbox: true, dashboard: true });
    expect(planFor('typings/paykit/order.ts')).toMatchObject({ sandbox: true, functions: 'all' });
  });
});

describe('watch: incremental rebuild', () => {
  let fx: Fixture;
  const out = (file: string) => path.join(fx.out, file);
  const mtime = (file: string) => fs.statSync(out(file)).mtimeMs;

  beforeAll(async () => {
    fx = createFixture();
    await runTask(createTasks(fx.ctx).build);
  });
  afterAll(() => fx.remove());

  it('recompiles only the changed script', async () => {
    const before = mtime('miniprogram/app.js');
    fx.write('miniprogram/utils/money.ts', 'export const yuan = (fen: number): string => `¥${fen / 100}`;\n');
    await new Promise((r) => setTimeout(r, 20));
    expect(await runPlan(fx.ctx, planFor('miniprogram/utils/money.ts'))).toEqual([]);
    expect(fs.readFileSync(out('miniprogram/utils/money.js'), 'utf8')).toContain('¥');
    expect(mtime('miniprogram/app.js')).toBe(before);
  });

  it('removes the output of deleted sources', async () => {
    fs.rmSync(path.join(fx.root, 'miniprogram/images/logo.png'));
    fs.rmSync(path.join(fx.root, 'cloudfunctions/queryOrder'), { recursive: true });
    const plan = planFor('miniprogram/images/logo.png', 'cloudfunctions/queryOrder');
    expect(await runPlan(fx.ctx, plan)).toEqual([]);
    expect(fs.existsSync(out('miniprogram/images/logo.png'))).toBe(false);
    expect(fs.existsSync(out('cloudfunctions/queryOrder'))).toBe(false);
  });

  it('writes the page titles again when the strings module or a page json changes', async () => {
    const title = () =>
      (
        JSON.parse(fs.readFileSync(out('miniprogram/pages/shop/index.json'), 'utf8')) as Record<
          string,
          unknown
        >
      ).navigationBarTitleText;
    const strings = (shop: string) =>
      `export const pageTitleText: Record<string, string> = { 'pages/shop/index': '${shop}' };\n`;
    fx.write('miniprogram/paykit/strings.ts', strings('Shop'));
    expect(planFor('miniprogram/paykit/strings.ts')).toMatchObject({ titles: true });
    expect(await runPlan(fx.ctx, planFor('miniprogram/paykit/strings.ts'))).toEqual([]);
    expect(title()).toBe('Shop');
    fx.write('miniprogram/paykit/strings.ts', strings('Store'));
    expect(await runPlan(fx.ctx, planFor('miniprogram/paykit/strings.ts'))).toEqual([]);
    expect(title()).toBe('Store');
    // A page json copied again comes without its title: it is written in after the copy.
    fx.write('miniprogram/pages/shop/index.json', JSON.stringify({ usingComponents: {} }));
    expect(await runPlan(fx.ctx, planFor('miniprogram/pages/shop/index.json'))).toEqual([]);
    expect(title()).toBe('Store');
  });

  it('rebuilds every function when common/ changes, and reports a broken template without throwing', async () => {
    fx.write('cloudfunctions/common/price.ts', 'export const priceOf = (_sku: string): number => 4242;\n');
    fx.write('miniprogram/pages/shop/index.wxml', '<view>\n');
    const errors = await runPlan(
      fx.ctx,
      planFor('cloudfunctions/common/price.ts', 'miniprogram/pages/shop/index.wxml'),
    );
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/pages\/shop\/index\.wxml:1:\d+/)]);
    expect(fs.readFileSync(out('cloudfunctions/payOrder/index.js'), 'utf8')).toContain('4242');
  });
});
