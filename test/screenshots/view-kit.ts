/**
 * What every screenshot view shares: the moment they are shot, the shape of a view, a user per
 * view, and the catalogue they buy from (views.ts holds the list).
 */
import { seed } from '../helpers/control';
import type { SceneContext } from './scenes';

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

/** The WeChat user a view acts as. */
export const user = (view: string) => `o_shot_${view.replace(/-/g, '_')}`;

/** The demo catalogue (sandbox/seed/demo.json) plus a merchant's long and dear products. */
export const DEMO = ['cake-cheese', 'coffee-latte', 'sticker-pack', 'tea-oolong'];
export const MORE_PRODUCTS = [
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
export const TEN_LINES = [...DEMO, ...MORE_PRODUCTS.map((p) => p._id)].map((sku) => ({ sku, quantity: 1 }));
export const LONG_NAME = MORE_PRODUCTS[2].name;

/** The merchant's own products, through the sandbox's db control route, before any view's step. */
export const seedCatalogue: Step = {
  at: '2026-05-31T08:00',
  run: (ctx) => seed(ctx.url, { paykit_products: MORE_PRODUCTS.map((p) => ({ ...p, active: true })) }),
};
