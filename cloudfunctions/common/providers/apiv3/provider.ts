/**
 * The `apiv3` adapter: WeChat Pay with the merchant's own keys (reference §4–§8, §12). WeChat's
 * errors keep their meaning: a platform failure is the retryable PAY_PROVIDER_ERROR, a refused
 * signature or an appid–mchid mismatch is NOT_CONFIGURED, and the message carries WeChat's own
 * `code` and `message` (and `detail` when there is one).
 */
import { createHash } from 'crypto';
import { gunzipSync, gzipSync } from 'zlib';
import { beijingStamp } from '../../beijing';
import { billNotReady, noSuchBillDay } from '../../bill/errors';
import { ServerError } from '../../errors';
import type { InvocationTime } from '../../invocation-time';
import { prepayExpiry, truncateUtf8, type Prepay } from '../../model';
import type {
  CloseOutcome,
  PayProvider,
  PrepayRequest,
  RefundRefusal,
  RefundRequest,
  RefundState,
  RefundStatus,
  TradeState,
  TradeStatus,
} from '../../provider';
import { ApiV3Client, WechatPayError } from './client';
import type { ApiV3Config } from './config';
import { nonceStr, paySignMessage, rsaSign } from './crypto';

const TRADE_STATES: TradeState[] = [
  'NOTPAY',
  'USERPAYING',
  'SUCCESS',
  'CLOSED',
  'REFUND',
  'PAYERROR',
  'REVOKED',
];
/** v3 refund statuses in the kit's (v2) terms. */
const REFUND_STATES: Record<string, RefundState> = {
  SUCCESS: 'SUCCESS',
  CLOSED: 'REFUNDCLOSE',
  PROCESSING: 'PROCESSING',
  ABNORMAL: 'CHANGE',
};
/**
 * The codes that mean the merchant's configuration is wrong, not the request, with what to put right
 * (§1.3 and §15: the serial and key sign every request; §8.3 for the others).
 */
const CONFIGURATION_FIXES: Record<string, string> = {
  SIGN_ERROR:
    'PAYKIT_MCH_SERIAL_NO must be the 证书序列号 of the API certificate whose private key the functions have ' +
    '(secrets/apiclient_key.pem, or PAYKIT_MCH_PRIVATE_KEY), issued to the merchant PAYKIT_MCHID',
  APPID_MCHID_NOT_MATCH: 'bind PAYKIT_APPID to PAYKIT_MCHID in 商户平台 → 产品中心 → AppID账号管理',
  MCH_NOT_EXISTS: 'PAYKIT_MCHID must be your merchant number (商户号)',
  NO_AUTH: 'the merchant PAYKIT_MCHID lacks the product: apply for it in 商户平台 → 产品中心',
  NOAUTH: 'the merchant PAYKIT_MCHID lacks the product: apply for it in 商户平台 → 产品中心',
};

/** §2.3, §15: a `Wechatpay-Serial` WeChat does not know is refused 400 (INVALID_REQUEST, or PARAM_ERROR) naming the header. */
const WRONG_PUBLIC_KEY_ID =
  'PAYKIT_WECHATPAY_PUBLIC_KEY_ID must be the id shown with the WeChat Pay public key ' +
  '(PUB_KEY_ID_…, 商户平台 → 账户中心 → API安全 → 微信支付公钥)';

/** What to put right when WeChat refused the call for the merchant's configuration; undefined otherwise. */
function configurationFix(err: WechatPayError, fixes = CONFIGURATION_FIXES): string | undefined {
  if (Object.prototype.hasOwnProperty.call(fixes, err.code)) return fixes[err.code];
  if (err.status === 401) return CONFIGURATION_FIXES.SIGN_ERROR;
  const said = `${err.message} ${JSON.stringify(err.detail ?? '')}`;
  if (err.status === 400 && /Wechatpay-Serial/i.test(said)) return WRONG_PUBLIC_KEY_ID;
  return undefined;
}

