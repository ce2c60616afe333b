/**
 * The contract between the sandbox dashboard's server routes (`/sandbox/dashboard/*`,
 * `/sandbox/events`) and its browser UI (sandbox/dashboard/ui). Type-only; money in fen, times in
 * sandbox epoch ms.
 */
import type { OrderItem, OrderStatus, RefundStatus } from '../paykit/order';

/** What the live stream (`GET /sandbox/events`, server-sent events) says changed. */
export type LiveEventKind = 'order' | 'trade' | 'notification' | 'invocation' | 'clock' | 'faults';

export interface LiveEvent {
  /** Grows by one per event; a reconnecting client sends the last one it saw as Last-Event-ID. */
  id: number;
  kind: LiveEventKind;
  /** Real time the event was emitted (ms), for measuring the delay to the screen. */
  wallAt: number;
  /** order: orderNo; trade / notification: outTradeNo; invocation: function name. */
  key?: string;
}

/** One row of the orders list. */
export interface OrderRow {
  orderNo: string;
  openid: string;
  status: OrderStatus;
  totalFee: number;
  description: string;
  createdAt: number;
  paidAt?: number;
  refundedFee: number;
  /**
   * The kit recorded the order as refunded on WeChat Pay's merchant platform (paid, then refunded
   * by hand before the kit learnt of the payment): the kit refuses to refund it, and `refundedFee`
   * does not count those refunds (the kit knows none of their amounts).
   */
  refundedOutside?: true;
  /**
   * The kit recorded a refund of the order's recorded payment made on the merchant platform (it
   * learnt of it from a refund notification or the bill): counted in `refundedFee`, and the kit
   * refunds what is left.
   */
  refundedOnPlatform?: true;
  /**
   * What WeChat said of a payment of the order that does not match it (amount or merchant): the
   * kit's PAYERROR, for an admin, until the merchant refunds it on the merchant platform (then
   * REFUND, refundedOutside). Never recorded as the order's payment.
   */
  mismatchedPayment?: MismatchedPaymentView;
}

/** A payment WeChat holds for an attempt of an order that does not match the order, as WeChat said it. */
export interface MismatchedPaymentView {
  outTradeNo: string;
  /** What WeChat took, fen, when it said. */
  totalFee?: number;
  /** The merchant WeChat named, when it named one. */
  merchantId?: string;
  transactionId: string;
  /** WeChat's trade state: SUCCESS, or REFUND once refunded on the merchant platform. */
  state: string;
}

/** `GET /sandbox/dashboard/orders?status&openid&day=yyyy-MM-dd&cursor&limit`. */
export interface OrdersPage {
  orders: OrderRow[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
  /** How many orders match the filter (all pages). */
  total: number;
}

/** A pay API fault waiting to strike (`POST /sandbox/pay/faults`). */
export interface ApiFaultView {
  id: number;
  api: string;
  error: string;
  remaining: number;
  afterProcessing: boolean;
  /** Real ms a `SLOW` fault holds the answer (0 for the others). */
  delayMs: number;
}

/** A callback fault waiting to strike (`POST /sandbox/pay/callbacks`). */
export interface CallbackFaultView {
  id: number;
  kind?: 'payment' | 'refund';
  mode: 'drop' | 'delay' | 'duplicate' | 'hold';
  remaining: number;
  delayMs: number;
}

export interface LocalUser {
  /** `buyer`, `admin`: what the CLI's --as takes. */
  name: string;
  openid: string;
  /** A merchant admin (PAYKIT_ADMIN_OPENIDS): may refund. */
  admin: boolean;
}

/** `GET /sandbox/dashboard/overview`. */
export interface Overview {
  clock: { now: number; frozen: boolean; offsetMs: number };
  /** Orders per status, every status present. */
  counts: Record<OrderStatus, number>;
  faults: { api: ApiFaultView[]; callbacks: CallbackFaultView[] };
  users: LocalUser[];
  provider: 'cloudpay' | 'apiv3';
  envId: string;
  functions: string[];
}

/** One WeChat Pay trade (cloudPay and APIv3 share the store; `api` says which). */
export interface TradeRowView {
  outTradeNo: string;
  api: 'cloudpay' | 'apiv3';
  mchid: string;
  state: string;
  totalFee: number;
  openid: string;
  body: string;
  createdAt: number;
  timeEnd: number | null;
  transactionId: string | null;
  refundedFee: number;
  prepays: Array<{ prepayId: string; createdAt: number; expiresAt: number }>;
}

/** `GET /sandbox/dashboard/trades?state&api`. */
export interface TradesPage {
  trades: TradeRowView[];
}

export type TimelineKind =
  | 'created'
  | 'attempt'
  | 'prepay'
  | 'payer'
  | 'paid'
  | 'notification'
  | 'query'
  | 'close'
  | 'closed'
  | 'refund'
  | 'refunded'
  /** A refund WeChat holds that the kit did not make (the merchant refunded on the merchant platform). */
  | 'platformRefund'
  /**
   * The kit found WeChat holding a payment of an attempt that does not match the order (amount or
   * merchant): the order held for an admin (title PAYERROR), or REFUND when WeChat had it refunded.
   */
  | 'mismatchedPayment'
  /**
   * The kit learnt the trade was refunded on the merchant platform before it recorded the payment,
   * or, for a payment not matching the order, after it held the order for an admin.
   */
  | 'refundedOutside'
  | 'hook'
  | 'invocation';

/** One entry of an order's timeline, oldest first. */
export interface TimelineEntry {
  at: number;
  kind: TimelineKind;
  /** Short machine words the UI turns into text (`SUCCESS`, `ok`, a function name, …). */
  title: string;
  /** Facts to show as label: value pairs (keys are stable identifiers the UI labels). */
  facts: Record<string, string | number | boolean | null>;
  /** A notification attempt's notification id, for "resend". */
  notificationId?: number;
}

/** An open prepay the payer can act on now. */
export interface OpenPrepay {
  outTradeNo: string;
  /** `prepay_id=…`, what `/sandbox/pay/act` takes. */
  package: string;
  expiresAt: number;
}

/**
 * A trade the merchant can refund by hand on the merchant platform now (`POST /sandbox/pay/refunds`):
 * paid (SUCCESS, or REFUND with something left), `refundableFee` what WeChat has left of it.
 */
export interface PlatformRefundable {
  outTradeNo: string;
  subMchId: string;
  refundableFee: number;
}

/** `GET /sandbox/dashboard/orders/<orderNo>`. */
export interface OrderTimeline {
  order: OrderRow & {
    items: OrderItem[];
    expiresAt: number;
    closedAt?: number;
    transactionId?: string;
    refunds: Array<{
      refundNo: string;
      refundFee: number;
      status: RefundStatus;
      createdAt: number;
      /** Made on the merchant platform, not through the kit. */
      onPlatform?: true;
    }>;
  };
  entries: TimelineEntry[];
  openPrepay: OpenPrepay | null;
  /** The order's trades WeChat has as paid with something left to refund, whatever the kit recorded. */
  platformRefundable: PlatformRefundable[];
  /** Notification ids of this order, newest last (resend takes one). */
  notifications: Array<{ id: number; kind: string; status: string; attempts: number; nextAt: number | null }>;
}
