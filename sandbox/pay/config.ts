/**
 * Knobs of the simulated WeChat Pay. Facts from the reference are defaults; where the reference says
 * UNCONFIRMED the alternative behaviours are selectable here.
 */
import { settingsPatchProblem } from '../settings';
import type { SignType } from './sign';

export interface PayConfig {
  /** The cloud-dev service provider (服务商) that owns every cloudPay trade (reference §2). */
  providerMchId: string;
  /** The provider's own appid, answered as `appid` (reference §2, observed). */
  providerAppid: string;
  /** The mini-program's appid (sub_appid) for calls whose request and caller carry none. */
  subAppId: string;
  /** The provider's APIv2 key: signs answers and `paySign` (merchants cannot recompute it in reality). */
  apiKey: string;
  /** Sign type of answers and `payment.signType` (observed `MD5`). */
  signType: SignType;
  /** No close within this long after the order was created (reference §5: 5 minutes). */
  closeWindowMs: number;
  /** A prepay_id is valid this long (reference §3.2: 2 hours). */
  prepayLifetimeMs: number;
  /** `time_expire` must lie at least this far after the request (reference §11.3: ≥ 1 minute). */
  minTimeExpireMs: number;
  /** Waits between callback deliveries after a failure (reference §11.6: 15 retries, 24h4m). */
  retryScheduleMs: number[];
  /** How long the payment of a payer acting `slow` takes to settle (the trade stays NOTPAY meanwhile). */
  slowPayerMs: number;
  /** Acceptance → SUCCESS of a refund; 0 settles it at once, otherwise it is PROCESSING meanwhile. */
  refundProcessingMs: number;
  /** Minimum time between two refunds of one order (reference §6: ≥ 1 minute); 0 disables. */
  refundIntervalMs: number;
  /** At most this many refunds per order (reference §6: 50). */
  maxRefundsPerOrder: number;
  /** Orders older than this cannot be refunded (reference §6: 1 year). */
  refundWindowMs: number;
  /** Fee rate charged per payment (bill 手续费/费率); 0.006 prints as `0.60%`. */
  feeRate: number;
  /** `bank_type` of payments (observed `OTHERS`). */
  bankType: string;
  /** UNCONFIRMED (§5): `refuse` = result_code FAIL (SYSTEMERROR-style), `silentSuccess` = answer SUCCESS
   *  but leave the order NOTPAY (community report), `close` = no window at all. */
  closeWithin5MinBehaviour: 'refuse' | 'silentSuccess' | 'close';
  /** Closing an already closed order: `ORDERCLOSED` (error table) or `SUCCESS` (idempotent). */
  closeClosedOrder: 'ORDERCLOSED' | 'SUCCESS';
  /** UNCONFIRMED (§11.2): re-entry with identical params returns the still-valid prepay_id (else a new one). */
  sameParamsReturnsSamePrepay: boolean;
  /** Request fields compared on re-entry; any difference answers INVALID_REQUEST `201 商户订单号重复`.
   *  `time_expire` is compared only when the re-entry sends it. */
  reentryFields: string[];
  /** Re-entry on a NOTPAY order whose time_expire has passed: `201` (observed) or a fresh prepay. */
  reentryAfterExpire: 'INVALID_REQUEST' | 'allow';
  /** Reference §14 #11: the doc sample omits them; developers report errors without them. */
  requireNonceStr: boolean;
  requireTradeType: boolean;
  /** UNCONFIRMED (§8.3): whether downloadBill's text keeps the UTF-8 BOM. */
  billKeepsBom: boolean;
  /** UNCONFIRMED (§8.5): whether the last line ends with CRLF (the sandbox fixture does). */
  billTrailingCrlf: boolean;
  /** `production`: count as integer, money 2 decimals, fee 5; `sandbox`: floats like the fixture (`45.0`). */
  billNumberStyle: 'production' | 'sandbox';
  /** UNCONFIRMED (§8.5): 公众账号ID column: the provider's appid or the mini-program's. */
  billAppidColumn: 'provider' | 'sub';
  /** UNCONFIRMED (§8.5): 商户号/特约商户号 = provider/sub-merchant, or sub-merchant/`0`. */
  billMchColumns: 'provider-sub' | 'sub-zero';
  /** 用户标识 column: the payer's openid under the mini-program (`sub`) or under the provider. */
  billOpenidColumn: 'sub' | 'provider';
  /** Bill of day D is available from this hour (Beijing) on D+1 (reference §8.1: 10:00). */
  billAvailableHour: number;
  /** Bills older than this many months are gone (reference §8.1: 3). */
  billHistoryMonths: number;
  /** UNCONFIRMED (§7): queryRefund's per-refund data as filled `_list` arrays, as empty arrays (seen once), or
   *  as v2 `_$n` fields. */
  queryRefundStyle: 'lists' | 'emptyLists' | 'indexed';
  /** UNCONFIRMED (§10.2): refund callback event = decrypted req_info fields merged in (camelCase), or the
   *  outer notification with `reqInfo` still encrypted (AES-256-ECB, key md5(apiKey)). */
  refundEventShape: 'decrypted' | 'encrypted';
  /** UNCONFIRMED (§10.1): add `userInfo: {appId, openId}` to the payment callback event. */
  paymentEventUserInfo: boolean;
  /** Add a v2 `sign` to callback events (the cloud-run example has none). */
  callbackEventSign: boolean;
  /** Real ms a `TIMEOUT` fault waits before it fails (the SDK's own timeout may fire first). */
  timeoutFaultDelayMs: number;
  /** Sub-merchants bound to the provider; empty = any. Others get `受理关系不存在`. */
  authorizedSubMchIds: string[];
  /** Whether the sub-merchant granted the refund permission (else `特约子商户商户号未授权服务商的产品权限`). */
  refundAuthorized: boolean;
  /**
   * UNCONFIRMED (§2, config.json): whether a function may call `cloudPay.<api>` only when its
   * config.json lists it in `permissions.openapi`; refused with -604101 otherwise.
   */
  cloudPayNeedsPermission: boolean;
  /**
   * UNCONFIRMED (§3.1): a unifiedOrder with neither `openid` nor `subOpenid` is the invoking user's
   * (their OPENID as `sub_openid`). Off, it needs one like any JSAPI order (`JSAPI支付必须传openid`),
   * which a timer or a function called by another without a user meets either way.
   */
  payerFromCaller: boolean;
}

