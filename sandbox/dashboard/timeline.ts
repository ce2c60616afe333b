/**
 * One order's story, assembled on the server from what each side recorded: the kit's order document
 * (attempts and prepays, its payment or a payment not matching it, refunds, hooks, close), WeChat
 * Pay's trades and the refunds made on its merchant platform, every notification attempt with its
 * answer and next retry time, and the function invocations that touched the order.
 */
import type { OrderItem, RefundStatus } from '../../typings/paykit/order';
import type { OpenPrepay, OrderTimeline, TimelineEntry } from '../../typings/sandbox/dashboard';
import { SandboxError } from '../errors';
import type { InvocationRecord } from '../runtime/invocation-log';
import type { Sandbox } from '../server';
import { hookEntry, hookTimes, ms, type HookDoc } from './hook-entries';
import { ORDERS, orderRow } from './orders';
import { paymentEntries } from './payment-entries';
import { platformRefundable, platformRefundEntries } from './platform-refunds';

type Doc = Record<string, unknown>;

const short = (value: unknown, max = 160): string => {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
};

interface Attempt {
  outTradeNo: string;
  createdAt: number;
  prepayId?: string;
  prepayExpiresAt?: number;
}

interface RefundDoc {
  outRefundNo: string;
  refundFee: number;
  status: RefundStatus;
  reason?: string;
  by?: string;
  createdAt: unknown;
  settledAt?: unknown;
  failure?: string;
  hook?: HookDoc;
  /** Made on the merchant platform, recorded by the kit once it learnt of it (cloudfunctions/common/model.ts). */
  onPlatform?: boolean;
}

export const ORDER_NO = /^PK\d{22}$/;

/** What a function answered, in one word: ok, its failure code, or the error. */
function outcomeOf(r: InvocationRecord): string {
  if (r.error) return 'ERROR';
  const result = r.result as { ok?: unknown; code?: unknown; errcode?: unknown } | null;
  if (result && result.ok === false && typeof result.code === 'string') return result.code;
  if (result && typeof result.errcode === 'number') return `errcode ${result.errcode}`;
  return 'ok';
}

function touches(r: InvocationRecord, orderNo: string): boolean {
  return short(r.event, Infinity).includes(orderNo) || short(r.result, Infinity).includes(orderNo);
}

