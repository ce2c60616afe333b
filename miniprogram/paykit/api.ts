/**
 * One typed function per kit cloud function, over callPaykit. Results are unwrapped to what a
 * caller uses (an order, a page, a report), so call sites read as the domain does:
 *
 *   const order = await queryOrder(orderNo);
 *   const { orders, nextCursor } = await listOrders({ status: 'NOTPAY', cursor });
 *   const { products } = await listProducts();
 *
 * Each rejects with a PaykitError (code + Chinese message; `retryAt` for CLOSE_TOO_EARLY).
 */
import type { BillReport } from '../../typings/paykit/bill';
import type {
  DownloadBillRequest,
  ListOrdersRequest,
  ListToShipResult,
  ListOrdersResult,
  ListProductsRequest,
  ListProductsResult,
  QueryOrderResult,
  RefundRequest,
  RefundResult,
  UnifiedOrderRequest,
  UnifiedOrderResult,
} from '../../typings/paykit/functions';
import type { OrderView } from '../../typings/paykit/order';
import type {
  ConfirmReceiptRequest,
  ListToShipRequest,
  ShipOrderRequest,
  ShippingView,
} from '../../typings/paykit/shipping';
import { callPaykit } from './client';

/** Creates an order from catalogue items (or reuses an unpaid one by orderNo) and gets its payment parameters. */
export function unifiedOrder(request: UnifiedOrderRequest): Promise<UnifiedOrderResult> {
  return callPaykit('unifiedOrder', request);
}

/** The caller's order; an unpaid one is synced with WeChat Pay first (a lost callback shows up here). */
export async function queryOrder(orderNo: string): Promise<OrderView> {
  return (await queryOrderDetail(orderNo)).order;
}

/**
 * queryOrder's whole answer: the order and what the caller may do with it. `own` is false when a
 * merchant admin reads another user's order; admins also get `refundable` (fen left to refund).
 */
export function queryOrderDetail(orderNo: string): Promise<QueryOrderResult> {
  return callPaykit('queryOrder', { orderNo });
}

/** Closes the caller's unpaid order. CLOSE_TOO_EARLY within 5 minutes of its payment attempt. */
export async function closeOrder(orderNo: string): Promise<OrderView> {
  return (await callPaykit('closeOrder', { orderNo })).order;
}

/**
 * One page of the caller's orders (every user's with `scope: 'all'`, merchant admins only), newest
 * first; pass the previous page's `nextCursor` for the next.
 */
export function listOrders(request: ListOrdersRequest = {}): Promise<ListOrdersResult> {
  return callPaykit('listOrders', request);
}

/** One page of the products for sale, in sku order; pass the previous page's `nextCursor` for the next. */
export function listProducts(request: ListProductsRequest = {}): Promise<ListProductsResult> {
  return callPaykit('listProducts', request);
}

/** Merchant admins only: refunds part or all of a paid order. */
export function refund(request: RefundRequest): Promise<RefundResult> {
  return callPaykit('refund', request);
}

/** Merchant admins only: one day's bill reconciled with the kit's orders (`repair` records missed payments). */
export async function downloadBill(request: DownloadBillRequest): Promise<BillReport> {
  return (await callPaykit('downloadBill', request)).report;
}

/** Merchant admins only: records the shipment (or the one re-shipment) of a paid order at WeChat. */
export async function shipOrder(request: ShipOrderRequest): Promise<ShippingView> {
  return (await callPaykit('shipOrder', request)).shipping;
}

/** Merchant admins only: paid orders awaiting shipment, one page at a time. */
export function listToShip(request: ListToShipRequest = {}): Promise<ListToShipResult> {
  return callPaykit('listToShip', request);
}

/**
 * After WeChat's confirm-receipt component: the server asks WeChat and answers the order's shipping
 * (RECEIPT_NOT_CONFIRMED when WeChat does not have it confirmed).
 */
export async function confirmReceipt(request: ConfirmReceiptRequest): Promise<ShippingView> {
  return (await callPaykit('confirmReceipt', request)).shipping;
}
