/**
 * The order state machine: every state an order, its refunds and its hooks can be in, every move
 * between them, and the conditional update that makes each move happen at most once. Nothing else
 * in the kit writes an order's state; everything else asks this module.
 *
 *   order      NOTPAY ──pay──▶ SUCCESS ──settleRefund(SUCCESS)──▶ REFUND
 *                │  └─ addAttempt, setPrepay, failPrepay (stays NOTPAY)  (more refunds stay REFUND)
 *                ├──close──▶ CLOSED
 *                ├──payRefundedOutside──▶ REFUND (refunded on the merchant platform; no hooks, no shipping)
 *                └──holdMismatchedPayment──▶ PAYERROR (WeChat holds a payment that does not match; for an admin)
 *                                              │        (or REFUND at once, when WeChat has it refunded already)
 *                                              └──refundMismatchedOutside──▶ REFUND (the merchant refunded it
 *                                                                            on the merchant platform)
 *   refund     (reserveRefund) PROCESSING ──settleRefund──▶ SUCCESS | FAILED | CHANGE
 *                              PROCESSING ──refuseRefund──▶ FAILED   (WeChat refused the request)
 *              (recordPlatformRefund) as WeChat has it: a refund made on the merchant platform;
 *                              one still PROCESSING settles as the kit's own do
 *   hook       PENDING ──claimHook──▶ RUNNING ──finishHook──▶ DONE
 *              RUNNING ──releaseHook──▶ PENDING (it threw; claimed again once its retry time came)
 *              RUNNING, claim lapsed ──claimHook──▶ RUNNING
 *
 * A move is a `where` (the state it starts from, so a duplicate or a racing move matches nothing)
 * and the `data` it writes; the store applies it as one conditional update. Pure: the database's
 * command builder is passed in.
 */
import type { OrderStatus, RefundStatus } from '../../typings/paykit/order';
import { ServerError } from './errors';
import {
  refundedFee,
  type HookState,
  type MismatchedPayment,
  type OrderDoc,
  type PaymentAttempt,
  type Prepay,
  type RefundRecord,
} from './model';
import { awaitingShipment, refundedInFull } from './shipping-states';
import type { Database } from './store';

export type Command = Database['command'];

/** One conditional update of one order. */
export interface Move {
  where: Record<string, unknown>;
  data: Record<string, unknown>;
}

/** Paid at WeChat, whatever has been refunded since. */
export function isPaid(status: OrderStatus): boolean {
  return status === 'SUCCESS' || status === 'REFUND';
}

export const PAID_STATUSES: OrderStatus[] = ['SUCCESS', 'REFUND'];

/** Throws the error a payment attempt on this order deserves, if any. */
export function assertPayable(order: OrderDoc, now: number): void {
  if (order.refundedOutside)
    throw new ServerError('ORDER_PAID', 'the order was paid, then refunded on the merchant platform');
  if (isPaid(order.status)) throw new ServerError('ORDER_PAID', 'the order is already paid');
  if (awaitsAdmin(order)) throw mismatchedPaymentError();
  if (order.status === 'CLOSED') throw new ServerError('ORDER_CLOSED', 'the order is closed');
  if (order.status !== 'NOTPAY')
    throw new ServerError('ORDER_STATE_CONFLICT', `the order is ${order.status}`);
  if (order.expiresAt.getTime() <= now) throw new ServerError('ORDER_CLOSED', 'the order has expired');
}

/**
 * ORDER_STATE_CONFLICT for an order WeChat holds a payment of that does not match it: neither paid
 * nor closable here, and paying again would take the money a second time.
 */
export function mismatchedPaymentError(): ServerError {
  return new ServerError(
    'ORDER_STATE_CONFLICT',
    'WeChat Pay holds a payment of this order that does not match it (amount or merchant); it is not recorded, and the order can be neither paid again, closed nor refunded until an admin has looked at it: refund that payment on the WeChat Pay merchant platform, and the order is recorded as refunded there',
  );
}

// ── the order ───────────────────────────────────────────────────────────────────────────────

/** A new payment attempt on an unpaid order unchanged since it was read. */
export function addAttempt(_: Command, order: OrderDoc, attempt: PaymentAttempt): Move {
  return {
    where: { status: 'NOTPAY', version: order.version },
    data: { attempts: _.push([attempt]), outTradeNo: attempt.outTradeNo, version: _.inc(1) },
  };
}

/** WeChat's prepay for attempt `index`, while that attempt is still the order's current one. */
export function setPrepay(index: number, outTradeNo: string, prepay: Prepay): Move {
  const at = `attempts.${index}`;
  return {
    where: { status: 'NOTPAY', outTradeNo, [`${at}.outTradeNo`]: outTradeNo },
    data: {
      [`${at}.prepayId`]: prepay.prepayId,
      [`${at}.prepayExpiresAt`]: prepay.prepayExpiresAt,
      [`${at}.payment`]: prepay.payment,
    },
  };
}