export function orderTimeline(sandbox: Sandbox, orderNo: string): OrderTimeline {
  if (!ORDER_NO.test(orderNo)) {
    throw new SandboxError(
      'INVALID_PARAM',
      `not an order number: ${JSON.stringify(orderNo.slice(0, 40))} (PK + 22 digits)`,
      400,
    );
  }
  const doc = sandbox.db.getDoc(ORDERS, orderNo) as Doc | null;
  if (!doc) throw new SandboxError('NOT_FOUND', `no order ${orderNo} in ${ORDERS}`, 404);
  const row = orderRow(doc);
  const entries: TimelineEntry[] = [];
  const add = (entry: TimelineEntry) => entries.push(entry);
  const attempts = (Array.isArray(doc.attempts) ? doc.attempts : []) as Attempt[];
  const refunds = (Array.isArray(doc.refunds) ? doc.refunds : []) as RefundDoc[];

  add({
    at: row.createdAt,
    kind: 'created',
    title: '',
    facts: { openid: row.openid, totalFee: row.totalFee, description: row.description },
  });
  for (const a of attempts) {
    add({ at: a.createdAt, kind: 'attempt', title: '', facts: { outTradeNo: a.outTradeNo } });
    if (a.prepayId) {
      add({
        at: a.createdAt,
        kind: 'prepay',
        title: '',
        facts: { prepayId: a.prepayId, expiresAt: a.prepayExpiresAt ?? null },
      });
    }
  }

  // Attempts are recorded before WeChat is asked (write-ahead): they name every trade of the order.
  const trades = attempts.flatMap((a) => sandbox.pay.trades({ outTradeNo: a.outTradeNo }));
  for (const t of trades) {
    if (t.timeEnd !== null) {
      add({
        at: t.timeEnd,
        kind: 'payer',
        title: 'pay',
        facts: { outTradeNo: t.outTradeNo, transactionId: t.transactionId },
      });
    } else if (t.payingUntil !== null) {
      // The pay sheet said paid; the payment settles at payingUntil (the trade is NOTPAY until then).
      add({
        at: t.createdAt,
        kind: 'payer',
        title: 'slow',
        facts: { outTradeNo: t.outTradeNo, tradeState: t.state, settlesAt: t.payingUntil },
      });
    }
    if (t.closedAt !== null)
      add({
        at: t.closedAt,
        kind: 'close',
        title: 'CLOSED',
        facts: { outTradeNo: t.outTradeNo, by: 'WeChat Pay' },
      });
  }

  const notifications = trades.flatMap((t) => sandbox.pay.notifications({ outTradeNo: t.outTradeNo }));
  const nextAtOf = new Map(notifications.map((n) => [n.id, n.nextAt]));
  const deliveries = trades.flatMap((t) => sandbox.pay.deliveries({ outTradeNo: t.outTradeNo }));
  const lastOf = new Map<number, number>();
  for (const d of deliveries) lastOf.set(d.notificationId, d.id);
  for (const d of deliveries) {
    add({
      at: d.startedAt,
      kind: 'notification',
      title: d.outcome,
      notificationId: d.notificationId,
      facts: {
        callback: d.kind,
        attempt: d.attempt,
        functionName: d.functionName,
        duplicate: d.duplicate,
        answer: d.answer === undefined ? null : short(d.answer),
        error: d.error ?? null,
        nextRetryAt: lastOf.get(d.notificationId) === d.id ? (nextAtOf.get(d.notificationId) ?? null) : null,
      },
    });
  }

  for (const r of sandbox.functions.log.list({ limit: 2000 }).filter((rec) => touches(rec, orderNo))) {
    add({
      at: r.startedAt,
      kind: r.name === 'queryOrder' ? 'query' : r.name === 'closeOrder' ? 'close' : 'invocation',
      title: r.name,
      facts: {
        functionName: r.name,
        source: r.caller.source,
        openid: r.caller.openid ?? null,
        durationMs: r.durationMs,
        cold: r.cold,
        outcome: outcomeOf(r),
      },
    });
  }

  const { firstPaidRunAt, clock } = hookTimes(sandbox, orderNo);
  for (const e of paymentEntries(doc, row, firstPaidRunAt, clock)) add(e);
  for (const r of refunds) {
    const at = ms(r.createdAt) ?? row.createdAt;
    // A refund made on the merchant platform reads as one, from when the kit recorded it: no admin asked.
    add({
      at,
      kind: r.onPlatform ? 'platformRefund' : 'refund',
      title: r.status,
      facts: {
        refundNo: r.outRefundNo,
        refundFee: r.refundFee,
        by: r.onPlatform ? null : (r.by ?? null),
        reason: r.reason ?? null,
        failure: r.failure ?? null,
      },
    });
    // WeChat's success time has whole seconds: a refund settled in the second it was asked is
    // shown settling then, not before it was asked (nor before the order, bought that second).
    const stated = ms(r.settledAt);
    const settledAt = stated === undefined ? undefined : Math.max(stated, at);
    if (settledAt !== undefined)
      add({
        at: settledAt,
        kind: 'refunded',
        title: r.status,
        facts: { refundNo: r.outRefundNo, refundFee: r.refundFee },
      });
    if (r.hook) add(hookEntry(settledAt ?? at, r.hook, 'onRefunded', clock));
  }
  for (const e of platformRefundEntries(trades, new Set(refunds.map((r) => r.outRefundNo)))) add(e);
  const closedAt = ms(doc.closedAt);
  if (closedAt !== undefined) add({ at: closedAt, kind: 'closed', title: 'CLOSED', facts: {} });

  // Entries of one instant (a frozen clock) in the order things cause each other.
  // The functions acting on a refund: the admin's `refund`, and whichever the refund notifications
  // were delivered to (PAYKIT_REFUND_CALLBACK, or the APIv3 route's function).
  const refundFunctions = new Set([
    'refund',
    ...deliveries.filter((d) => d.kind === 'refund').map((d) => d.functionName),
  ]);
  const order = entries.map((e, i) => ({ e, i, rank: rankOf(e, refundFunctions) }));
  order.sort((a, b) => a.e.at - b.e.at || a.rank - b.rank || a.i - b.i);
  entries.splice(0, entries.length, ...order.map((x) => x.e));
  const expiresAt = ms(doc.expiresAt) ?? 0;
  return {
    order: {
      ...row,
      items: (Array.isArray(doc.items) ? doc.items : []) as OrderItem[],
      expiresAt,
      ...(closedAt !== undefined ? { closedAt } : {}),
      ...(typeof doc.transactionId === 'string' ? { transactionId: doc.transactionId } : {}),
      refunds: refunds.map((r) => ({
        refundNo: r.outRefundNo,
        refundFee: r.refundFee,
        status: r.status,
        createdAt: ms(r.createdAt) ?? 0,
        ...(r.onPlatform ? { onPlatform: true as const } : {}),
      })),
    },
    entries,
    openPrepay: openPrepay(sandbox, row.status, expiresAt, attempts, trades),
    platformRefundable: platformRefundable(trades),
    notifications: notifications.map((n) => ({
      id: n.id,
      kind: n.kind,
      status: n.status,
      attempts: n.attempts,
      nextAt: n.nextAt,
    })),
  };
}

