/**
 * Refunds: admin-initiated, partial or full, never more than paid, idempotent by refund number.
 * The amount is reserved on the order (one conditional update) before WeChat is asked, so two
 * concurrent refunds cannot together exceed what was paid. The refund callback settles it.
 */
import type { RefundResult } from '../../typings/paykit/functions';
import { claimedFields } from './audit';
import type { Kit } from './context';
import { invalid, ServerError } from './errors';
import { settleRefundHooks, type HookOutcome } from './fulfil';
import { orderNoOf } from './ids';
import {
  PLATFORM_REFUNDER,
  refundableFee,
  refundedFee,
  toView,
  type OrderDoc,
  type RefundRecord,
} from './model';
import {
  acceptRefund,
  awaitsAdmin,
  isPaid,
  mismatchedPaymentError,
  recordPlatformRefund,
  refuseRefund,
  refusedOutright,
  reserveRefund,
  retryRefund,
  settleStep,
  type Move,
  type RefundOutcome,
} from './order-states';
import { applyTradeStatus, recheckMismatch } from './payments';
import type { RefundRefusal, RefundState, RefundStatus } from './provider';
import { shipmentEndedByRefunds } from './shipping-states';
import type { RefundInput } from './requests';

/** refund: `admin` asks for a refund (the caller, checked an admin first: access.ts adminCaller). */
export async function refundOrder(kit: Kit, admin: string, input: RefundInput): Promise<RefundResult> {
  const { store } = kit;
  let order = await store.order(input.orderNo);
  if (!order) throw new ServerError('ORDER_NOT_FOUND', `no order ${input.orderNo}`);
  const refunds = order.refunds ?? [];
  const refundNo = input.refundNo ?? nextRefundNo(order);
  /**
   * A refund number names one refund: asked again with its amount it is the same refund (answered,
   * never made twice); with another amount it is a mistake, as WeChat holds it. A number the kit
   * numbered itself is nobody's retry: another refund that took it meanwhile is a conflict.
   */
  const askedAgain = (r: RefundRecord): void => {
    if (input.refundNo === undefined) throw changedMeanwhile();
    if (r.refundFee !== input.refundFee) {
      throw invalid(
        `refundNo ${refundNo} is a refund of ${r.refundFee} fen; a refund of another amount needs another refundNo`,
      );
    }
  };

  let index = refunds.findIndex((r) => r.outRefundNo === refundNo);
  let record = refunds[index];
  if (record) {
    askedAgain(record);
    if (refusedOutright(record)) record = await askAgainAfterRefusal(kit, order, index);
  } else {
    const reserved = await reserveNew(
      kit,
      order,
      {
        outRefundNo: refundNo,
        refundFee: input.refundFee,
        status: 'PROCESSING',
        by: admin,
        createdAt: new Date(),
        ...(input.reason ? { reason: input.reason } : {}),
      },
      input.refundNo === undefined,
    );
    if ('taken' in reserved) {
      askedAgain(reserved.taken);
      return { order: toView(reserved.latest), refundNo };
    }
    ({ order, index } = reserved);
    record = order.refunds[index];
  }
  if (record.status !== 'PROCESSING' || record.refundId) {
    // The same refund asked again, accepted by WeChat or settled: answer what it is.
    return { order: toView((await store.order(order._id)) ?? order), refundNo };
  }

  await requestRefund(kit, order, index, record);
  return { order: toView((await store.order(order._id)) ?? order), refundNo };
}

/**
 * How many times a refund is reserved again after other changes of the order won the race. Each lost
 * race is another change that went through (a reservation, a refusal, a settle), so this only bounds
 * a storm: four refunds asked at once can each lose six races (the others' reservations and refusals).
 */
const RESERVE_TRIES = 10;

/**
 * The number the kit gives a refund asked without one: `<orderNo>R<nn>` from the count of the order's
 * refunds, past any an admin named that way. Two requests reading the same order get the same number,
 * so a double tap makes one refund.
 */
function nextRefundNo(order: OrderDoc): string {
  const refunds = order.refunds ?? [];
  const numbered = (n: number) => `${order._id}R${String(n).padStart(2, '0')}`;
  let n = refunds.length + 1;
  while (refunds.some((r) => r.outRefundNo === numbered(n))) n++;
  return numbered(n);
}

