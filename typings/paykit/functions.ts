import type { Fen, OrderStatus, OrderView, Product } from './order';
import type { BillReport } from './bill';
import type {
  ConfirmReceiptRequest,
  ConfirmReceiptResult,
  ListToShipRequest,
  ShipOrderRequest,
  ShipOrderResult,
} from './shipping';

/**
 * `unifiedOrder`: create an order from catalogue items, or pay an existing unpaid order, and get
 * the parameters for `wx.requestPayment`. `requestKey` makes a client retry safe: the same key
 * from the same user returns the same order. It is 8 to 64 characters: letters, digits, `_` or `-`.
 */
export type UnifiedOrderRequest =
  { items: Array<{ sku: string; quantity: number }>; requestKey?: string } | { orderNo: string };

/** Exactly the fields `wx.requestPayment` takes (plus appId, which it accepts). */
export interface PaymentParams {
  appId?: string;
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: 'MD5' | 'HMAC-SHA256' | 'RSA';
  paySign: string;
}

export interface UnifiedOrderResult {
  orderNo: string;
  totalFee: number;
  payment: PaymentParams;
}

export interface QueryOrderRequest {
  orderNo: string;
}

export interface QueryOrderResult {
  order: OrderView;
  /**
   * Whether the order is the caller's. A merchant admin may read anyone's order (to refund it); the
   * owner's actions (pay, close, confirm receipt) stay the owner's.
   */
  own: boolean;
  /** Merchant admins only: what can be refunded now, in fen (0 when nothing can). */
  refundable?: Fen;
}

export interface CloseOrderRequest {
  orderNo: string;
}

export interface CloseOrderResult {
  order: OrderView;
}

export interface ListOrdersRequest {
  /** Only orders in this status. */
  status?: OrderStatus;
  /** `all`: every user's orders, for merchant admins only; default `own`, the caller's. */
  scope?: 'own' | 'all';
  /** From the previous page's `nextCursor`; absent or null for the first page. */
  cursor?: string | null;
  /** 1 to 50, default 20. */
  pageSize?: number;
}

export interface ListOrdersResult {
  orders: OrderView[];
  /** Null on the last page. */
  nextCursor: string | null;
}

/** `listProducts` (anyone): the products for sale, in sku order, one cursor page at a time. */
export interface ListProductsRequest {
  /** From the previous page's `nextCursor`; absent or null for the first page. */
  cursor?: string | null;
  /** 1 to 50, default 20. */
  pageSize?: number;
}

export interface ListProductsResult {
  /** Active products with a valid price (fen) and name; a page may hold fewer than pageSize. */
  products: Product[];
  /** Null on the last page. */
  nextCursor: string | null;
}

/** `refund` (merchant admins only): refund part or all of a paid order. */
export interface RefundRequest {
  orderNo: string;
  refundFee: number;
  reason?: string;
  /** Idempotency: the same refundNo is the same refund. Generated when absent. */
  refundNo?: string;
}

export interface RefundResult {
  order: OrderView;
  refundNo: string;
}

/** `downloadBill` (merchant admins only): fetch, parse and reconcile one day's bill. */
export interface DownloadBillRequest {
  /** yyyyMMdd */
  billDate: string;
  /** Record the payments WeChat has and the kit missed (after confirming each with WeChat). */
  repair?: boolean;
}

export interface DownloadBillResult {
  report: BillReport;
}

export interface ListToShipResult {
  orders: OrderView[];
  /** Null on the last page. */
  nextCursor: string | null;
}

/** Every kit function, with its request and result types: the contract both sides compile against. */
export interface PaykitFunctions {
  unifiedOrder: { request: UnifiedOrderRequest; result: UnifiedOrderResult };
  queryOrder: { request: QueryOrderRequest; result: QueryOrderResult };
  closeOrder: { request: CloseOrderRequest; result: CloseOrderResult };
  listOrders: { request: ListOrdersRequest; result: ListOrdersResult };
  listProducts: { request: ListProductsRequest; result: ListProductsResult };
  refund: { request: RefundRequest; result: RefundResult };
  downloadBill: { request: DownloadBillRequest; result: DownloadBillResult };
  shipOrder: { request: ShipOrderRequest; result: ShipOrderResult };
  listToShip: { request: ListToShipRequest; result: ListToShipResult };
  confirmReceipt: { request: ConfirmReceiptRequest; result: ConfirmReceiptResult };
}

export type PaykitFunctionName = keyof PaykitFunctions;
