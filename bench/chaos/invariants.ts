/**
 * What must hold once the soak has settled, checked against the kit's own data (paykit_orders,
 * paykit_hook_runs, paykit_notifications, the example hooks' paykit_deliveries) and WeChat's trades.
 * Each check counts what it looked at and what broke, with a few examples.
 */
import { timeOf, type Doc, type TradeView } from './client';

export interface SoakData {
  now: number;
  orders: Doc[];
  hookRuns: Doc[];
  notifications: Doc[];
  deliveries: Doc[];
  trades: TradeView[];
  /** Order numbers each (openid, requestKey) got back, as clients saw them. */
  keyAnswers: Map<string, Set<string>>;
}

export interface InvariantResult {
  name: string;
  checked: number;
  violations: number;
  detail: string;
  examples: string[];
}

/** A notification audit document above this (JSON bytes) is unbounded junk. */
export const AUDIT_DOC_LIMIT = 4096;

interface Order {
  id: string;
  openid: string;
  status: string;
  attempts: string[];
  outTradeNo: string | null;
  transactionId?: string;
  expiresAt: number;
  requestKey?: string;
  hook?: string;
  /** How many runners claimed onPaid. */
  claims: number;
  refunds: Array<{ no: string; fee: number; status: string; hook?: string; claims: number }>;
}

const PAID = new Set(['SUCCESS', 'REFUND']);
const OPEN = new Set(['NOTPAY']);
/** WeChat's refund status → the kit's. */
const REFUND_STATUS: Record<string, string> = {
  SUCCESS: 'SUCCESS',
  REFUNDCLOSE: 'FAILED',
  CHANGE: 'CHANGE',
  PROCESSING: 'PROCESSING',
};

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const list = (v: unknown): Doc[] => (Array.isArray(v) ? (v as Doc[]) : []);
const stateOf = (hook: unknown): string | undefined =>
  hook && typeof hook === 'object' ? str((hook as Doc).state) : undefined;

function toOrder(d: Doc): Order {
  return {
    id: str(d._id),
    openid: str(d.openid),
    status: str(d.status),
    attempts: list(d.attempts).map((a) => str(a.outTradeNo)),
    outTradeNo: typeof d.outTradeNo === 'string' ? d.outTradeNo : null,
    transactionId: typeof d.transactionId === 'string' ? d.transactionId : undefined,
    expiresAt: timeOf(d.expiresAt),
    requestKey: typeof d.requestKey === 'string' ? d.requestKey : undefined,
    hook: stateOf(d.fulfilment),
    claims: Number((d.fulfilment as Doc | undefined)?.runs ?? 0),
    refunds: list(d.refunds).map((r) => ({
      no: str(r.outRefundNo),
      fee: Number(r.refundFee),
      status: str(r.status),
      hook: stateOf(r.hook),
      claims: Number((r.hook as Doc | undefined)?.runs ?? 0),
    })),
  };
}

/** Collects violations by kind for one invariant. */
class Check {
  checked = 0;
  private readonly kinds = new Map<string, number>();
  readonly examples: string[] = [];

  constructor(readonly name: string) {}

  fail(kind: string, example: string): void {
    this.kinds.set(kind, (this.kinds.get(kind) ?? 0) + 1);
    if (this.examples.length < 3) this.examples.push(`${kind}: ${example}`);
  }

  /** Allowed by the contract, but worth a count in the report. */
  note(kind: string): void {
    this.notes.set(kind, (this.notes.get(kind) ?? 0) + 1);
  }

  private readonly notes = new Map<string, number>();

  result(extra = ''): InvariantResult {
    const violations = [...this.kinds.values()].reduce((s, n) => s + n, 0);
    const kinds = [...this.kinds].map(([k, n]) => `${n} ${k}`).join(', ');
    const notes = [...this.notes].map(([k, n]) => `${n} ${k}`).join(', ');
    return {
      name: this.name,
      checked: this.checked,
      violations,
      detail: [kinds, notes, extra].filter(Boolean).join('; '),
      examples: this.examples,
    };
  }
}

