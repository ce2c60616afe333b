/**
 * What happens to an order on the sandbox clock after payment: the remind-shipping push 48 h after
 * an unshipped payment, auto-confirmation days after shipping (confirm_receive_method 1), then
 * 交易完成 with its settlement push. A sweep steps every active order and arms ONE clock timer at the
 * earliest next due time (thousands of per-order timers would make each clock move quadratic); it
 * runs on start, whenever the clock is set, at that timer, and every 30 s to pick up new payments.
 */
import type { SandboxClock } from '../clock';
import { autoConfirmMs, eventPayload, type EventPusher } from './events';
import { refresh, type Found, type OrderContext } from './orders';
import { ORDER_STATE } from './store';

/** Real-time interval of the sweep that picks up new payments while the clock runs. */
const SWEEP_INTERVAL_MS = 30_000;
/** Reference §4: an account that takes payments but never shipped is reminded daily. */
const ACCESS_API_REMINDER_EVERY_MS = 24 * 3600_000;

export class ShippingLifecycle {
  /** The one clock timer, and when it fires. */
  private timer?: { id: number; at: number };
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
    if (this.timer) this.clock.cancel(this.timer.id);
    this.timer = undefined;
  }

  /** Records new payments, then moves every active order as far as the clock says. */
  sweep(): void {
    if (this.closed) return;
    const { store } = this.ctx;
    const recorded = store.recordNewPayments();
    const config = this.ctx.config();
    // Reference §4: at the first trade, then daily while the account has trades but never shipped.
    const last = store.setting('accessApiReminded');
    const due =
      last === undefined ? recorded > 0 : Number(last) + ACCESS_API_REMINDER_EVERY_MS <= this.ctx.now();
    if (due && config.enrolled && config.remindAccessApi && !store.anyShipped()) {
      store.saveSetting('accessApiReminded', String(this.ctx.now()));
      void this.pusher.push(
        'trade_manage_remind_access_api',
        eventPayload(this.ctx, 'trade_manage_remind_access_api'),
      );
    }
    store.markRefunds();
    const times = () => ({
      now: this.ctx.now(),
      remind: config.enrolled ? config.remindShippingAfterMs : 0,
      express: autoConfirmMs(config, 1),
      other: autoConfirmMs(config, 3),
      settle: config.settlementDelayMs,
    });
    for (const id of store.dueOrders(times()).due) {
      const order = store.order(id);
      const trade = store.tradeByTransaction(id);
      if (order && trade) this.advance({ trade, order });
    }
    this.armAt(store.dueOrders(times()).next ?? Infinity, true);
  }

  /** Moves one order through what is due now and makes sure the timer comes for its next step. */
  step(found: Found): void {
    if (this.closed) return;
    const due = this.advance(found);
    if (due !== undefined) this.armAt(due, false);
  }

  /** Carries out what is due for one order now; answers when its next step falls due. */
  private advance(found: Found): number | undefined {
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
        store.updateOrder(order.transaction_id, { reminded_at: at });
        order = { ...order, reminded_at: at };
        // Reference §4: only an account that has shipped before is reminded per order; one that
        // never shipped gets the daily trade_manage_remind_access_api instead.
        if (store.anyShipped()) {
          void this.pusher.push(
            'trade_manage_remind_shipping',
            eventPayload(this.ctx, 'trade_manage_remind_shipping', { trade, order }),
          );
        }
      } else if (at > now) due = at;
    }
    if (order.state === ORDER_STATE.SHIPPED) {
      const at = (order.shipped_at ?? now) + autoConfirmMs(config, order.logistics_type);
      // Dated when it fell due, however far the clock jumped past it.
      if (at <= now) order = this.confirmed({ trade, order }, 1, at);
      else due = at;
    }
    if (order.state === ORDER_STATE.CONFIRMED) {
      const at = (order.confirmed_at ?? now) + config.settlementDelayMs;
      if (at <= now) {
        const patch = { state: ORDER_STATE.COMPLETED, settled_at: at };
        store.updateOrder(order.transaction_id, patch);
        order = { ...order, ...patch };
        void this.pusher.push(
          'trade_manage_order_settlement',
          eventPayload(this.ctx, 'trade_manage_order_settlement', { trade, order }),
        );
      } else due = at;
    }
    return due;
  }

  /** 已发货 → 确认收货 (method 1 auto, 2 the payer); the settlement follows on the clock. */
  confirmed(found: Found, method: 1 | 2, at = this.ctx.now()): Found['order'] {
    const patch = { state: ORDER_STATE.CONFIRMED, confirmed_at: at, confirm_method: method };
    this.ctx.store.updateOrder(found.order.transaction_id, patch);
    return { ...found.order, ...patch };
  }

  /** Arms the timer at `at` (a sweep re-arms it; a single order only brings it forward). */
  private armAt(at: number, replace: boolean): void {
    if (this.closed || (!replace && this.timer && this.timer.at <= at)) return;
    if (this.timer) this.clock.cancel(this.timer.id);
    this.timer = undefined;
    if (!Number.isFinite(at)) return;
    // Every due step was carried out, so `at` lies ahead and clock.at does not fire at once.
    const timer = { id: -1, at };
    this.timer = timer;
    timer.id = this.clock.at(at, () => {
      if (this.timer === timer) this.timer = undefined;
      this.sweep();
    });
  }
}
