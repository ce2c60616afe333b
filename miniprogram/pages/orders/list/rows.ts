/** What one list row needs, and nothing more: every byte here crosses the setData bridge. */
import type { OrderStatus, OrderView } from '../../../../typings/paykit/order';

export interface OrderRow {
  orderNo: string;
  status: OrderStatus;
  totalFee: number;
  description: string;
  createdAt: number;
  expiresAt: number;
}

export function rowOf(order: OrderView): OrderRow {
  return {
    orderNo: order.orderNo,
    status: order.status,
    totalFee: order.totalFee,
    description: order.description,
    createdAt: order.createdAt,
    expiresAt: order.expiresAt,
  };
}

/** The tabs, in order; 'ALL' lists every status. */
export type OrdersTab = 'ALL' | 'NOTPAY' | 'SUCCESS' | 'CLOSED' | 'REFUND';
export const TABS: OrdersTab[] = ['ALL', 'NOTPAY', 'SUCCESS', 'CLOSED', 'REFUND'];

export function isOrdersTab(value: unknown): value is OrdersTab {
  return typeof value === 'string' && (TABS as string[]).includes(value);
}

/** Tag colours by status (vant tag types). */
export const STATUS_TAG: Record<OrderStatus, 'warning' | 'success' | 'default' | 'primary' | 'danger'> = {
  NOTPAY: 'warning',
  SUCCESS: 'success',
  CLOSED: 'default',
  REFUND: 'primary',
  PAYERROR: 'danger',
};
