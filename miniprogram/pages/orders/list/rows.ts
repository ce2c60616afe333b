/** What one list row needs, and nothing more: every byte here crosses the setData bridge. */
import type { OrderStatus, OrderView } from '../../../../typings/paykit/order';
import {
  orderStatusText,
  partlyRefundedText,
  payErrorAdminText,
  refundStatusText,
} from '../../../paykit/strings';

export interface OrderRow {
  orderNo: string;
  status: OrderStatus;
  /** What the status tag says (statusLabel). */
  statusLabel: string;
  totalFee: number;
  description: string;
  createdAt: number;
  expiresAt: number;
}

/** The row of `order`; `admin`: as a merchant admin's list shows it (statusLabel). */
export function rowOf(order: OrderView, admin = false): OrderRow {
  return {
    orderNo: order.orderNo,
    status: order.status,
    statusLabel: statusLabel(order, admin),
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

/**
 * The status tag's text: a paid order with a refund WeChat Pay is still carrying out (for days, to a
 * bank card) is 退款中, not 已支付 as if no refund were asked; a REFUND order with part of its amount
 * still kept is 部分退款, not 已退款; one refunded on the merchant platform is 已退款 (the kit knows no
 * amount to tell it partial). A merchant admin (`admin`) is not told to contact the merchant.
 */
export function statusLabel(
  order: Pick<OrderView, 'status' | 'totalFee' | 'refundedFee' | 'refundedOutside' | 'refunds'>,
  admin = false,
): string {
  if (admin && order.status === 'PAYERROR') return payErrorAdminText;
  const paid = order.status === 'SUCCESS' || order.status === 'REFUND';
  if (paid && order.refunds.some((r) => r.status === 'PROCESSING')) return refundStatusText.PROCESSING;
  return order.status === 'REFUND' && !order.refundedOutside && order.refundedFee < order.totalFee
    ? partlyRefundedText
    : orderStatusText[order.status];
}