/**
 * The same refund asked again after WeChat refused it (the order page's dialog keeps its number for
 * its retries; WeChat says to retry a refusal like NOT_ENOUGH under the same out_refund_no): WeChat
 * may have made it after all (another request with the number), and then it is settled; else, while
 * its amount is still left to refund, it is reserved and asked for again.
 */
async function askAgainAfterRefusal(kit: Kit, order: OrderDoc, index: number): Promise<RefundRecord> {
  const { store } = kit;
  if (await syncRefund(kit, order, index))
    return (await store.order(order._id))?.refunds[index] ?? order.refunds[index];
  const latest = (await store.order(order._id)) ?? order;
  const asked = await stepOnOrder(kit, latest, (current, lost) => {
    if (lost >= RESERVE_TRIES) throw changedMeanwhile();
    const record = current.refunds[index];
    if (record.status !== 'FAILED') return { answer: record };
    assertRefundable(current, record.refundFee);
    return {
      move: retryRefund(store.command, current, index),
      moved: { ...record, status: 'PROCESSING' as const },
    };
  });
  if (!asked) throw changedMeanwhile();
  return asked;
}

/**
 * Reserves a new refund on the order: its amount, checked against what is left, and its number, in
 * one conditional update. Answers the refund that took the number meanwhile (the same refund asked
 * concurrently: the call that reserved it carries on) instead. A refund the kit numbered itself is
 * nobody's retry, so another refund added meanwhile (perhaps this very one sent twice, a double tap)
 * is a conflict for the admin to look at.
 */
async function reserveNew(
  kit: Kit,
  read: OrderDoc,
  record: RefundRecord,
  numberedHere: boolean,
): Promise<{ order: OrderDoc; index: number } | { taken: RefundRecord; latest: OrderDoc }> {
  const reserved = await stepOnOrder<
    { order: OrderDoc; index: number } | { taken: RefundRecord; latest: OrderDoc }
  >(kit, read, (order, lost) => {
    const taken = order.refunds.find((r) => r.outRefundNo === record.outRefundNo);
    if (taken) return { answer: { taken, latest: order } };
    if (numberedHere && order.refunds.length !== read.refunds.length) throw changedMeanwhile();
    if (lost >= RESERVE_TRIES) throw changedMeanwhile();
    assertRefundable(order, record.refundFee);
    return {
      move: reserveRefund(kit.store.command, order, record),
      moved: { order: { ...order, refunds: [...order.refunds, record] }, index: order.refunds.length },
    };
  });
  if (!reserved) throw changedMeanwhile();
  return reserved;
}

/** One step on the order as it stands: a conditional move and what it comes to once made, or the answer. */
type OrderStep<T> = { answer: T } | { move: Move; moved: T };

/**
 * Takes the step `next` chooses on the order as read and then, each time its move matched nothing,
 * on the order as stored now: another change of the order meanwhile (another refund reserved,
 * refused or settled) is not this request's business. `lost` counts the races lost, for `next` to
 * bound them. Undefined if the order is gone.
 */
async function stepOnOrder<T>(
  kit: Kit,
  read: OrderDoc,
  next: (order: OrderDoc, lost: number) => OrderStep<T>,
): Promise<T | undefined> {
  let order: OrderDoc | undefined = read;
  for (let lost = 0; order; lost++) {
    const step = next(order, lost);
    if ('answer' in step) return step.answer;
    if (await kit.store.apply(read._id, step.move)) return step.moved;
    order = await kit.store.order(read._id);
  }
  return undefined;
}

/** A new reservation of `refundFee` on `order`: paid, and no more than what is left to refund. */
function assertRefundable(order: OrderDoc, refundFee: number): void {
  if (awaitsAdmin(order)) throw mismatchedPaymentError();
  if (!isPaid(order.status))
    throw new ServerError('ORDER_STATE_CONFLICT', 'only a paid order can be refunded');
  if (order.refundedOutside) {
    // The kit never held this payment: what is left of it is for the merchant platform to refund.
    throw new ServerError(
      'ORDER_STATE_CONFLICT',
      'the order was refunded on the WeChat Pay merchant platform before the kit recorded its payment; refund the rest there',
    );
  }
  const refundable = refundableFee(order);
  if (refundFee > refundable) {
    throw invalid(`refundFee must be a whole number of fen from 1 to ${refundable} (what is left to refund)`);
  }
}

