/**
 * Refunds: admin-initiated, partial or full, never more than paid, idempotent by refund number.
 * The amount is reserved on the order (one conditional update) before WeChat is asked, so two
 * concurrent refunds cannot together exceed what was paid. The refund callback settles it.
 */
import type { RefundResult } from '../../typings/paykit/functions';
import { claimedFields } from './audit';
import type { Kit } from './context';
import { invalid, PaykitError } from './errors';
import { settleRefundHooks, type HookOutcome } from './fulfil';
import { refundableFee, toView, type OrderDoc, type RefundRecord } from './model';
import { orderNoOf } from './payments';
import type { RefundState } from './provider';

const REFUND_NO = /^[A-Za-z0-9_-]{6,64}$/;

export function requireAdmin(kit: Kit, openid: string): void {
  if (!kit.config.adminOpenids.includes(openid)) {
    throw new PaykitError('FORBIDDEN', 'only merchant admins (PAYKIT_ADMIN_OPENIDS) may do this');
  }
}

export interface RefundInput {
  orderNo: string;
  refundFee: unknown;
  reason?: unknown;
  refundNo?: unknown;
}

export async function refundOrder(kit: Kit, admin: string, input: RefundInput): Promise<RefundResult> {
  requireAdmin(kit, admin);
  if (
    input.refundNo !== undefined &&
    (typeof input.refundNo !== 'string' || !REFUND_NO.test(input.refundNo))
  ) {
    throw invalid('refundNo must be 6 to 64 letters, digits, _ or -');
  }
  if (
    input.reason !== undefined &&
    (typeof input.reason !== 'string' || Buffer.byteLength(input.reason) > 80)
  ) {
    throw invalid('reason must be text of at most 80 bytes');
  }
  const order = await kit.store.order(input.orderNo);
  if (!order) throw new PaykitError('ORDER_NOT_FOUND', `no order ${input.orderNo}`);
  const refunds = order.refunds ?? [];
  const refundNo =
    (input.refundNo as string | undefined) ?? `${order._id}R${String(refunds.length + 1).padStart(2, '0')}`;

  let index = refunds.findIndex((r) => r.outRefundNo === refundNo);
  let record = refunds[index];
  if (!record) {
    if (order.status !== 'SUCCESS' && order.status !== 'REFUND') {
      throw new PaykitError('ORDER_STATE_CONFLICT', 'only a paid order can be refunded');
    }
    const fee = input.refundFee;
    const refundable = refundableFee(order);
    if (typeof fee !== 'number' || !Number.isInteger(fee) || fee < 1 || fee > refundable) {
      throw invalid(
        `refundFee must be a whole number of fen from 1 to ${refundable} (what is left to refund)`,
      );
    }
    record = {
      outRefundNo: refundNo,
      refundFee: fee,
      status: 'PROCESSING',
      by: admin,
      createdAt: new Date(),
      ...(input.reason ? { reason: input.reason as string } : {}),
    };
    const _ = kit.store.command;
    const reserved = await kit.store.updateOrder(
      order._id,
      { version: order.version },
      { refunds: _.push([record]), version: _.inc(1) },
    );
    if (!reserved) {
      // The same refund number asked concurrently: the call that reserved it carries on, this
      // one answers what it is. Any other change: the admin tries again.
      const latest = await kit.store.order(order._id);
      if (latest?.refunds.some((r) => r.outRefundNo === refundNo)) {
        return { order: toView(latest), refundNo };
      }
      throw new PaykitError('ORDER_STATE_CONFLICT', 'the order changed meanwhile; try again');
    }
    index = refunds.length;
  } else if (record.status !== 'PROCESSING' || record.refundId) {
    // The same refund asked again: answer what it is.
    return { order: toView((await kit.store.order(order._id)) ?? order), refundNo };
  }

  // Asked again with the same number after a failure we could not classify, WeChat treats it as
  // the same refund.
  const answer = await kit.provider.refund({
    outTradeNo: order.outTradeNo ?? '',
    outRefundNo: refundNo,
    totalFee: order.totalFee,
    refundFee: record.refundFee,
    reason: record.reason,
  });
  const at = `refunds.${index}`;
  if ('refused' in answer) {
    await kit.store.updateOrder(
      order._id,
      { [`${at}.outRefundNo`]: refundNo, [`${at}.status`]: 'PROCESSING' },
      { [`${at}.status`]: 'FAILED', [`${at}.failure`]: answer.reason, version: kit.store.command.inc(1) },
    );
    throw new PaykitError('PAY_PROVIDER_ERROR', `WeChat Pay refused the refund: ${answer.reason}`);
  }
  if (answer.refundId) {
    await kit.store.updateOrder(
      order._id,
      { [`${at}.outRefundNo`]: refundNo },
      { [`${at}.refundId`]: answer.refundId },
    );
  }
  const after = await kit.store.order(order._id);
  return { order: toView(after ?? order), refundNo };
}

