/** What the API handlers share. `config` may be swapped at runtime by `PayService.configure`. */
import type { SandboxClock } from '../clock';
import type { PayConfig } from './config';
import type { Notifier } from './notify';
import type { PayRecords, RefundRow, TradeRow } from './records';

/** `env_id` of trades, refunds and notifications of the APIv3 emulation (their `function_name` is the
 *  notify_url): the trade store is shared with cloudPay. */
export const APIV3_ENV = '@apiv3';

/** Builds the APIv3 notification (the §3.2 envelope) of a payment or a settled refund. */
export interface V3Events {
  payment(trade: TradeRow): Record<string, unknown>;
  refund(trade: TradeRow, refund: RefundRow): Record<string, unknown>;
  /** The refund notification URL configured in the merchant platform (§3.1); empty when none is. */
  platformRefundUrl(): string;
  /** The most retries after a notification's first delivery. */
  retries(): number;
  /**
   * Waits for the handlers of deliveries WeChat stopped waiting for (no answer within its time
   * limit) that still run; true when there were any.
   */
  settleLate(): Promise<boolean>;
}

export interface PayCaller {
  appid: string;
  openid?: string;
  envId: string;
  /**
   * The calling function's config.json `permissions.openapi`, read only when asked (from disk);
   * undefined outside a function.
   */
  openapi?: () => readonly string[];
}

export interface PayContext {
  config: PayConfig;
  clock: SandboxClock;
  records: PayRecords;
  notifier: Notifier;
  v3Events?: V3Events;
}