const changedMeanwhile = (): ServerError =>
  new ServerError('ORDER_STATE_CONFLICT', 'the order changed meanwhile; try again');

/** A reserved refund WeChat has not heard of after this long was interrupted: the sweep asks again. */
export const REFUND_RESUME_AFTER_MS = 5 * 60_000;

/**
 * Asks WeChat for the reserved refund `index` (again, after a failure or a crash: WeChat treats the
 * same number as the same refund). A refusal frees the amount only when WeChat has no such refund:
 * a concurrent or earlier call with the same number may have been accepted.
 */
async function requestRefund(kit: Kit, order: OrderDoc, index: number, record: RefundRecord): Promise<void> {
  const { store } = kit;
  const refundNo = record.outRefundNo;
  const answer = await kit.provider.refund({
    outTradeNo: order.outTradeNo ?? '',
    outRefundNo: refundNo,
    totalFee: order.totalFee,
    refundFee: record.refundFee,
    reason: record.reason,
  });
  if (!('refused' in answer)) {
    if (answer.refundId) await store.apply(order._id, acceptRefund(index, refundNo, answer.refundId));
    return;
  }
  const known = await kit.provider.queryRefund(refundNo);
  if (known.state === 'NOTFOUND') {
    await store.apply(order._id, refuseRefund(store.command, index, refundNo, answer.reason));
    throw refusalError(refundNo, answer);
  }
  if (!ofThisOrder(order, known) || (known.refundFee !== undefined && known.refundFee !== record.refundFee)) {
    // WeChat refused because the number is taken by another refund (another order's): that refund
    // is not this one, and this one will never be made under its number.
    await store.apply(order._id, refuseRefund(store.command, index, refundNo, answer.reason));
    throw invalid(
      `refundNo ${refundNo} is another refund's at WeChat Pay; give this refund another refundNo`,
    );
  }
  if (known.refundId) await store.apply(order._id, acceptRefund(index, refundNo, known.refundId));
  const latest = (await store.order(order._id)) ?? order;
  if (await recordRefundOutcome(kit, latest, index, known.state, known.succeededAt)) {
    const settled = await store.order(order._id);
    if (settled) await settleRefundHooks(kit, settled);
  }
}

/**
 * What the admin is answered for a refund WeChat refused and never made (recorded FAILED: its amount
 * is free again, and its number may be asked again): NOT_CONFIGURED when the merchant's configuration
 * stood in the way, REFUND_REFUSED with WeChat's reason when WeChat turned the refund itself down,
 * else the retryable PAY_PROVIDER_ERROR.
 */
function refusalError(refundNo: string, refusal: RefundRefusal): ServerError {
  const madeLater = `nothing was refunded, and refundNo ${refundNo} may be asked again once that is put right`;
  if (refusal.misconfigured) {
    return new ServerError(
      'NOT_CONFIGURED',
      `WeChat Pay refused the refund: ${refusal.misconfigured}; ${madeLater}`,
    );
  }
  if (!refusal.business)
    return new ServerError('PAY_PROVIDER_ERROR', `WeChat Pay refused the refund: ${refusal.reason}`);
  const err = new ServerError(
    'REFUND_REFUSED',
    `WeChat Pay refused the refund: ${refusal.reason}; ${madeLater}`,
  );
  err.refusal = refusal.business;
  return err;
}

export type RefundVerdict = 'SETTLED' | 'ALREADY_SETTLED' | 'UNKNOWN_REFUND' | 'NOT_THE_ORDERS' | 'NOT_FINAL';

/**
 * refundCallback: nothing in the event decides anything. It names a refund; WeChat's own answer to
 * a query settles it. When that answer is inconclusive the refund stays PROCESSING and the
 * notification is not acknowledged, so WeChat delivers again; the sweep timer re-asks and the
 * bill reconciliation repairs. A refund of the order's recorded payment the kit has no record of
 * was made on the merchant platform: recorded as WeChat has it (recordRefundMadeOnPlatform), or,
 * when WeChat has no such refund of the order's trade, NOT_THE_ORDERS: checked, nothing to record.
 */