export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [
  15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600,
].map((s) => s * 1000);

export const DEFAULT_PAY_CONFIG: PayConfig = {
  providerMchId: '1800008281',
  providerAppid: 'wxd2d16a504f24665e',
  subAppId: '',
  apiKey: 'PaykitSandboxV2Key0123456789abcd',
  signType: 'MD5',
  closeWindowMs: 5 * 60_000,
  prepayLifetimeMs: 2 * 3600_000,
  minTimeExpireMs: 60_000,
  retryScheduleMs: [...DEFAULT_RETRY_SCHEDULE_MS],
  slowPayerMs: 30_000,
  refundProcessingMs: 0,
  refundIntervalMs: 60_000,
  maxRefundsPerOrder: 50,
  refundWindowMs: 365 * 24 * 3600_000,
  feeRate: 0.006,
  bankType: 'OTHERS',
  closeWithin5MinBehaviour: 'refuse',
  closeClosedOrder: 'ORDERCLOSED',
  sameParamsReturnsSamePrepay: true,
  reentryFields: [
    'total_fee',
    'fee_type',
    'body',
    'trade_type',
    'openid',
    'sub_openid',
    'sub_appid',
    'attach',
    'detail',
    'goods_tag',
    'limit_pay',
    'profit_sharing',
    'time_expire',
  ],
  reentryAfterExpire: 'INVALID_REQUEST',
  requireNonceStr: true,
  requireTradeType: true,
  billKeepsBom: true,
  billTrailingCrlf: true,
  billNumberStyle: 'production',
  billAppidColumn: 'provider',
  billMchColumns: 'provider-sub',
  billOpenidColumn: 'sub',
  billAvailableHour: 10,
  billHistoryMonths: 3,
  queryRefundStyle: 'lists',
  refundEventShape: 'decrypted',
  paymentEventUserInfo: false,
  callbackEventSign: false,
  timeoutFaultDelayMs: 0,
  authorizedSubMchIds: [],
  refundAuthorized: true,
  cloudPayNeedsPermission: false,
  payerFromCaller: true,
};

export function resolveConfig(patch?: Partial<PayConfig>): PayConfig {
  return { ...DEFAULT_PAY_CONFIG, ...patch };
}

/** The values each choice-valued knob takes (for checking a patch from the control API). */
const CHOICES: Partial<Record<keyof PayConfig, readonly string[]>> = {
  signType: ['MD5', 'HMAC-SHA256'],
  closeWithin5MinBehaviour: ['refuse', 'silentSuccess', 'close'],
  closeClosedOrder: ['ORDERCLOSED', 'SUCCESS'],
  reentryAfterExpire: ['INVALID_REQUEST', 'allow'],
  billNumberStyle: ['production', 'sandbox'],
  billAppidColumn: ['provider', 'sub'],
  billMchColumns: ['provider-sub', 'sub-zero'],
  billOpenidColumn: ['sub', 'provider'],
  queryRefundStyle: ['lists', 'emptyLists', 'indexed'],
  refundEventShape: ['decrypted', 'encrypted'],
};

/**
 * Checks a patch against the knobs and their types; answers the reason it is wrong, naming the
 * valid keys or values, or undefined when it is fine.
 */
export function configPatchProblem(patch: Record<string, unknown>): string | undefined {
  return settingsPatchProblem({ defaults: DEFAULT_PAY_CONFIG, choices: CHOICES, numbers: 'any' }, patch);
}
