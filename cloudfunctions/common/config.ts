/**
 * The kit's server configuration, in one place. Values come from the function's environment
 * variables (set in the cloud console under 云函数 → 配置 → 环境变量, or by `npm run deploy`), so
 * the same bundle runs in the sandbox and in the cloud. Secrets that do not fit the 4 KB a
 * function's environment may hold (the merchant private key) are files packaged with the function.
 *
 * | variable                   | meaning                                              | default        |
 * |----------------------------|------------------------------------------------------|----------------|
 * | PAYKIT_PROVIDER            | `apiv3` (the merchant's own keys) or `cloudpay`      | cloudpay       |
 * | PAYKIT_ORDER_TTL_MINUTES   | how long an unpaid order stays payable               | 30             |
 * | PAYKIT_BODY_PREFIX         | shown on the payer's receipt before the item names   | (empty)        |
 * | PAYKIT_ADMIN_OPENIDS       | comma-separated openids of merchant admins           | (none)         |
 * | cloudpay: PAYKIT_SUB_MCH_ID | your WeChat Pay merchant number (特约商户号)           | required       |
 * | cloudpay: PAYKIT_PAY_CALLBACK / PAYKIT_REFUND_CALLBACK | functions cloudPay calls | payCallback / refundCallback |
 * | apiv3: see providers/apiv3/config.ts                                                             |
 */
import { ServerError } from './errors';
import { loadApiV3Config, type ApiV3Config } from './providers/apiv3/config';

export interface CloudPayConfig {
  subMchId: string;
  payCallback: string;
  refundCallback: string;
}

export type ProviderConfig =
  { name: 'cloudpay'; cloudpay: CloudPayConfig } | { name: 'apiv3'; apiv3: ApiV3Config };

export interface ServerConfig {
  provider: ProviderConfig;
  orderTtlMs: number;
  bodyPrefix: string;
  adminOpenids: string[];
}

export const PROVIDERS = ['cloudpay', 'apiv3'] as const;

/**
 * The configuration of `env`; `functionDir` is the function's folder (where its index.js is), which
 * relative key file paths such as `secrets/apiclient_key.pem` start from.
 */
export function loadServerConfig(
  env: NodeJS.ProcessEnv = process.env,
  functionDir = process.cwd(),
): ServerConfig {
  const ttlMinutes = Number(env.PAYKIT_ORDER_TTL_MINUTES ?? 30);
  // At least 2: an order's expiry is its prepay's time_expire, which WeChat takes only a minute or
  // more after the unifiedOrder, whole seconds (cloudPay refused every order of a 1-minute lifetime).
  if (!Number.isInteger(ttlMinutes) || ttlMinutes < 2 || ttlMinutes > 60 * 24 * 7) {
    throw new ServerError(
      'NOT_CONFIGURED',
      'PAYKIT_ORDER_TTL_MINUTES must be a whole number of minutes, 2 to 10080',
    );
  }
  return {
    provider: loadProviderConfig(env, functionDir),
    orderTtlMs: ttlMinutes * 60_000,
    bodyPrefix: env.PAYKIT_BODY_PREFIX ?? '',
    adminOpenids: (env.PAYKIT_ADMIN_OPENIDS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  };
}

/**
 * Nothing says which provider: a function deployed with no environment yet. cloudPay is the default
 * only for the merchants already bound to it; a new merchant cannot bind one, so the message leads
 * with APIv3 rather than asking for a cloudPay merchant number they cannot have.
 */
const NO_PROVIDER =
  'no pay provider is configured: a new merchant sets PAYKIT_PROVIDER=apiv3 and its APIv3 variables ' +
  '(README, "Going live with APIv3"); a merchant already bound to cloudPay (云开发) sets PAYKIT_SUB_MCH_ID';

function loadProviderConfig(env: NodeJS.ProcessEnv, functionDir: string): ProviderConfig {
  const name = (env.PAYKIT_PROVIDER ?? 'cloudpay').trim() || 'cloudpay';
  if (name === 'apiv3') return { name, apiv3: loadApiV3Config(env, functionDir) };
  if (name !== 'cloudpay') {
    throw new ServerError(
      'NOT_CONFIGURED',
      `PAYKIT_PROVIDER "${name}" is not one of ${PROVIDERS.join(', ')}`,
    );
  }
  const subMchId = (env.PAYKIT_SUB_MCH_ID ?? '').trim();
  if (!subMchId && !env.PAYKIT_PROVIDER?.trim()) throw new ServerError('NOT_CONFIGURED', NO_PROVIDER);
  if (!/^\d{8,32}$/.test(subMchId)) {
    throw new ServerError(
      'NOT_CONFIGURED',
      subMchId
        ? `PAYKIT_SUB_MCH_ID "${subMchId}" is not a merchant number (digits only)`
        : 'PAYKIT_SUB_MCH_ID is not set: add your merchant number to the function environment variables',
    );
  }
  return {
    name,
    cloudpay: {
      subMchId,
      payCallback: env.PAYKIT_PAY_CALLBACK || 'payCallback',
      refundCallback: env.PAYKIT_REFUND_CALLBACK || 'refundCallback',
    },
  };
}