/** Notes that the ask for attempt `index`'s prepay failed (model.ts awaitingPrepay). */
export function failPrepay(index: number, outTradeNo: string, at: number): Move {
  return {
    where: { [`attempts.${index}.outTradeNo`]: outTradeNo },
    data: { [`attempts.${index}.prepayFailedAt`]: at },
  };
}

/** Notes that WeChat is being asked to close the attempt's trade (model.ts reusablePayment). */
export function askClose(index: number, outTradeNo: string, at: number): Move {
  return {
    where: { [`attempts.${index}.outTradeNo`]: outTradeNo },
    data: { [`attempts.${index}.closeAskedAt`]: at },
  };
}

/** NOTPAY → SUCCESS, with onPaid waiting to run and the order awaiting shipment (shipping-states.ts). */
export function pay(_: Command, paid: { outTradeNo: string; transactionId: string; paidAt: Date }): Move {
  const fulfilment: HookState = { state: 'PENDING', runs: 0 };
  return {
    where: { status: 'NOTPAY' },
    data: { status: 'SUCCESS', ...paid, fulfilment, shipping: awaitingShipment(), version: _.inc(1) },
  };
}

/**
 * NOTPAY → REFUND, for a payment WeChat reports already refunded (trade state REFUND) before the kit
 * recorded it: the merchant refunded it by hand on the merchant platform. The payment facts are
 * recorded with the marker `refundedOutside`; onPaid is not queued (the money went back, nothing is
 * to be delivered) and the shipping record starts ended (no to-ship row, no upload).
 */
export function payRefundedOutside(
  _: Command,
  order: OrderDoc,
  paid: { outTradeNo: string; transactionId: string; paidAt: Date },
  seenAt: Date,
): Move {
  return {
    where: { status: 'NOTPAY' },
    data: {
      status: 'REFUND',
      ...paid,
      refundedOutside: { seenAt },
      ...refundedInFull(order),
      version: _.inc(1),
    },
  };
}

/**
 * NOTPAY → PAYERROR, for a payment WeChat reports for an attempt of the order with another amount
 * or merchant (`seen`, WeChat's own answer to a query). It is not the order's payment, so nothing
 * of it becomes the order's (no transactionId, no paidAt, no hooks, no shipping); the order leaves
 * every unpaid query (the sweep, payable lists) and waits for an admin. A payment WeChat already
 * has refunded needs no admin: the order becomes REFUND at once, as refundMismatchedOutside makes it.
 */
export function holdMismatchedPayment(_: Command, order: OrderDoc, seen: MismatchedPayment): Move {
  const data =
    seen.state === 'REFUND'
      ? { status: 'REFUND', refundedOutside: { seenAt: seen.seenAt }, ...refundedInFull(order) }
      : { status: 'PAYERROR' };
  return { where: { status: 'NOTPAY' }, data: { ...data, mismatchedPayment: seen, version: _.inc(1) } };
}

/**
 * PAYERROR → REFUND, once WeChat reports the mismatched payment's trade refunded: the merchant
 * refunded it on the merchant platform, the only way out (the kit never refunds money it did not
 * take as the order's). As payRefundedOutside: marked `refundedOutside`, no hooks, the shipping
 * record ended; `mismatchedPayment` stays as the record of what WeChat said, now REFUND. Only from
 * the payment marked, so concurrent learners (query, notification, bill) move it once.
 */
export function refundMismatchedOutside(_: Command, order: OrderDoc, outTradeNo: string, seenAt: Date): Move {
  return {
    where: { status: 'PAYERROR', 'mismatchedPayment.outTradeNo': outTradeNo },
    data: {
      status: 'REFUND',
      'mismatchedPayment.state': 'REFUND',
      refundedOutside: { seenAt },
      ...refundedInFull(order),
      version: _.inc(1),
    },
  };
}

/**
 * WeChat holds a payment of the order that does not match it and the merchant has not refunded it
 * yet: paying, closing and refunding are refused until an admin has (mismatchedPaymentError).
 */
export function awaitsAdmin(order: OrderDoc): boolean {
  return order.status === 'PAYERROR';
}

/**
 * NOTPAY → CLOSED, while `outTradeNo` (the attempt just closed at WeChat) is still the order's
 * current one: a payment attempt started meanwhile is payable at WeChat, so the order stays open.
 */
export function close(_: Command, closedAt: Date, outTradeNo: string | null): Move {
  return {
    where: { status: 'NOTPAY', outTradeNo },
    data: { status: 'CLOSED', closedAt, version: _.inc(1) },
  };
}

