/** The demo shop's products. Static until the catalogue is loaded from the kit (a later issue). */
import type { Product } from '../../../typings/paykit/order';
import type { CartLine } from '../../components/pay-button/index';

export interface ShopProduct extends Product {
  /** What this product's pay button orders. */
  lines: CartLine[];
}

export const DEMO_PRODUCTS: Product[] = [
  { sku: 'demo-coffee', name: '美式咖啡', price: 1200, active: true },
  { sku: 'demo-tea', name: '柠檬茶', price: 990, active: true },
  { sku: 'demo-cake', name: '芝士蛋糕', price: 2850, active: true },
];

/** Products for sale, each with the one-item cart its pay button orders. */
export function shopProducts(products: Product[]): ShopProduct[] {
  return products.filter((p) => p.active).map((p) => ({ ...p, lines: [{ sku: p.sku, quantity: 1 }] }));
}
