/**
 * The kit's server configuration, in one place. Values come from the function's environment
 * variables (set in the cloud console under 云函数 → 配置 → 环境变量, or by `npm run deploy`), so
 * the same bundle runs in the sandbox and in the cloud.
 *
 * | variable                   | meaning                                            | default         |
 * |----------------------------|----------------------------------------------------|-----------------|
 * | PAYKIT_SUB_MCH_ID          | your WeChat Pay merchant number (特约商户号)          | required        |
 * | PAYKIT_PAY_CALLBACK        | function WeChat calls after a payment              | payCallback     |
 * | PAYKIT_REFUND_CALLBACK     | function WeChat calls after a refund               | refundCallback  |
 * | PAYKIT_ORDER_TTL_MINUTES   | how long an unpaid order stays payable             | 30              |
 * | PAYKIT_BODY_PREFIX         | shown on the payer's receipt before the item names | (empty)         |
 * | PAYKIT_ADMIN_OPENIDS       | comma-separated openids of merchant admins         | (none)          |
 */
import { ServerError } from './errors';

export interface ServerConfig {
  subMchId: string;
  payCallback: string;
  refundCallback: string;
  orderTtlMs: number;
  bodyPrefix: string;
  adminOpenids: string[];
}

export function loadServerConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const subMchId = (env.PAYKIT_SUB_MCH_ID ?? '').trim();
  if (!/^\d{8,32}$/.test(subMchId)) {
    throw new ServerError(
      'NOT_CONFIGURED',
      subMchId
        ? `PAYKIT_SUB_MCH_ID "${subMchId}" is not a merchant number (digits only)`
        : 'PAYKIT_SUB_MCH_ID is not set: add your merchant number to the function environment variables',
    );
  }
  const ttlMinutes = Number(env.PAYKIT_ORDER_TTL_MINUTES ?? 30);
  if (!Number.isInteger(ttlMinutes) || ttlMinutes < 1 || ttlMinutes > 60 * 24 * 7) {
    throw new ServerError(
      'NOT_CONFIGURED',
      'PAYKIT_ORDER_TTL_MINUTES must be a whole number of minutes, 1 to 10080',
    );
  }
  return {
    subMchId,
    payCallback: env.PAYKIT_PAY_CALLBACK || 'payCallback',
    refundCallback: env.PAYKIT_REFUND_CALLBACK || 'refundCallback',
    orderTtlMs: ttlMinutes * 60_000,
    bodyPrefix: env.PAYKIT_BODY_PREFIX ?? '',
    adminOpenids: (env.PAYKIT_ADMIN_OPENIDS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  };
}