/** A refund's configuration codes say the refund permission is what is missing (§8.3 NO_AUTH, MCH_NOT_EXISTS). */
const REFUND_CONFIGURATION_FIX =
  'the merchant number (PAYKIT_MCHID) must be the one paid to, with the refund permission granted in the merchant platform (产品中心)';
const REFUND_CONFIGURATION_FIXES: Record<string, string> = Object.fromEntries(
  Object.keys(CONFIGURATION_FIXES).map((code) => [code, REFUND_CONFIGURATION_FIX]),
);

/**
 * The refund codes that turn the refund itself down (§8.3 Refund: the balance short, the payer's
 * account abnormal, a business rule such as more than is left or the order too old), with the older
 * spelling of NOT_ENOUGH. PARAM_ERROR, NO_AUTH, RESOURCE_NOT_EXISTS and the like are not.
 */
const BUSINESS_REFUSALS = ['NOT_ENOUGH', 'NOTENOUGH', 'USER_ACCOUNT_ABNORMAL', 'INVALID_REQUEST'];

/** A refused refund's error as a business refusal of the refund, in WeChat's words, when it is one. */
function businessRefusal(err: WechatPayError): Pick<RefundRefusal, 'business'> {
  if (!BUSINESS_REFUSALS.includes(err.code)) return {};
  return {
    business: { reason: (err.message || err.code).slice(0, 200), notEnough: /^NOT_?ENOUGH$/.test(err.code) },
  };
}