const RANK: Record<TimelineEntry['kind'], number> = {
  created: 0,
  attempt: 1,
  prepay: 2,
  invocation: 3,
  query: 3,
  close: 3,
  payer: 4,
  refund: 4,
  platformRefund: 4,
  notification: 5,
  paid: 7,
  mismatchedPayment: 7,
  refundedOutside: 7,
  refunded: 7,
  closed: 7,
  hook: 8,
};

/** Past every payment rank: where a refund's entries of one instant start. */
const REFUND_AFTER = 10;

/** Whether an entry belongs to a refund of the order rather than to its payment. */
function ofRefund(e: TimelineEntry, refundFunctions: ReadonlySet<string>): boolean {
  switch (e.kind) {
    case 'refund':
    case 'platformRefund':
    case 'refunded':
    case 'refundedOutside':
      return true;
    case 'notification':
      return e.facts.callback === 'refund';
    case 'invocation':
      return refundFunctions.has(String(e.facts.functionName));
    case 'hook':
      return e.facts.hook === 'onRefunded';
    default:
      return false;
  }
}

/**
 * A callback's invocation comes after the notification that caused it. A refund needs a payment
 * first, so at one instant (the README's tour pays and refunds under a frozen clock) all of a
 * refund's entries follow all of the payment's, in the same order among themselves.
 */
function rankOf(e: TimelineEntry, refundFunctions: ReadonlySet<string>): number {
  const rank = e.kind === 'invocation' && e.facts.source === 'wx_pay' ? 6 : RANK[e.kind];
  return ofRefund(e, refundFunctions) ? rank + REFUND_AFTER : rank;
}

/** The latest attempt's prepay, while the payer can still act on it. */
function openPrepay(
  sandbox: Sandbox,
  status: string,
  expiresAt: number,
  attempts: Attempt[],
  trades: Array<{ outTradeNo: string; state: string }>,
): OpenPrepay | null {
  const now = sandbox.clock.now();
  const last = attempts[attempts.length - 1];
  if (status !== 'NOTPAY' || !last?.prepayId || now >= expiresAt) return null;
  if ((last.prepayExpiresAt ?? Infinity) <= now) return null;
  const trade = trades.find((t) => t.outTradeNo === last.outTradeNo);
  if (!trade || trade.state !== 'NOTPAY') return null;
  return {
    outTradeNo: last.outTradeNo,
    package: `prepay_id=${last.prepayId}`,
    expiresAt: Math.min(last.prepayExpiresAt ?? expiresAt, expiresAt),
  };
}