// ── refunds ─────────────────────────────────────────────────────────────────────────────────

/** A new refund (PROCESSING) reserving its amount, on a paid order unchanged since it was read. */
export function reserveRefund(_: Command, order: OrderDoc, record: RefundRecord): Move {
  return {
    where: { status: _.in(PAID_STATUSES), version: order.version },
    data: { refunds: _.push([record]), version: _.inc(1) },
  };
}

/**
 * A refund of the order's recorded payment made on the merchant platform, which the kit never asked
 * for, recorded as WeChat reported it (`record`, marked onPlatform), on a paid order unchanged since
 * it was read: concurrent learners (notifications, the bill) record it once. One already SUCCESS
 * moves the order as settleRefund does: REFUND, its onRefunded queued, the shipment ended once the
 * payment is refunded in full.
 */
export function recordPlatformRefund(_: Command, order: OrderDoc, record: RefundRecord): Move {
  const data: Record<string, unknown> = { version: _.inc(1) };
  if (record.status === 'SUCCESS') {
    const hook: HookState = { state: 'PENDING', runs: 0 };
    Object.assign(data, { refunds: _.push([{ ...record, hook }]), status: 'REFUND' });
    if (refundedFee(order) + record.refundFee >= order.totalFee) Object.assign(data, refundedInFull(order));
  } else data.refunds = _.push([record]);
  return { where: { status: _.in(PAID_STATUSES), version: order.version }, data };
}

const processing = (index: number, outRefundNo: string, status: RefundStatus = 'PROCESSING') => ({
  [`refunds.${index}.outRefundNo`]: outRefundNo,
  [`refunds.${index}.status`]: status,
});

/** WeChat's refund id, once it accepted the refund. */
export function acceptRefund(index: number, outRefundNo: string, refundId: string): Move {
  return {
    where: { [`refunds.${index}.outRefundNo`]: outRefundNo },
    data: { [`refunds.${index}.refundId`]: refundId },
  };
}

/** PROCESSING → FAILED: WeChat refused the request outright, so the amount is free again. */
export function refuseRefund(_: Command, index: number, outRefundNo: string, reason: string): Move {
  return {
    where: processing(index, outRefundNo),
    data: { [`refunds.${index}.status`]: 'FAILED', [`refunds.${index}.failure`]: reason, version: _.inc(1) },
  };
}

/**
 * FAILED → PROCESSING: the same refund asked again under its number after WeChat refused it (and
 * has no refund under it), its amount reserved again, on a paid order unchanged since it was read.
 */
export function retryRefund(_: Command, order: OrderDoc, index: number): Move {
  return {
    where: {
      status: _.in(PAID_STATUSES),
      version: order.version,
      ...processing(index, order.refunds[index].outRefundNo, 'FAILED'),
    },
    data: {
      [`refunds.${index}.status`]: 'PROCESSING',
      [`refunds.${index}.failure`]: _.remove(),
      version: _.inc(1),
    },
  };
}

/** Whether a refund was refused by WeChat outright (never accepted, never settled there). */
export function refusedOutright(record: RefundRecord): boolean {
  return record.status === 'FAILED' && !record.refundId && !record.settledAt && record.failure !== undefined;
}

/** A refund's end as WeChat reports it. */
export type RefundOutcome = Exclude<RefundStatus, 'PROCESSING'>;

/**
 * PROCESSING → SUCCESS (the order becomes REFUND, onRefunded waits to run), FAILED or CHANGE. A
 * success that refunds the whole payment also ends its shipping record (shipping-states.ts).
 * From FAILED when WeChat carried out a refund the kit had recorded as refused (a concurrent
 * request with the same number was accepted): WeChat's word stands.
 */
export function settleRefund(
  _: Command,
  order: OrderDoc,
  index: number,
  outcome: RefundOutcome,
  at: Date,
): Move {
  const from = order.refunds[index].status === 'FAILED' ? 'FAILED' : 'PROCESSING';
  const path = `refunds.${index}`;
  const data: Record<string, unknown> = {
    [`${path}.status`]: outcome,
    [`${path}.settledAt`]: at,
    version: _.inc(1),
  };
  if (outcome === 'SUCCESS') {
    const hook: HookState = { state: 'PENDING', runs: 0 };
    Object.assign(data, { [`${path}.hook`]: hook, status: 'REFUND' });
    // This refund is not SUCCESS yet (the move starts from PROCESSING or FAILED): count it too.
    if (refundedFee(order) + order.refunds[index].refundFee >= order.totalFee) {
      Object.assign(data, refundedInFull(order));
    }
  }
  return { where: processing(index, order.refunds[index].outRefundNo, from), data };
}

