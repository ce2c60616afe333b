/** What the v3 handlers share: the cloudPay emulation's context plus the merchant and v3 settings. */
import type { MerchantProfile } from '../../merchant';
import type { PayContext } from '../context';
import type { TradeLifecycle } from '../lifecycle';
import type { V3Config } from './config';
import type { RefundFunds } from './refund-funds';

export interface V3Scope {
  ctx: PayContext;
  lifecycle: TradeLifecycle;
  merchant: MerchantProfile;
  config: V3Config;
  /** funds_account and amount.from of the v3 refunds (§6). */
  refundFunds: RefundFunds;
  /** The mchid the request's Authorization was signed for. */
  authMchid: string;
}