export type RefundVerdict = 'SETTLED' | 'ALREADY_SETTLED' | 'UNKNOWN_REFUND' | 'NOT_FINAL';

/**
 * refundCallback: nothing in the event decides anything. It names a refund; WeChat's own answer to
 * a query settles it. When that answer is inconclusive the refund stays PROCESSING and the
 * notification is not acknowledged, so WeChat delivers again; the sweep timer re-asks and the
 * bill reconciliation repairs.
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
  const index = (order.refunds ?? []).findIndex((r) => r.outRefundNo === outRefundNo);
  let verdict: RefundVerdict;
  let hook: HookOutcome = 'DONE';
  if (index < 0) verdict = 'UNKNOWN_REFUND';
  else {
    verdict =
      order.refunds[index].status !== 'PROCESSING'
        ? 'ALREADY_SETTLED'
        : (await syncRefund(kit, order, index))
          ? 'SETTLED'
          : 'NOT_FINAL';
    const latest = await kit.store.order(order._id);
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
 * Asks WeChat about a PROCESSING refund and records a final answer. True if the refund is now
 * settled (by this call or another); false while WeChat's answer is not final or inconclusive.
 */
export async function syncRefund(kit: Kit, order: OrderDoc, index: number): Promise<boolean> {
  const record = order.refunds[index];
  const answer = await kit.provider.queryRefund(record.outRefundNo);
  if (answer.refundFee !== undefined && answer.refundFee !== record.refundFee) return false;
  return settle(kit, order, index, answer.state, answer.succeededAt);
}

/**
 * Records what WeChat said about a refund: SUCCESS, or a final failure (REFUNDCLOSE, CHANGE).
 * Anything else changes nothing. One conditional update, so a repeat is a no-op.
 */
export async function settle(
  kit: Kit,
  order: OrderDoc,
  index: number,
  state: RefundState,
  at?: number,
): Promise<boolean> {
  const path = `refunds.${index}`;
  const _ = kit.store.command;
  const where = {
    [`${path}.outRefundNo`]: order.refunds[index].outRefundNo,
    [`${path}.status`]: 'PROCESSING',
  };
  const settledAt = new Date(at && Number.isFinite(at) ? at : Date.now());
  if (state === 'SUCCESS') {
    const hook: RefundRecord['hook'] = { state: 'PENDING', runs: 0 };
    await kit.store.updateOrder(order._id, where, {
      [`${path}.status`]: 'SUCCESS',
      [`${path}.settledAt`]: settledAt,
      [`${path}.hook`]: hook,
      status: 'REFUND',
      version: _.inc(1),
    });
    return true;
  }
  if (state === 'REFUNDCLOSE' || state === 'CHANGE') {
    await kit.store.updateOrder(order._id, where, {
      [`${path}.status`]: state === 'CHANGE' ? 'CHANGE' : 'FAILED',
      [`${path}.settledAt`]: settledAt,
      version: _.inc(1),
    });
    return true;
  }
  return false;
}