export async function handleRefundNotification(
  kit: Kit,
  event: Record<string, unknown>,
): Promise<{ verdict: RefundVerdict; hook: HookOutcome }> {
  const outRefundNo = typeof event.outRefundNo === 'string' ? event.outRefundNo : '';
  const outTradeNo = typeof event.outTradeNo === 'string' ? event.outTradeNo : '';
  const orderNo = orderNoOf(outTradeNo);
  const order = orderNo ? await kit.store.order(orderNo) : undefined;
  // Only a notification naming an attempt of an existing order is kept in the audit trail.
  if (!orderNo || !order || !order.attempts.some((a) => a.outTradeNo === outTradeNo)) {
    return { verdict: 'UNKNOWN_REFUND', hook: 'DONE' };
  }
  let index = (order.refunds ?? []).findIndex((r) => r.outRefundNo === outRefundNo);
  let verdict: RefundVerdict;
  let hook: HookOutcome = 'DONE';
  if (index < 0 && holdsPayment(order) && outRefundNo) {
    const learnt = await recordRefundMadeOnPlatform(kit, order, outRefundNo);
    if (typeof learnt === 'string') verdict = learnt === 'NOT_THE_ORDERS' ? learnt : 'NOT_FINAL';
    else {
      index = learnt.index;
      verdict = learnt.order.refunds[index].status === 'PROCESSING' ? 'NOT_FINAL' : 'SETTLED';
    }
  } else if (index < 0) {
    verdict = 'UNKNOWN_REFUND';
    // A refund of a payment the kit has not recorded (its notification lost, or the payment not
    // matching the order) was made on the merchant platform: WeChat's trade state tells the kit.
    if (order.status === 'NOTPAY') {
      await applyTradeStatus(kit, order, await kit.provider.queryTrade(outTradeNo));
    } else await recheckMismatch(kit, order);
  } else {
    const { status } = order.refunds[index];
    // A refund recorded as refused is asked about too: a concurrent request with its number may
    // have been carried out, and then the money is gone whatever the kit recorded. An answer that
    // settles nothing leaves it unacknowledged either way, so WeChat delivers it again (the sweep
    // does not ask about refused refunds).
    verdict =
      status !== 'PROCESSING' && status !== 'FAILED'
        ? 'ALREADY_SETTLED'
        : (await syncRefund(kit, order, index))
          ? 'SETTLED'
          : 'NOT_FINAL';
  }
  if (index >= 0) {
    const latest = await kit.store.order(order._id);
    // Again for a notification delivered once more after a crash between the settle and this.
    await endShipmentIfRefunded(kit, latest);
    if (latest) hook = await settleRefundHooks(kit, latest);
  }
  await kit.store.recordNotification({
    kind: 'refund',
    outTradeNo,
    orderNo,
    ...(index >= 0 ? { outRefundNo } : {}),
    verdict,
    claimed: claimedFields(event, ['outRefundNo', 'refundStatus', 'refundFee', 'refundId']),
  });
  return { verdict, hook };
}

/**
 * The order's payment is recorded and the kit holds its refunds: paid, and not refunded on the
 * merchant platform before the kit recorded it (then it holds none of them: refundedOutside).
 */
export function holdsPayment(order: OrderDoc): order is OrderDoc & { outTradeNo: string } {
  return isPaid(order.status) && !order.refundedOutside && !!order.outTradeNo;
}

/**
 * What came of a refund number the kit has no record of on an order whose payment it holds: the
 * refund recorded (by this call or a concurrent one) at `index`; NOT_THE_ORDERS when WeChat has no
 * refund under that number of the order's recorded trade; LEFT when WeChat's answer was
 * inconclusive or contradicts the order (more refunded than paid), so nothing was recorded.
 */
export type PlatformRefundLearnt = { order: OrderDoc; index: number } | 'NOT_THE_ORDERS' | 'LEFT';

/**
 * A refund of the order's recorded payment whose number the kit has no record of (from a refund
 * notification or the day's bill) was made by hand on the merchant platform. It is confirmed with
 * WeChat first: the refund must be of the order's paid trade, and its amount and state are WeChat's
 * answer, never the event's. Recorded as made on the platform (onPlatform, by PLATFORM_REFUNDER) in
 * one conditional move, so learners racing record it once; never more refunded than paid. One
 * still PROCESSING is settled later as the kit's own (the sweep, its next notification). LEFT,
 * WeChat not asked, for an order whose payment the kit does not hold (holdsPayment). The caller
 * runs the hooks (settleRefundHooks).
 */
