/**
 * Knobs of the APIv3 emulation. Where the reference says UNCONFIRMED (§13, §15) the alternatives are
 * selectable; the defaults are the documented or most-reported behaviour.
 */
import { settingsPatchProblem } from '../../settings';

export interface V3Config {
  /** §15 notify_url scheme rule: `https` only, https plus loopback http (sandbox default), or any. */
  notifyUrlSchemes: 'https' | 'https+loopback' | 'any';
  /** §15: a request's `Wechatpay-Serial` naming no key of the merchant: INVALID_REQUEST (docs) or PARAM_ERROR. */
  wrongSerialCode: 'INVALID_REQUEST' | 'PARAM_ERROR';
  /** §2.3/§11: the key that signs the answer to a request without `Wechatpay-Serial`: the platform
   *  certificate (WeChat; a public-key-only merchant cannot verify it, §15) or the merchant's mode. */
  answerKeyWithoutSerial: 'platformCertificate' | 'signMode';
  /** §15: `/v3/certificates` for a merchant without platform certificates: 404 (default), 500 or 403. */
  certificatesWithoutPlatformCert: 404 | 500 | 403;
  /** §1.3 UNCONFIRMED: reject requests whose timestamp is this many seconds off; 0 = no check. */
  requestTimestampWindowSec: number;
  /** §1.3 UNCONFIRMED: refuse a nonce seen before (within the timestamp window). */
  rejectReplayedNonce: boolean;
  /** §1.1 UNCONFIRMED: refuse a request without a User-Agent header. */
  requireUserAgent: boolean;
  /** §1.1: newer pages forbid JSON `null` (omit the field instead); older ones say nothing. */
  rejectJsonNull: boolean;
  /** §1.3 UNCONFIRMED: `mchid` of the body/query must equal the Authorization's. */
  mchidMustMatchAuthorization: boolean;
  /** §4.2/§5.4 UNCONFIRMED: `code` for "order already paid". */
  orderPaidCode: 'ORDER_PAID' | 'ORDERPAID';
  /** §8.2/§15: PARAM_ERROR carries `detail` (`location`, often `value`: what real answers mostly show);
   *  false answers it without any detail, as some real answers do (clients must not assume it). */
  paramErrorDetail: boolean;
  /** §4.2 UNCONFIRMED: the error of a re-entry with other parameters: 400 INVALID_REQUEST (error
   *  tables), 403 OUT_TRADE_NO_USED (商户订单号重复, what v2 answers) or 400 PARAM_ERROR. */
  reentryMismatchCode: 'INVALID_REQUEST' | 'OUT_TRADE_NO_USED' | 'PARAM_ERROR';
  /** §5.4 OBS: closing an unknown out_trade_no answers 204 (observed) or 404 ORDER_NOT_EXIST. */
  closeUnknownOrder: 204 | 404;
  /** §7.4 UNCONFIRMED: NO_STATEMENT_EXIST as 400 (docs) or 404. */
  noStatementStatus: 400 | 404;
  /** §7.1 UNCONFIRMED: how long a download_url works (30 s on older pages, 5 min on newer). */
  billTokenTtlMs: number;
  /** §1.5: host of download_url: the production host (what node-v3 needs) or the sandbox's own URL. */
  billDownloadHost: 'production' | 'sandbox';
  /** §13 UNCONFIRMED: sign 4xx/5xx answers too (clients ignore it). */
  signErrorAnswers: boolean;
  /** §3.6: an answer slower than this counts as a failure. */
  notifyTimeoutMs: number;
  /** §3.6/§11: retries after the first delivery on the 15s/15s/30s/…/6h/6h schedule. The 15 intervals
   *  span the documented 24h4m only as 15 retries (16 deliveries); 14 reads "at most 15 notifications"
   *  as 15 deliveries in all (the last at 18h4m). */
  notifyRetries: number;
  /** §2.4: share (0..1) of notifications preceded by a `WECHATPAY/SIGNTEST/` probe expecting non-2xx. */
  signProbeRate: number;
  /** §2.3 switch-over: share (0..1) of notifications signed with `PUB_KEY_ID_…` while the merchant is in
   *  certificate mode (1 = all, as after the gray release). */
  notifyPublicKeyShare: number;
  /** §3.1: the refund notification URL configured in the merchant platform, for refunds requested
   *  without notify_url; empty = none configured (no notification). */
  refundNotifyUrl: string;
  /** §4.1: time_expire bounds (≥ 1 minute after the order, clamped to 90 days; default 7 days). */
  minTimeExpireMs: number;
  maxTimeExpireMs: number;
  defaultTimeExpireMs: number;
}

