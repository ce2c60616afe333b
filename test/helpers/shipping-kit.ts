/**
 * The kit's shipping functions in a sandbox (node-environment suites): a paid order of a catalogue
 * sku, the sweep run on its timer, and the order as WeChat's shipping emulation sees it.
 */
import type { ShipmentPackage, ShippingState } from '../../typings/paykit/shipping';
import { get, post } from './control';
import type { KitClient } from './kit';

/** The stored shipping record (cloudfunctions/common/shipping-states.ts), as the tests read it. */
export interface StoredShipping {
  state: ShippingState;
  count: number;
  shipments: Array<{ method: string; packages: ShipmentPackage[]; local: boolean; by: string }>;
  retry?: { attempts: number; lastError: string } | null;
}

export interface StoredOrder {
  _id: string;
  status: string;
  transactionId: string;
  delivery: string;
  shipping?: StoredShipping;
}

export interface PaidKitOrder {
  orderNo: string;
  transactionId: string;
}

/** WeChat's get_order state of an order, as the emulation reports it. */
export interface WeChatShippingOrder {
  transaction_id: string;
  order_state: number;
  shipping?: { finish_shipping_count?: number; logistics_type?: number };
}

/** One package of an express shipment with tracking number `trackingNo` (ZTO). */
export const zto = (trackingNo: string, itemDesc = '乌龙茶'): ShipmentPackage => ({
  itemDesc,
  trackingNo,
  expressCompany: 'ZTO',
});

export class ShippingKit {
  constructor(
    readonly kit: KitClient,
    readonly buyer: string,
  ) {}

  /** `sku` bought and paid by the buyer; resolves once the kit has it as SUCCESS. */
  async paid(sku: string): Promise<PaidKitOrder> {
    const placed = await this.kit.ok(this.buyer, 'unifiedOrder', { items: [{ sku, quantity: 1 }] });
    await this.kit.payAndConfirm(this.buyer, placed);
    const order = await this.stored(placed.orderNo);
    return { orderNo: placed.orderNo, transactionId: order.transactionId };
  }

  /**
   * A paid order WeChat already knows (its short window of 10060001 after payment passed); the
   * sweep the move may fire has finished (it ships virtual goods and asks about shipped orders).
   */
  async paidAndKnown(sku: string): Promise<PaidKitOrder> {
    const order = await this.paid(sku);
    const { unknownWindowMs } = await get<{ unknownWindowMs: number }>(
      `${this.kit.base}/sandbox/shipping/config`,
    );
    await this.kit.moveClock('advance', { ms: unknownWindowMs + 1000 });
    return order;
  }

  async stored(orderNo: string): Promise<StoredOrder> {
    const order = await this.kit.order<StoredOrder>(orderNo);
    if (!order) throw new Error(`no order ${orderNo}`);
    return order;
  }

  /** Moves the clock on by `ms` and waits for the timers that fell due (the sweep) to finish. */
  async sweepAfter(ms: number): Promise<void> {
    await this.kit.moveClock('advance', { ms });
    await post(`${this.kit.base}/sandbox/shipping/settle`, {});
  }

  /** The order as WeChat's shipping management has it. */
  async atWeChat(transactionId: string): Promise<WeChatShippingOrder | undefined> {
    const { orders } = await get<{ orders: WeChatShippingOrder[] }>(
      `${this.kit.base}/sandbox/shipping/orders?transactionId=${encodeURIComponent(transactionId)}`,
    );
    return orders[0];
  }

  shippingConfig(patch: Record<string, unknown>): Promise<Record<string, unknown>> {
    return post(`${this.kit.base}/sandbox/shipping/config`, patch);
  }
}