export async function recordRefundMadeOnPlatform(
  kit: Kit,
  read: OrderDoc,
  outRefundNo: string,
): Promise<PlatformRefundLearnt> {
  if (!holdsPayment(read)) return 'LEFT';
  const record = platformRecord(read, await kit.provider.queryRefund(outRefundNo));
  if (typeof record === 'string') return record;
  const recorded = await stepOnOrder<{ order: OrderDoc; index: number } | 'LEFT' | 'MOVED'>(
    kit,
    read,
    (order, lost) => {
      const index = order.refunds.findIndex((r) => r.outRefundNo === outRefundNo);
      if (index >= 0) return { answer: { order, index } };
      if (lost >= RESERVE_TRIES || !holdsPayment(order) || order.outTradeNo !== read.outTradeNo)
        return { answer: 'LEFT' };
      if (refundedFee(order) + (record.status === 'FAILED' ? 0 : record.refundFee) > order.totalFee) {
        console.error(
          `[paykit] refund ${outRefundNo} of ${order._id} at WeChat would make more refunded than paid; not recorded, for an admin`,
        );
        return { answer: 'LEFT' };
      }
      return { move: recordPlatformRefund(kit.store.command, order, record), moved: 'MOVED' };
    },
  );
  if (recorded !== 'MOVED') return recorded ?? 'LEFT';
  const latest = await kit.store.order(read._id);
  const index = latest ? latest.refunds.findIndex((r) => r.outRefundNo === outRefundNo) : -1;
  if (!latest || index < 0) return 'LEFT';
  if (record.status === 'SUCCESS') await endShipmentIfRefunded(kit, latest);
  return { order: latest, index };
}

/**
 * An admin looking at an order whose payment the kit holds, about to be offered what is left to
 * refund: on cloudPay, which notifies no refund made on the merchant platform, WeChat's list of the
 * trade's refunds (one query; APIv3 has no such list, its notification and the bill tell) names any
 * made there since, each then confirmed and recorded (recordRefundMadeOnPlatform) and its onRefunded
 * run. WeChat not answering leaves the order as recorded, for the admin to see: the bill repairs it.
 * Not asked once the whole payment is refunded: WeChat then holds no refund the kit could record.
 */
export async function learnPlatformRefunds(kit: Kit, order: OrderDoc): Promise<OrderDoc> {
  if (!kit.provider.refundNumbers || !holdsPayment(order) || refundedFee(order) >= order.totalFee)
    return order;
  try {
    const numbers = (await kit.provider.refundNumbers(order.outTradeNo)) ?? [];
    let latest: OrderDoc = order;
    for (const outRefundNo of numbers) {
      if (latest.refunds.some((r) => r.outRefundNo === outRefundNo)) continue;
      // Read again: the kit's own refund asked meanwhile is in the order before it is at WeChat.
      latest = (await kit.store.order(order._id)) ?? latest;
      if (latest.refunds.some((r) => r.outRefundNo === outRefundNo)) continue;
      const learnt = await recordRefundMadeOnPlatform(kit, latest, outRefundNo);
      if (typeof learnt !== 'string') latest = learnt.order;
    }
    if (latest === order) return order;
    await settleRefundHooks(kit, latest);
  } catch (err) {
    console.error(
      `[paykit] asking WeChat for the refunds of ${order._id} failed; shown as recorded:`,
      String(err),
    );
  }
  return (await kit.store.order(order._id)) ?? order;
}

/**
 * WeChat's answer about a refund number as the record of a refund made on the merchant platform of
 * `order`'s recorded payment: NOT_THE_ORDERS when WeChat has no such refund or it is of another
 * trade; LEFT when the answer does not say its trade, amount or state (inconclusive).
 */
