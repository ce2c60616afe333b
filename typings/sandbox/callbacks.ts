/**
 * WeChat Pay's callback log as the sandbox's control routes show it (`GET /sandbox/pay/notifications`,
 * `GET /sandbox/pay/deliveries`): one notification per payment or refund, retried on a schedule, and
 * every delivery attempt with its answer. Type-only; times in sandbox epoch ms.
 */
export type CallbackKind = 'payment' | 'refund';

export type NotificationStatus = 'pending' | 'inflight' | 'held' | 'delivered' | 'abandoned';

export interface NotificationView {
  id: number;
  kind: CallbackKind;
  outTradeNo: string;
  outRefundNo?: string;
  envId: string;
  functionName: string;
  status: NotificationStatus;
  attempts: number;
  nextAt: number | null;
  createdAt: number;
  deliveredAt: number | null;
  event: Record<string, unknown>;
}

export type DeliveryOutcome = 'pending' | 'ok' | 'rejected' | 'error' | 'dropped';

export interface DeliveryView {
  id: number;
  notificationId: number;
  kind: CallbackKind;
  outTradeNo: string;
  outRefundNo?: string;
  envId: string;
  functionName: string;
  /** 1 = first delivery, 2 = first retry, … */
  attempt: number;
  /** An extra copy sent by a `duplicate` callback fault. */
  duplicate: boolean;
  startedAt: number;
  finishedAt: number | null;
  /** ok: answered {errcode:0}; rejected: answered anything else; error: threw or timed out; dropped: lost by a fault. */
  outcome: DeliveryOutcome;
  answer?: unknown;
  error?: string;
  event: Record<string, unknown>;
}