/** RFC 3339 in Beijing time: 2024-03-15T10:30:00+08:00. */
export function rfc3339(ms: number): string {
  const s = beijingStamp(ms);
  return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(8, 10)}:${s.slice(10, 12)}:${s.slice(12, 14)}+08:00`;
}

/** What a failed call means for the kit. */
export function providerFailure(api: string, err: unknown): ServerError {
  if (err instanceof ServerError) return err;
  if (!(err instanceof WechatPayError))
    return new ServerError('PAY_PROVIDER_ERROR', `${api}: WeChat Pay did not answer; try again`);
  const detail = err.detail === undefined ? '' : ` ${JSON.stringify(err.detail).slice(0, 300)}`;
  const said = `${api}: ${err.code} ${err.message}${detail}`;
  const fix = configurationFix(err);
  if (fix)
    return new ServerError(
      'NOT_CONFIGURED',
      `WeChat Pay refused the merchant configuration: ${said}; ${fix}`,
    );
  const retry = err.status === 429 || err.status >= 500 ? '; try again' : '';
  const failure = new ServerError('PAY_PROVIDER_ERROR', `${said}${retry}`);
  // §8.3: 429 FREQUENCY_LIMITED means back off, not ask again at once.
  if (err.status === 429) failure.rateLimited = true;
  return failure;
}

export class ApiV3Provider implements PayProvider {
  readonly name = 'apiv3';
  readonly client: ApiV3Client;

  constructor(
    readonly config: ApiV3Config,
    time: InvocationTime,
  ) {
    this.client = new ApiV3Client(config, time);
  }

  get merchantId(): string {
    return this.config.mchid;
  }

  private async call<T>(api: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw providerFailure(api, err);
    }
  }

  private json<T>(answer: { body: Buffer }): T {
    return JSON.parse(answer.body.toString('utf8')) as T;
  }

  async createPrepay(req: PrepayRequest): Promise<Prepay> {
    const now = Date.now();
    const { prepay_id: prepayId } = await this.call('jsapi', async () =>
      this.json<{ prepay_id: string }>(
        await this.client.call('POST', '/v3/pay/transactions/jsapi', {
          appid: this.config.appid,
          mchid: this.config.mchid,
          description: truncateUtf8(req.body, 127),
          out_trade_no: req.outTradeNo,
          time_expire: rfc3339(req.expiresAt),
          notify_url: this.config.notifyUrl,
          amount: { total: req.totalFee, currency: 'CNY' },
          payer: { openid: req.openid },
          ...(req.attach ? { attach: req.attach } : {}),
        }),
      ),
    ).catch((err: ServerError) => {
      if (/ORDER_CLOSED/.test(err.message))
        throw new ServerError('ORDER_CLOSED', 'the order is closed at WeChat Pay');
      throw err;
    });
    if (typeof prepayId !== 'string' || !prepayId) {
      throw new ServerError('PAY_PROVIDER_ERROR', 'jsapi: WeChat Pay answered without a prepay_id');
    }
    const timeStamp = String(Math.floor(now / 1000));
    const nonce = nonceStr();
    const pkg = `prepay_id=${prepayId}`;
    return {
      prepayId,
      prepayExpiresAt: prepayExpiry(now, req.expiresAt),
      // appId is signed but not passed to wx.requestPayment (reference §4.3).
      payment: {
        timeStamp,
        nonceStr: nonce,
        package: pkg,
        signType: 'RSA',
        paySign: rsaSign(paySignMessage(this.config.appid, timeStamp, nonce, pkg), this.config.privateKey),
      },
    };
  }

  async queryTrade(outTradeNo: string): Promise<TradeStatus> {
    const path = `/v3/pay/transactions/out-trade-no/${encodeURIComponent(outTradeNo)}?mchid=${this.config.mchid}`;
    let trade: {
      trade_state?: string;
      transaction_id?: string;
      success_time?: string;
      mchid?: string;
      appid?: string;
      amount?: { total?: number };
    };
    try {
      trade = this.json(await this.client.call('GET', path));
    } catch (err) {
      if (err instanceof WechatPayError && (err.code === 'ORDER_NOT_EXIST' || err.code === 'ORDERNOTEXIST')) {
        return { outTradeNo, state: 'NOTFOUND' };
      }
      throw providerFailure('query', err);
    }
    const state = TRADE_STATES.find((s) => s === trade.trade_state);
    if (!state)
      throw new ServerError('PAY_PROVIDER_ERROR', `query: unknown trade state ${String(trade.trade_state)}`);
    return {
      outTradeNo,
      state,
      ...(typeof trade.amount?.total === 'number' ? { totalFee: trade.amount.total } : {}),
      ...(trade.transaction_id ? { transactionId: trade.transaction_id } : {}),
      ...(trade.success_time ? { paidAt: Date.parse(trade.success_time) } : {}),
      ...(trade.mchid ? { merchantId: trade.mchid } : {}),
    };
  }

  async closeTrade(outTradeNo: string): Promise<CloseOutcome> {
    try {
      await this.client.call(
        'POST',
        `/v3/pay/transactions/out-trade-no/${encodeURIComponent(outTradeNo)}/close`,
        {
          mchid: this.config.mchid,
        },
      );
      return 'CLOSED';
    } catch (err) {
      if (err instanceof WechatPayError) {
        const said = `${err.code} ${err.message}`;
        if (/ORDER_?PAID|已支付/.test(said)) return 'PAID';
        if (/ORDER_CLOSED|已关闭/.test(said)) return 'CLOSED';
        if (/ORDER_?NOT_?EXIST|不存在/.test(said)) return 'NOTFOUND';
        if (/5\s*分钟|5 minutes|TOO_EARLY/i.test(said)) return 'TOO_EARLY';
      }
      throw providerFailure('close', err);
    }
  }

  async refund(req: RefundRequest): Promise<{ refundId: string } | RefundRefusal> {
    try {
      const answer = this.json<{ refund_id?: string }>(
        await this.client.call('POST', '/v3/refund/domestic/refunds', {
          out_trade_no: req.outTradeNo,
          out_refund_no: req.outRefundNo,
          ...(req.reason ? { reason: req.reason } : {}),
          notify_url: this.config.refundNotifyUrl,
          amount: { refund: req.refundFee, total: req.totalFee, currency: 'CNY' },
        }),
      );
      return { refundId: String(answer.refund_id ?? '') };
    } catch (err) {
      // A platform failure may or may not have been carried out: the caller retries with the same number.
      if (err instanceof WechatPayError && err.status < 500 && err.status !== 429 && err.status !== 401) {
        const reason = `${err.code} ${err.message}`;
        const fix = configurationFix(err, REFUND_CONFIGURATION_FIXES);
        if (fix) return { refused: true, reason, misconfigured: `${reason}; ${fix}` };
        return { refused: true, reason, ...businessRefusal(err) };
      }
      throw providerFailure('refund', err);
    }
  }

  async queryRefund(outRefundNo: string): Promise<RefundStatus> {
    let refund: {
      status?: string;
      refund_id?: string;
      success_time?: string;
      out_trade_no?: string;
      amount?: { refund?: number };
    };
    try {
      refund = this.json(
        await this.client.call('GET', `/v3/refund/domestic/refunds/${encodeURIComponent(outRefundNo)}`),
      );
    } catch (err) {
      if (err instanceof WechatPayError && err.code === 'RESOURCE_NOT_EXISTS')
        return { outRefundNo, state: 'NOTFOUND' };
      throw providerFailure('refund query', err);
    }
    return {
      outRefundNo,
      state: REFUND_STATES[refund.status ?? ''] ?? 'UNKNOWN',
      ...(typeof refund.amount?.refund === 'number' ? { refundFee: refund.amount.refund } : {}),
      ...(refund.refund_id ? { refundId: refund.refund_id } : {}),
      ...(refund.success_time ? { succeededAt: Date.parse(refund.success_time) } : {}),
      ...(refund.out_trade_no ? { outTradeNo: refund.out_trade_no } : {}),
    };
  }

  /** Apply, download (unsigned), check the SHA-1 of the uncompressed bill, hand on the gzip bytes. */
  async downloadBill(billDate: string): Promise<Buffer | null> {
    const day = `${billDate.slice(0, 4)}-${billDate.slice(4, 6)}-${billDate.slice(6, 8)}`;
    let applied: { hash_type?: string; hash_value?: string; download_url?: string };
    try {
      applied = this.json(
        await this.client.call('GET', `/v3/bill/tradebill?bill_date=${day}&bill_type=ALL&tar_type=GZIP`),
      );
    } catch (err) {
      if (err instanceof WechatPayError) {
        if (err.code === 'NO_STATEMENT_EXIST') return null;
        const said = `${err.code} ${err.message}`;
        if (err.code === 'STATEMENT_CREATING') throw billNotReady(billDate, said);
        // §7.4: INVALID_REQUEST is a bill_date out of range; a refused Wechatpay-Serial stays NOT_CONFIGURED.
        if (err.code === 'INVALID_REQUEST' && !configurationFix(err)) throw noSuchBillDay(billDate, said);
      }
      throw providerFailure('tradebill', err);
    }
    if (!applied.download_url || !applied.hash_value) {
      throw new ServerError(
        'PAY_PROVIDER_ERROR',
        'tradebill: WeChat Pay answered without download_url or hash_value',
      );
    }
    // The download URL names WeChat's host; the request goes to the configured one (the sandbox's, in tests).
    const url = new URL(applied.download_url);
    const bytes = await this.call('billdownload', () => this.client.download(url.pathname + url.search));
    const isGzip = bytes.length > 1 && bytes[0] === 0x1f && bytes[1] === 0x8b;
    const text = isGzip ? gunzipSync(bytes) : bytes;
    const sha1 = createHash('sha1').update(text).digest('hex');
    if (sha1 !== applied.hash_value.toLowerCase()) {
      throw new ServerError(
        'PAY_PROVIDER_ERROR',
        `billdownload: the bill's SHA-1 ${sha1} is not ${applied.hash_value}; try again`,
      );
    }
    return isGzip ? bytes : gzipSync(text);
  }
}
