/**
 * Transitions that happen after an API call, on the sandbox clock: a payment completing (now, or when a
 * slow payment settles), a refund settling, and the callbacks they send. Timers are re-armed
 * from the tables on start().
 */
import { APIV3_ENV, type PayContext } from './context';
import { paymentEvent, refundEvent } from './events';
import { REFUND_RESULT, type ApiFaults } from './faults';
import { transactionId } from './ids';
import type { RefundRow, RefundStatus, TradeRow } from './records';

export class TradeLifecycle {
  private readonly timers = new Set<number>();
  private closed = false;

  constructor(
    private readonly ctx: PayContext,
    private readonly faults: ApiFaults,
  ) {}

  start(): void {
    for (const trade of this.ctx.records.tradesPaying()) this.armSlowPayer(trade);
    for (const refund of this.ctx.records.refundsProcessing()) this.armRefund(refund);
  }

  close(): void {
    this.closed = true;
    for (const id of this.timers) this.ctx.clock.cancel(id);
    this.timers.clear();
  }

  /** NOTPAY → SUCCESS, then the payment callback. */
  markPaid(trade: TradeRow): void {
    // The trade, its notification and the first attempt's start: one commit.
    this.ctx.records.transaction(() => this.pay(trade));
  }

  private pay(trade: TradeRow): void {
    const { records, config, clock } = this.ctx;
    const current = records.trade(trade.sub_mch_id, trade.out_trade_no);
    // A trade closed while its slow payment was settling is not paid.
    if (!current || current.state !== 'NOTPAY') return;
    const now = clock.now();
    const paid: TradeRow = {
      ...current,
      state: 'SUCCESS',
      transaction_id: transactionId(now),
      time_end: now,
      bank_type: config.bankType,
      paying_until: null,
    };
    records.updateTrade(trade.sub_mch_id, trade.out_trade_no, {
      state: paid.state,
      transaction_id: paid.transaction_id,
      time_end: paid.time_end,
      bank_type: paid.bank_type,
      paying_until: null,
    });
    // Reference §10.1: callbacks come only for successful payments.
    if (paid.env_id && paid.function_name) {
      this.ctx.notifier.enqueue({
        kind: 'payment',
        subMchId: paid.sub_mch_id,
        outTradeNo: paid.out_trade_no,
        envId: paid.env_id,
        functionName: paid.function_name,
        event:
          paid.env_id === APIV3_ENV && this.ctx.v3Events
            ? this.ctx.v3Events.payment(paid)
            : paymentEvent(config, paid),
      });
    }
  }

  /**
   * The pay sheet said paid but the payment settles later (a slow bank): the trade stays NOTPAY, as
   * queries show it, until paying_until (reference §11.1: USERPAYING is for 付款码 payments only).
   */
  startSlowPayment(trade: TradeRow): void {
    const until = this.ctx.clock.now() + this.ctx.config.slowPayerMs;
    this.ctx.records.updateTrade(trade.sub_mch_id, trade.out_trade_no, { paying_until: until });
    this.armSlowPayer({ ...trade, paying_until: until });
  }

  private armSlowPayer(trade: TradeRow): void {
    this.at(trade.paying_until ?? this.ctx.clock.now(), () => this.markPaid(trade));
  }

  /** A refund was accepted: settle it now or when its processing time is over. */
  armRefund(refund: RefundRow): void {
    this.at(refund.settle_at ?? this.ctx.clock.now(), () => this.settleRefund(refund));
  }

  private settleRefund(refund: RefundRow): void {
    const { records, config, clock, notifier } = this.ctx;
    const current = records.refund(refund.sub_mch_id, refund.out_refund_no);
    if (!current || current.status !== 'PROCESSING') return;
    // A `refundResult` fault turns the outcome into REFUNDCLOSE or CHANGE (reference §7).
    const fault = this.faults.take(REFUND_RESULT);
    const status: RefundStatus =
      fault?.error === 'REFUNDCLOSE' || fault?.error === 'CHANGE' ? fault.error : 'SUCCESS';
    const now = clock.now();
    const settled: RefundRow = {
      ...current,
      status,
      success_at: status === 'SUCCESS' ? now : null,
      settle_at: null,
    };
    records.transaction(() => {
      records.updateRefund(current.sub_mch_id, current.out_refund_no, {
        status,
        success_at: settled.success_at,
        settle_at: null,
      });
      if (status === 'REFUNDCLOSE') {
        const trade = records.trade(current.sub_mch_id, current.out_trade_no);
        if (trade) {
          records.updateTrade(trade.sub_mch_id, trade.out_trade_no, {
            refunded_fee: trade.refunded_fee - current.refund_fee,
          });
        }
      }
    });
    const trade = records.trade(current.sub_mch_id, current.out_trade_no);
    if (trade && settled.env_id && settled.function_name) {
      notifier.enqueue({
        kind: 'refund',
        subMchId: settled.sub_mch_id,
        outTradeNo: settled.out_trade_no,
        outRefundNo: settled.out_refund_no,
        envId: settled.env_id,
        functionName: settled.function_name,
        event:
          settled.env_id === APIV3_ENV && this.ctx.v3Events
            ? this.ctx.v3Events.refund(trade, settled)
            : refundEvent(config, trade, settled),
      });
    }
  }

  private at(time: number, fire: () => void): void {
    if (this.closed) return;
    // clock.at fires synchronously when `time` is already due, before it has returned the id.
    const ref = { id: -1, fired: false };
    ref.id = this.ctx.clock.at(time, () => {
      ref.fired = true;
      this.timers.delete(ref.id);
      if (!this.closed) fire();
    });
    if (!ref.fired) this.timers.add(ref.id);
  }
}