export const DEFAULT_V3_CONFIG: V3Config = {
  notifyUrlSchemes: 'https+loopback',
  wrongSerialCode: 'INVALID_REQUEST',
  answerKeyWithoutSerial: 'platformCertificate',
  certificatesWithoutPlatformCert: 404,
  requestTimestampWindowSec: 0,
  rejectReplayedNonce: false,
  requireUserAgent: false,
  rejectJsonNull: false,
  mchidMustMatchAuthorization: true,
  orderPaidCode: 'ORDER_PAID',
  paramErrorDetail: true,
  reentryMismatchCode: 'INVALID_REQUEST',
  closeUnknownOrder: 204,
  noStatementStatus: 400,
  billTokenTtlMs: 5 * 60_000,
  billDownloadHost: 'production',
  signErrorAnswers: false,
  notifyTimeoutMs: 5000,
  notifyRetries: 15,
  signProbeRate: 0,
  notifyPublicKeyShare: 0,
  refundNotifyUrl: '',
  minTimeExpireMs: 60_000,
  maxTimeExpireMs: 90 * 24 * 3600_000,
  defaultTimeExpireMs: 7 * 24 * 3600_000,
};

/** The values each choice-valued setting takes (numbers for the status-code ones). */
const CHOICES: Partial<Record<keyof V3Config, readonly string[]>> = {
  notifyUrlSchemes: ['https', 'https+loopback', 'any'],
  wrongSerialCode: ['INVALID_REQUEST', 'PARAM_ERROR'],
  answerKeyWithoutSerial: ['platformCertificate', 'signMode'],
  orderPaidCode: ['ORDER_PAID', 'ORDERPAID'],
  reentryMismatchCode: ['INVALID_REQUEST', 'OUT_TRADE_NO_USED', 'PARAM_ERROR'],
  billDownloadHost: ['production', 'sandbox'],
};
const STATUS_CHOICES: Partial<Record<keyof V3Config, readonly number[]>> = {
  certificatesWithoutPlatformCert: [404, 500, 403],
  closeUnknownOrder: [204, 404],
  noStatementStatus: [400, 404],
};
const SHARES: ReadonlyArray<keyof V3Config> = ['signProbeRate', 'notifyPublicKeyShare'];
/** The retry schedule (§3.6) has 15 intervals. */
const MAX_NOTIFY_RETRIES = 15;

function also(key: keyof V3Config, value: unknown, show: string): string | undefined {
  const statuses = STATUS_CHOICES[key];
  if (statuses)
    return statuses.includes(value as number)
      ? undefined
      : `${key} must be one of ${statuses.join(', ')}; got ${show}`;
  if (SHARES.includes(key))
    return (value as number) <= 1 ? undefined : `${key} must be a share from 0 to 1; got ${show}`;
  if (typeof value !== 'number') return undefined;
  if (!Number.isSafeInteger(value)) return `${key} must be a whole number ≥ 0; got ${show}`;
  if (key === 'notifyRetries' && value > MAX_NOTIFY_RETRIES)
    return `notifyRetries must be at most ${MAX_NOTIFY_RETRIES} (the schedule's intervals); got ${show}`;
  if ((key === 'notifyTimeoutMs' || key === 'billTokenTtlMs') && value < 1)
    return `${key} must be ≥ 1; got ${show}`;
  return undefined;
}

/**
 * Why a patch of the settings is wrong (an unknown key, a value of the wrong type or out of its
 * choices, naming what is expected), or undefined when it is fine; the same check as the pay settings.
 */
export function v3ConfigProblem(patch: Record<string, unknown>): string | undefined {
  return settingsPatchProblem({ defaults: DEFAULT_V3_CONFIG, choices: CHOICES, numbers: 'any', also }, patch);
}