/** How many settle moves recording one refund's end makes before it answers what is stored. */
export const SETTLE_TRIES = 3;

/** The next step in recording a refund's end: the settle move to make, or the answer, true if settled. */
export type SettleStep = { move: Move } | { settled: boolean };

/**
 * The next step in recording WeChat's final `outcome` of refund `index`, from the order as stored
 * after `lost` settle moves matched nothing (a concurrent request refused the refund, or asked for it
 * again, in between). A refund settled by another call, or refused here and closed at WeChat, needs
 * nothing more. Once the moves are spent the stored refund is the answer: one still PROCESSING (or
 * FAILED while WeChat made it) is not settled, whatever WeChat said, so its notification is not
 * acknowledged and WeChat delivers it again.
 */
export function settleStep(
  _: Command,
  order: OrderDoc,
  index: number,
  outcome: RefundOutcome,
  at: Date,
  lost: number,
): SettleStep {
  const { status } = order.refunds[index];
  const recorded = status === 'FAILED' ? outcome === 'FAILED' : status !== 'PROCESSING';
  if (recorded || lost >= SETTLE_TRIES) return { settled: recorded };
  return { move: settleRefund(_, order, index, outcome, at) };
}

// ── hooks ───────────────────────────────────────────────────────────────────────────────────

/**
 * Where a date field is at or before `now`, or absent: a claim's recorded lapse that is past
 * (InvocationTime.claimLapsesAt: when its claimant's invocation is stopped; absent on a claim made
 * before lapses were recorded, or none), or a failed hook's retry time that has come (none before
 * its first failure). A `nor` holds where the field is absent; not `exists(false).or(…)`: the SDK
 * lifts a field's `or` to the query's one top-level $or, where a second one (claimUpload's free
 * claim) would be merged into it.
 */
export function pastOrAbsent(_: Command, now: Date): ReturnType<Command['nor']> {
  return _.nor([_.gt(now)]);
}

/** Which merchant hook of an order: onPaid, or onRefunded of refund `index`. */
export type HookRef = { hook: 'onPaid' } | { hook: 'onRefunded'; index: number };

function hookPath(ref: HookRef): string {
  return ref.hook === 'onPaid' ? 'fulfilment' : `refunds.${ref.index}.hook`;
}

/**
 * PENDING → RUNNING for the runner claiming at `now`, whose invocation is stopped by `until`, once
 * the hook's retry time has come if it failed before (releaseHook): a runner anyone can set off (a
 * replayed callback) cannot run a failing hook more often than that. Or RUNNING → RUNNING when the
 * previous claim lapsed (its runner died): made no later than `staleBefore` (the lease) and past
 * its own lapse, if it recorded one (claims made before lapses were did not).
 */
export function claimHook(_: Command, ref: HookRef, now: Date, until: Date, staleBefore?: Date): Move {
  const f = hookPath(ref);
  return {
    where: staleBefore
      ? {
          [`${f}.state`]: 'RUNNING',
          [`${f}.claimedAt`]: _.lte(staleBefore),
          [`${f}.claimedUntil`]: pastOrAbsent(_, now),
        }
      : { [`${f}.state`]: 'PENDING', [`${f}.retryAt`]: pastOrAbsent(_, now) },
    data: {
      [`${f}.state`]: 'RUNNING',
      [`${f}.claimedAt`]: now,
      [`${f}.claimedUntil`]: until,
      [`${f}.runs`]: _.inc(1),
    },
  };
}

/** RUNNING → DONE, for the runner whose claim is still current. */
export function finishHook(ref: HookRef, claimedAt: Date): Move {
  const f = hookPath(ref);
  return { where: { [`${f}.claimedAt`]: claimedAt }, data: { [`${f}.state`]: 'DONE' } };
}

/** RUNNING → PENDING after the hook threw, so a later runner retries it, from `retryAt` on. */
export function releaseHook(ref: HookRef, claimedAt: Date, error: string, retryAt: Date): Move {
  const f = hookPath(ref);
  return {
    where: { [`${f}.state`]: 'RUNNING', [`${f}.claimedAt`]: claimedAt },
    data: { [`${f}.state`]: 'PENDING', [`${f}.lastError`]: error, [`${f}.retryAt`]: retryAt },
  };
}

/** True while a hook of the order (onPaid or a successful refund's onRefunded) has not finished. */
export function hasUnfinishedHooks(order: OrderDoc): boolean {
  const open = (h?: HookState) => !!h && h.state !== 'DONE';
  return open(order.fulfilment) || (order.refunds ?? []).some((r) => r.status === 'SUCCESS' && open(r.hook));
}
