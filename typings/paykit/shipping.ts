/**
 * The order after payment: how it is delivered and where its shipment stands, beside the pay status
 * (wechat-shipping-reference.md). Type-only, shared by the cloud functions and the mini-program.
 */

/** How a product reaches the buyer; WeChat's `logistics_type` 1 express, 2 same-city, 3 virtual, 4 self-pickup. */
export type DeliveryMethod = 'express' | 'same-city' | 'virtual' | 'self-pickup';

/**
 * The fulfilment dimension of a paid order:
 * AWAITING (待发货) → SHIPPED (已发货) → CONFIRMED (已确认收货) → SETTLED (已结算), or REFUNDED.
 */
export type ShippingState = 'AWAITING' | 'SHIPPED' | 'CONFIRMED' | 'SETTLED' | 'REFUNDED';

/** One package of a shipment. Express: trackingNo + expressCompany (a get_delivery_list code). */
export interface ShipmentPackage {
  /** What is in it (WeChat's item_desc, at most 120 characters). */
  itemDesc: string;
  trackingNo?: string;
  expressCompany?: string;
  /** SF Express only: a masked phone number, last 4 digits clear (e.g. 189****1234). */
  contact?: { consignorContact?: string; receiverContact?: string };
}

/** One upload of shipping information (the first, or the one re-shipment). */
export interface ShipmentView {
  method: DeliveryMethod;
  packages: ShipmentPackage[];
  /** Milliseconds since the epoch. */
  shippedAt: number;
  /** True when the account is not enrolled in WeChat's shipping management: recorded here only. */
  local: boolean;
}

export interface ShippingView {
  state: ShippingState;
  delivery: DeliveryMethod;
  /** The latest upload, once shipped. */
  shipment?: ShipmentView;
  /** Uploads so far: 0, 1, or 2 after the one re-shipment WeChat allows. */
  shipCount: number;
  confirmedAt?: number;
  settledAt?: number;
}

/** `shipOrder` (merchant admins only): record the shipment of a paid order at WeChat. */
export interface ShipOrderRequest {
  orderNo: string;
  /** Defaults to the order's own delivery method. */
  method?: DeliveryMethod;
  /** 1 package, or 2..15 for a split express shipment. Same-city and self-pickup: one with itemDesc. */
  packages: ShipmentPackage[];
  /**
   * The shipments the admin's view of the order showed (`shipping.shipCount`; 0 on the to-ship
   * list). When the order has more by now, another shipment was recorded meanwhile: the answer is
   * ORDER_STATE_CONFLICT and nothing is uploaded, rather than this one spending WeChat's one
   * re-shipment by accident. The same shipment sent again is still the one recorded. Absent: not
   * checked (a second upload is the re-shipment).
   */
  shipments?: number;
}

export interface ShipOrderResult {
  orderNo: string;
  shipping: ShippingView;
}

/** `confirmReceipt`: the buyer says WeChat's confirm-receipt component succeeded; the server checks. */
export type ConfirmReceiptRequest =
  | { orderNo: string }
  /** As WeChat's component hands it back in App.onShow (referrerInfo.extraData.req_extradata). */
  | { transactionId: string };

export interface ConfirmReceiptResult {
  orderNo: string;
  shipping: ShippingView;
}

/** `listToShip` (merchant admins only): paid orders awaiting shipment, oldest first. */
export interface ListToShipRequest {
  cursor?: string | null;
  pageSize?: number;
}