export function checkInvariants(data: SoakData): InvariantResult[] {
  const orders = data.orders.map(toOrder);
  const byAttempt = new Map(orders.flatMap((o) => o.attempts.map((a) => [a, o] as const)));
  const trades = new Map(data.trades.map((t) => [t.outTradeNo, t]));
  const tradesOf = (o: Order) => o.attempts.flatMap((a) => (trades.has(a) ? [trades.get(a)!] : []));
  // Each run as its position in paykit_hook_runs: rows come back in insertion order, which orders
  // the runs' starts exactly (the functions' clocks can disagree around a jump of the clock).
  const runs = (hook: string, key: 'orderNo' | 'refundNo') => {
    const out = new Map<string, number[]>();
    data.hookRuns.forEach((r, seq) => {
      if (r.hook !== hook) return;
      const id = str(r[key]);
      out.set(id, [...(out.get(id) ?? []), seq]);
    });
    return out;
  };
  const paidRuns = runs('onPaid', 'orderNo');
  const refundRuns = runs('onRefunded', 'refundNo');
  const results: InvariantResult[] = [];

  const lost = new Check('0 lost payments (paid at WeChat, not SUCCESS/REFUND here)');
  for (const t of data.trades.filter((t) => PAID.has(t.state))) {
    lost.checked++;
    const o = byAttempt.get(t.outTradeNo);
    if (!o) lost.fail('paid trade no order knows', t.outTradeNo);
    else if (!PAID.has(o.status)) lost.fail(`order ${o.status}`, `${o.id} (${t.outTradeNo})`);
  }
  results.push(lost.result());

  const phantom = new Check('0 phantom payments (SUCCESS/REFUND here, not paid at WeChat)');
  const closedPaid = new Check('0 orders CLOSED here but paid at WeChat');
  const expired = new Check('every expired order closed');
  for (const o of orders) {
    if (PAID.has(o.status)) {
      phantom.checked++;
      const t = o.outTradeNo ? trades.get(o.outTradeNo) : undefined;
      if (!t || !PAID.has(t.state)) phantom.fail('not paid at WeChat', `${o.id} (${t?.state ?? 'no trade'})`);
      else if (o.transactionId && t.transactionId !== o.transactionId)
        phantom.fail('other transaction', o.id);
    }
    if (o.status === 'CLOSED') {
      closedPaid.checked++;
      const paidTrade = tradesOf(o).find((t) => PAID.has(t.state));
      if (paidTrade) closedPaid.fail('paid attempt', `${o.id} (${paidTrade.outTradeNo})`);
    }
    if (o.expiresAt <= data.now) {
      expired.checked++;
      // Whatever status a half-created order may have, once expired it must end CLOSED or paid.
      if (o.status !== 'CLOSED' && !PAID.has(o.status)) expired.fail(`still ${o.status}`, o.id);
    }
  }
  results.push(phantom.result(), closedPaid.result());

  const totals = new Check('refunded totals equal to WeChat per order');
  const states = new Check('refund states agree with WeChat');
  for (const o of orders) {
    const atWechat = tradesOf(o).flatMap((t) => t.refunds);
    if (!o.refunds.length && !atWechat.length) continue;
    totals.checked++;
    const here = o.refunds.filter((r) => r.status === 'SUCCESS').reduce((s, r) => s + r.fee, 0);
    const there = atWechat.filter((r) => r.status === 'SUCCESS').reduce((s, r) => s + r.refundFee, 0);
    if (here !== there) totals.fail('totals differ', `${o.id} here ${here}, WeChat ${there}`);
    for (const r of atWechat) {
      states.checked++;
      const mine = o.refunds.find((m) => m.no === r.outRefundNo);
      if (!mine) states.fail('refund unknown here', r.outRefundNo);
      else if (mine.status !== REFUND_STATUS[r.status])
        states.fail(`${mine.status} here, ${r.status} at WeChat`, r.outRefundNo);
    }
    for (const m of o.refunds.filter((m) => !atWechat.some((r) => r.outRefundNo === m.no))) {
      states.checked++;
      if (m.status !== 'FAILED') states.fail(`${m.status} here, never reached WeChat`, m.no);
    }
  }
  results.push(totals.result(), states.result());

  // The hooks' contract is at least once: a run whose instance was killed (or that outlived its lease,
  // as clock jumps make it) is taken over after the lease and runs again, each run under its own
  // claim (counted, not a failure). More runs than claims would be a second run under one claim.
  const once = new Check('onPaid finished once per paid order (a killed run is re-run)');
  const refundOnce = new Check('onRefunded finished once per successful refund (a killed run is re-run)');
  const ordered = new Check('onRefunded never before onPaid finished (and merchant records intact)');
  const unfinished = new Check('no hook left RUNNING/PENDING after settling');
  const deliveries = new Map(data.deliveries.map((d) => [str(d._id), d]));
  for (const o of orders) {
    const paidAt = paidRuns.get(o.id) ?? [];
    if (PAID.has(o.status)) {
      once.checked++;
      if (paidAt.length > 1 && o.claims >= paidAt.length) once.note('re-run after its lease ran out');
      else if (paidAt.length !== 1)
        once.fail(paidAt.length ? 'ran more than once' : 'never ran', `${o.id} ×${paidAt.length}`);
      unfinished.checked++;
      if (o.hook !== 'DONE') unfinished.fail(`onPaid ${o.hook ?? 'missing'}`, o.id);
      else if (str(deliveries.get(o.id)?.status) !== 'DELIVERED')
        ordered.fail('delivery record missing', o.id);
    } else if (paidAt.length) once.fail('ran for an unpaid order', o.id);
    for (const r of o.refunds) {
      const at = refundRuns.get(r.no) ?? [];
      if (r.status === 'SUCCESS') {
        refundOnce.checked++;
        unfinished.checked++;
        if (at.length > 1 && r.claims >= at.length) refundOnce.note('re-run after its lease ran out');
        else if (at.length !== 1)
          refundOnce.fail(at.length ? 'ran more than once' : 'never ran', `${r.no} ×${at.length}`);
        if (r.hook !== 'DONE') unfinished.fail(`onRefunded ${r.hook ?? 'missing'}`, r.no);
      } else if (at.length) refundOnce.fail(`ran for a ${r.status} refund`, r.no);
      for (const t of at) {
        ordered.checked++;
        if (!paidAt.length) ordered.fail('onRefunded without any onPaid run', r.no);
        else if (paidAt.some((p) => p > t)) ordered.fail('onPaid ran again after onRefunded', r.no);
      }
      const notes = deliveries.get(o.id)?.refunds;
      if (
        r.status === 'SUCCESS' &&
        r.hook === 'DONE' &&
        !(notes && typeof notes === 'object' && r.no in notes)
      )
        ordered.fail('refund note missing from the merchant record', r.no);
    }
  }
  results.push(once.result(), refundOnce.result(), ordered.result(), unfinished.result());

  const orphans = new Check('no orphan trades (unknown here, or left open after the order ended)');
  for (const t of data.trades) {
    orphans.checked++;
    const o = byAttempt.get(t.outTradeNo);
    if (!o) orphans.fail(`unknown to the kit (${t.state} at WeChat)`, t.outTradeNo);
    else if (OPEN.has(t.state) && (o.status !== 'NOTPAY' || o.expiresAt <= data.now))
      orphans.fail(
        `${t.state} at WeChat, order ${o.status === 'NOTPAY' ? 'expired' : o.status}`,
        t.outTradeNo,
      );
  }
  results.push(orphans.result());

  const keys = new Check('same requestKey → one order');
  const perKey = new Map<string, string[]>();
  for (const o of orders.filter((o) => o.requestKey)) {
    const k = `${o.openid}/${o.requestKey}`;
    perKey.set(k, [...(perKey.get(k) ?? []), o.id]);
  }
  // Every key a client used, whether or not the kit keeps it on the order.
  for (const k of new Set([...perKey.keys(), ...data.keyAnswers.keys()])) {
    keys.checked++;
    const stored = perKey.get(k)?.length ?? 0;
    const answered = data.keyAnswers.get(k)?.size ?? 0;
    if (stored > 1) keys.fail('several orders stored', `${k} → ${stored}`);
    else if (answered > 1) keys.fail('clients got different orders', `${k} → ${answered}`);
  }
  results.push(keys.result(), expired.result());

  const audit = new Check(
    `notification audit docs bounded (≤ ${AUDIT_DOC_LIMIT} bytes, only known attempts)`,
  );
  let largest = 0;
  for (const n of data.notifications) {
    audit.checked++;
    const size = Buffer.byteLength(JSON.stringify(n));
    largest = Math.max(largest, size);
    if (size > AUDIT_DOC_LIMIT) audit.fail('over the limit', `${str(n.outTradeNo)} ${size} bytes`);
    else if (!byAttempt.has(str(n.outTradeNo))) audit.fail('names no attempt', str(n.outTradeNo));
  }
  results.push(audit.result(`largest ${largest} bytes`));
  return results;
}