function platformRecord(order: OrderDoc, known: RefundStatus): RefundRecord | 'NOT_THE_ORDERS' | 'LEFT' {
  if (known.state === 'NOTFOUND') return 'NOT_THE_ORDERS';
  const status = known.state === 'PROCESSING' ? 'PROCESSING' : OUTCOMES[known.state];
  const fee = known.refundFee;
  if (!status || !known.outTradeNo || fee === undefined || !Number.isSafeInteger(fee) || fee <= 0)
    return 'LEFT';
  if (known.outTradeNo !== order.outTradeNo) return 'NOT_THE_ORDERS';
  const now = new Date();
  const at = known.succeededAt && Number.isFinite(known.succeededAt) ? new Date(known.succeededAt) : now;
  return {
    outRefundNo: known.outRefundNo,
    refundFee: fee,
    status,
    by: PLATFORM_REFUNDER,
    onPlatform: true,
    createdAt: now,
    ...(known.refundId ? { refundId: known.refundId } : {}),
    ...(status !== 'PROCESSING' ? { settledAt: at } : {}),
  };
}

/**
 * Asks WeChat about a PROCESSING refund and records a final answer. True if the refund is now
 * settled (by this call or another); false while WeChat's answer is not final or inconclusive.
 */
export async function syncRefund(
  kit: Kit,
  order: OrderDoc,
  index: number,
  opts: { resume?: boolean } = {},
): Promise<boolean> {
  const record = order.refunds[index];
  const answer = await kit.provider.queryRefund(record.outRefundNo);
  if (answer.state === 'NOTFOUND') {
    // Reserved here but never reached WeChat (a crash or a failure before it was carried out): the
    // sweep completes the admin's request rather than hold the amount forever.
    if (opts.resume && Date.now() - new Date(record.createdAt).getTime() >= REFUND_RESUME_AFTER_MS) {
      await requestRefund(kit, order, index, record);
    }
    return false;
  }
  if (!ofThisOrder(order, answer)) {
    // The number is another order's refund at WeChat: this one was never made under it.
    await kit.store.apply(
      order._id,
      refuseRefund(kit.store.command, index, record.outRefundNo, 'the refund number is another order’s'),
    );
    return false;
  }
  if (answer.refundFee !== undefined && answer.refundFee !== record.refundFee) return false;
  return recordRefundOutcome(kit, order, index, answer.state, answer.succeededAt);
}

/** WeChat's refund under a number is of one of this order's trades (numbers are the merchant's, not the order's). */
function ofThisOrder(order: OrderDoc, known: Pick<RefundStatus, 'outTradeNo'>): boolean {
  return !known.outTradeNo || order.attempts.some((a) => a.outTradeNo === known.outTradeNo);
}

/** WeChat's refund states that end a refund, as the kit records them. */
const OUTCOMES: Partial<Record<RefundState, RefundOutcome>> = {
  SUCCESS: 'SUCCESS',
  REFUNDCLOSE: 'FAILED',
  CHANGE: 'CHANGE',
};

/**
 * Records a refund's end as WeChat reported it (SUCCESS, REFUNDCLOSE, CHANGE); anything else
 * changes nothing. One conditional update, so a repeat is a no-op; a move that matched nothing is
 * decided again on the order as stored (settleStep). True only if the stored refund is settled.
 * A refund recorded as refused meanwhile (a concurrent request with its number was refused, and
 * WeChat did not know this one yet) is moved on from there: WeChat's word stands.
 */
export async function recordRefundOutcome(
  kit: Kit,
  order: OrderDoc,
  index: number,
  state: RefundState,
  at?: number,
): Promise<boolean> {
  const outcome = OUTCOMES[state];
  if (!outcome) return false;
  const settledAt = new Date(at && Number.isFinite(at) ? at : Date.now());
  const { store } = kit;
  const made = await stepOnOrder<boolean | 'MOVED'>(kit, order, (current, lost) => {
    const step = settleStep(store.command, current, index, outcome, settledAt, lost);
    return 'settled' in step ? { answer: step.settled } : { move: step.move, moved: 'MOVED' };
  });
  if (made !== 'MOVED') return made ?? false;
  if (outcome === 'SUCCESS') await endShipmentIfRefunded(kit, await store.order(order._id));
  return true;
}

/** Ends the shipping record of a payment refunded in full, if a settle move did not (shipping-states.ts). */
async function endShipmentIfRefunded(kit: Kit, order: OrderDoc | undefined): Promise<void> {
  const move = order && shipmentEndedByRefunds(kit.store.command, order);
  if (move) await kit.store.apply(order._id, move);
}
