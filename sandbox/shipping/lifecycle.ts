/**
 * What happens to an order on the sandbox clock after payment: the remind-shipping push 48 h after
 * an unshipped payment, auto-confirmation days after shipping (confirm_receive_method 1), then
 * 交易完成 with its settlement push. One timer per active order, re-armed from the tables on start
 * and whenever the clock is set; new payments are picked up by a sweep.
 */
import type { SandboxClock } from '../clock';
import { autoConfirmMs, eventPayload, type EventPusher } from './events';
import { refresh, type Found, type OrderContext } from './orders';
import { ORDER_STATE } from './store';

/** Real-time interval of the sweep that picks up new payments while the clock runs. */
const SWEEP_INTERVAL_MS = 30_000;

export class ShippingLifecycle {
  private readonly timers = new Map<string, number>();
  private interval?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly ctx: OrderContext,
    private readonly clock: SandboxClock,
    private readonly pusher: EventPusher,
  ) {}

  start(): void {
    this.clock.onSettingChanged(() => this.sweep());
    this.sweep();
    this.interval = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.interval.unref();
  }

  close(): void {
    this.closed = true;
    if (this.interval) clearInterval(this.interval);
    for (const id of this.timers.values()) this.clock.cancel(id);
    this.timers.clear();
  }

  /** Records new payments, then moves every active order as far as the clock says. */
  sweep(): void {
    if (this.closed) return;
    const { store } = this.ctx;
    const fresh = store.tradesWithoutOrder();
    if (fresh.length) store.transaction(() => fresh.forEach((t) => store.ensureOrder(t)));
    const config = this.ctx.config();
    if (fresh.length && config.enrolled && config.remindAccessApi && !store.setting('accessApiReminded')) {
      if (!store.anyShipped()) {
        store.saveSetting('accessApiReminded', String(this.ctx.now()));
        void this.pusher.push(
          'trade_manage_remind_access_api',
          eventPayload(this.ctx, 'trade_manage_remind_access_api'),
        );
      }
    }
    for (const found of store.ordersWithTrades(true)) this.step(found);
  }

  /** Moves one order through what is due now and arms its next timer. */
  step(found: Found): void {
    if (this.closed) return;
    const { store } = this.ctx;
    const config = this.ctx.config();
    const { trade } = found;
    let order = refresh(this.ctx, trade, found.order);
    const now = this.ctx.now();
    let due: number | undefined;
    if (
      order.state === ORDER_STATE.AWAITING &&
      order.reminded_at === null &&
      config.remindShippingAfterMs > 0
    ) {
      const at = (trade.time_end ?? now) + config.remindShippingAfterMs;
      if (at <= now && config.enrolled) {
        store.updateOrder(order.transaction_id, { reminded_at: now });
        order = { ...order, reminded_at: now };
        void this.pusher.push(
          'trade_manage_remind_shipping',
          eventPayload(this.ctx, 'trade_manage_remind_shipping', { trade, order }),
        );
      } else if (at > now) due = at;
    }
    if (order.state === ORDER_STATE.SHIPPED) {
      const at = (order.shipped_at ?? now) + autoConfirmMs(config, order.logistics_type);
      if (at <= now) order = this.confirmed({ trade, order }, 1);
      else due = at;
    }
    if (order.state === ORDER_STATE.CONFIRMED) {
      const at = (order.confirmed_at ?? now) + config.settlementDelayMs;
      if (at <= now) {
        const patch = { state: ORDER_STATE.COMPLETED, settled_at: now };
        store.updateOrder(order.transaction_id, patch);
        order = { ...order, ...patch };
        void this.pusher.push(
          'trade_manage_order_settlement',
          eventPayload(this.ctx, 'trade_manage_order_settlement', { trade, order }),
        );
      } else due = at;
    }
    this.arm(order.transaction_id, due, () => {
      const current = store.order(order.transaction_id);
      if (current)
        this.step({ trade: store.tradeByTransaction(order.transaction_id) ?? trade, order: current });
    });
  }

  /** 已发货 → 确认收货 (method 1 auto, 2 the payer); the settlement follows on the clock. */
  confirmed(found: Found, method: 1 | 2): Found['order'] {
    const now = this.ctx.now();
    const patch = { state: ORDER_STATE.CONFIRMED, confirmed_at: now, confirm_method: method };
    this.ctx.store.updateOrder(found.order.transaction_id, patch);
    return { ...found.order, ...patch };
  }

  private arm(transactionId: string, at: number | undefined, fire: () => void): void {
    const previous = this.timers.get(transactionId);
    if (previous !== undefined) this.clock.cancel(previous);
    this.timers.delete(transactionId);
    if (at === undefined || this.closed) return;
    // clock.at fires at once when `at` is already due; then the id must not be kept.
    const ref = { id: -1, fired: false };
    ref.id = this.clock.at(at, () => {
      ref.fired = true;
      if (this.timers.get(transactionId) === ref.id) this.timers.delete(transactionId);
      fire();
    });
    if (!ref.fired) this.timers.set(transactionId, ref.id);
  }
}
