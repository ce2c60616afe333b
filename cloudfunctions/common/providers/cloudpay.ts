/**
 * The `cloudpay` adapter: WeChat Pay through `cloud.cloudPay.*` of wx-server-sdk. The SDK always
 * reports `errCode: 0`, so success is judged by returnCode, resultCode and tradeState only.
 */
import cloud, { type CloudPayResult } from 'wx-server-sdk';
import type { CloudPayConfig } from '../config';
import { ServerError } from '../errors';
import { beijingStamp, parseBeijing } from '../beijing';
import { billNotReady, noSuchBillDay } from '../bill/errors';
import { nonce } from '../ids';
import { answerWithin, type InvocationTime } from '../invocation-time';
import { prepayExpiry } from '../model';
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
} from '../provider';

const TRADE_STATES: TradeState[] = [
  'NOTPAY',
  'USERPAYING',
  'SUCCESS',
  'CLOSED',
  'REFUND',
  'PAYERROR',
  'REVOKED',
];

export class CloudPayProvider implements PayProvider {
  readonly name = 'cloudpay';

  get merchantId(): string {
    return this.config.subMchId;
  }

  constructor(
    private readonly config: CloudPayConfig,
    private readonly envId: string,
    /** Each call waits only as long as its function's time allows (invocation-time.ts). */
    private readonly time: InvocationTime,
  ) {}

  /** One cloudPay call, within the invocation's time. */
  private platform<T>(api: string, call: () => Promise<T>): Promise<T> {
    return platform(api, this.time.payWaitMs(`cloudPay.${api}`), call);
  }

  async createPrepay(req: PrepayRequest) {
    const now = Date.now();
    const res = await this.platform('unifiedOrder', () =>
      cloud.cloudPay.unifiedOrder({
        body: req.body,
        outTradeNo: req.outTradeNo,
        totalFee: req.totalFee,
        spbillCreateIp: '127.0.0.1',
        subMchId: this.config.subMchId,
        envId: this.envId,
        functionName: this.config.payCallback,
        nonceStr: nonce(),
        tradeType: 'JSAPI',
        subOpenid: req.openid,
        timeExpire: beijingStamp(req.expiresAt),
        ...(req.attach ? { attach: req.attach } : {}),
      }),
    );
    if (res.returnCode !== 'SUCCESS' || res.resultCode !== 'SUCCESS' || !res.payment || !res.prepayId) {
      throw providerError('unifiedOrder', res);
    }
    return {
      prepayId: res.prepayId,
      prepayExpiresAt: prepayExpiry(now, req.expiresAt),
      payment: res.payment,
    };
  }

  async queryTrade(outTradeNo: string): Promise<TradeStatus> {
    const res = await this.platform('queryOrder', () =>
      cloud.cloudPay.queryOrder({
        subMchId: this.config.subMchId,
        outTradeNo,
        nonceStr: nonce(),
      }),
    );
    if (!found('queryOrder', res, /ORDERNOTEXIST|不存在/)) return { outTradeNo, state: 'NOTFOUND' };
    const state = TRADE_STATES.find((s) => s === res.tradeState);
    if (!state)
      throw new ServerError(
        'PAY_PROVIDER_ERROR',
        `queryOrder: unknown trade state ${String(res.tradeState)}`,
      );
    return {
      outTradeNo,
      state,
      totalFee: typeof res.totalFee === 'number' ? res.totalFee : undefined,
      transactionId: res.transactionId || undefined,
      paidAt: res.timeEnd ? parseBeijing(res.timeEnd) : undefined,
      ...(res.subMchId ? { merchantId: res.subMchId } : {}),
    };
  }

  async closeTrade(outTradeNo: string): Promise<CloseOutcome> {
    const res = await this.platform('closeOrder', () =>
      cloud.cloudPay.closeOrder({
        subMchId: this.config.subMchId,
        outTradeNo,
        nonceStr: nonce(),
      }),
    );
    if (res.returnCode !== 'SUCCESS') throw providerError('closeOrder', res);
    if (res.resultCode === 'SUCCESS') return 'CLOSED';
    const reason = `${res.errCodeDes ?? ''} ${String(res.resultMsg ?? '')}`;
    if (/ORDERPAID|已支付/.test(reason)) return 'PAID';
    if (/ORDERCLOSED|已关闭/.test(reason)) return 'CLOSED';
    if (/ORDERNOTEXIST|不存在/.test(reason)) return 'NOTFOUND';
    if (/5\s*分钟|5 minutes|TOO_EARLY/i.test(reason)) return 'TOO_EARLY';
    throw providerError('closeOrder', res);
  }

  async refund(req: RefundRequest): Promise<{ refundId: string } | RefundRefusal> {
    const res = await this.platform('refund', () =>
      cloud.cloudPay.refund({
        subMchId: this.config.subMchId,
        outTradeNo: req.outTradeNo,
        outRefundNo: req.outRefundNo,
        totalFee: req.totalFee,
        refundFee: req.refundFee,
        envId: this.envId,
        functionName: this.config.refundCallback,
        nonceStr: nonce(),
        ...(req.reason ? { refundDesc: req.reason } : {}),
      }),
    );
    // The binding or the refund permission missing: refused, never made (the caller confirms it
    // with a query), and answered as the configuration to put right.
    if (MISCONFIGURED.test(said(res))) {
      return { refused: true, reason: said(res), misconfigured: `${said(res)}; ${BINDING_FIX}` };
    }
    if (res.returnCode !== 'SUCCESS') throw providerError('refund', res);
    if (res.resultCode !== 'SUCCESS') {
      const reason = `${res.errCodeDes || res.returnMsg || 'refused'}`;
      // A system error may or may not have been carried out: the caller retries with the same number.
      if (/SYSTEMERROR|BIZERR_NEED_RETRY|系统/.test(reason)) throw providerError('refund', res);
      return { refused: true, reason, ...businessRefusal(reason) };
    }
    return { refundId: String(res.refundId ?? '') };
  }

  async queryRefund(outRefundNo: string): Promise<RefundStatus> {
    const res = await this.platform('queryRefund', () =>
      cloud.cloudPay.queryRefund({
        subMchId: this.config.subMchId,
        outRefundNo,
        nonceStr: nonce(),
      }),
    );
    if (!found('queryRefund', res, /REFUNDNOTEXIST|不存在|退款订单查询失败/))
      return { outRefundNo, state: 'NOTFOUND' };
    const item = refundItem(res, outRefundNo);
    if (!item) return { outRefundNo, state: 'UNKNOWN' };
    const state = item.state as RefundState;
    return {
      outRefundNo,
      state: ['PROCESSING', 'SUCCESS', 'REFUNDCLOSE', 'CHANGE'].includes(state) ? state : 'UNKNOWN',
      refundFee: typeof item.fee === 'number' ? item.fee : Number(item.fee) || undefined,
      refundId: String(item.refundId ?? '') || undefined,
      succeededAt: typeof item.time === 'string' && item.time ? parseBeijing(item.time) : undefined,
      outTradeNo: typeof res.outTradeNo === 'string' && res.outTradeNo ? res.outTradeNo : undefined,
    };
  }

  async refundNumbers(outTradeNo: string): Promise<string[] | undefined> {
    const numbers: string[] = [];
    // Ten a page (reference §7); a trade takes at most 50 refunds, so this ends within six asks.
    for (;;) {
      const res = await this.platform('queryRefund', () =>
        cloud.cloudPay.queryRefund({
          subMchId: this.config.subMchId,
          outTradeNo,
          nonceStr: nonce(),
          ...(numbers.length ? { offset: numbers.length } : {}),
        }),
      );
      if (!found('queryRefund', res, /REFUNDNOTEXIST|不存在|退款订单查询失败/)) return numbers;
      const page = listedRefundNumbers(res);
      if (!page) return undefined;
      numbers.push(...page);
      if (!page.length || numbers.length >= (Number(res.totalRefundCount) || 0)) return numbers;
    }
  }

  async downloadBill(billDate: string): Promise<Buffer | null> {
    const res = await this.platform('downloadBill', () =>
      cloud.cloudPay.downloadBill({
        subMchId: this.config.subMchId,
        billDate,
        billType: 'ALL',
        tarType: 'GZIP',
        nonceStr: nonce(),
      }),
    );
    if (Buffer.isBuffer(res.data)) return res.data;
    const returnMsg = `${res.returnMsg ?? ''}`;
    if (/No Bill Exist/i.test(returnMsg)) return null;
    if (/Bill Creating/i.test(returnMsg)) throw billNotReady(billDate, said(res));
    if (/invalid bill_date/i.test(returnMsg)) throw noSuchBillDay(billDate, said(res));
    throw providerError('downloadBill', res);
  }
}

/**
 * One cloudPay call, waited for `waitMs` at most (Infinity: the SDK's own timeout alone). The
 * platform itself failing (a timeout, a system error, a rate limit) throws from the SDK; that is
 * WeChat not answering, which the caller may retry, not a bug of the kit. The SDK takes no timeout
 * for a cloudPay call (its request waits the instance's, 15 s unless cloud.init set another), so the
 * kit stops waiting by itself: the request, left to end on its own, may still be carried out, as
 * after a cut connection.
 */
async function platform<T>(api: string, waitMs: number, call: () => Promise<T>): Promise<T> {
  try {
    return await answerWithin(waitMs, call);
  } catch (err) {
    const code = (err as { errCode?: unknown }).errCode;
    throw new ServerError(
      'PAY_PROVIDER_ERROR',
      `${api}: WeChat Pay did not answer${typeof code === 'number' || typeof code === 'string' ? ` (${code})` : ''}; try again`,
    );
  }
}

/**
 * One refund's fields in a queryRefund answer. Cloud answers them as `…List` arrays (sometimes
 * empty: reference pitfall 12); the v2 API as `refund_status_$n` fields, which the SDK camel-cases
 * to `refundStatus_$n`. Undefined when the answer does not show the refund: inconclusive.
 */
function refundItem(
  res: CloudPayResult,
  outRefundNo: string,
): { state: unknown; fee: unknown; refundId: unknown; time: unknown } | undefined {
  const i = asList(res.outRefundNoList).indexOf(outRefundNo);
  if (i >= 0) {
    return {
      state: asList(res.refundStatusList)[i],
      fee: asList(res.refundFeeList)[i],
      refundId: asList(res.refundIdList)[i],
      time: asList(res.refundSuccessTimeList)[i],
    };
  }
  const fields = res as Record<string, unknown>;
  const count = Math.min(Number(fields.refundCount) || 0, 50);
  for (let n = 0; n < count; n++) {
    if (fields[`outRefundNo_${n}`] !== outRefundNo) continue;
    return {
      state: fields[`refundStatus_${n}`],
      fee: fields[`refundFee_${n}`],
      refundId: fields[`refundId_${n}`],
      time: fields[`refundSuccessTime_${n}`],
    };
  }
  return undefined;
}

/**
 * The refund numbers one page of a queryRefund answer lists, as `…List` arrays or v2 `_$n` fields;
 * undefined when it counts refunds it does not show (reference pitfall 12): inconclusive.
 */
function listedRefundNumbers(res: CloudPayResult): string[] | undefined {
  const fields = res as Record<string, unknown>;
  const count = Math.min(Number(fields.refundCount) || 0, 10);
  const listed = asList(res.outRefundNoList).filter((n): n is string => typeof n === 'string' && !!n);
  const indexed = Array.from({ length: count }, (_, n) => fields[`outRefundNo_${n}`]).filter(
    (n): n is string => typeof n === 'string' && !!n,
  );
  const numbers = listed.length ? listed : indexed;
  return numbers.length === count ? numbers : undefined;
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A query's answer: true when it found the record, false when WeChat has none; throws otherwise. */
function found(api: string, res: CloudPayResult, notFound: RegExp): boolean {
  if (res.returnCode !== 'SUCCESS') throw providerError(api, res);
  if (res.resultCode === 'SUCCESS') return true;
  if (notFound.test(`${res.errCodeDes ?? ''}`)) return false;
  throw providerError(api, res);
}

/**
 * The refusals of WeChat's refund error table that turn the refund itself down (§11.5: NOTENOUGH,
 * USER_ACCOUNT_ABNORMAL, TRADE_OVERDUE, ERROR such as more than is left to refund), told by
 * err_code_des since the SDK drops err_code (§1): WeChat's wording, or the code where that is all
 * the description says. Rate limits (FREQUENCY_LIMITED, INVALID_REQ_TOO_MUCH) and permission or
 * parameter errors are not among them.
 */
const BUSINESS_REFUSAL =
  /余额不足|NOTENOUGH|注销|[账帐][户号]异常|USER_ACCOUNT_ABNORMAL|退款请求失败|超过退款期限|TRADE_OVERDUE|可退金额|全额退款|退款次数/;
/** NOTENOUGH: the merchant's refundable balance is short (基本账户余额不足，请充值后重新发起). */
const NOT_ENOUGH = /余额不足|NOTENOUGH/;

/** A refusal's err_code_des as a business refusal of the refund, when it is one. */
function businessRefusal(said: string): Pick<RefundRefusal, 'business'> {
  return BUSINESS_REFUSAL.test(said)
    ? { business: { reason: said.slice(0, 200), notEnough: NOT_ENOUGH.test(said) } }
    : {};
}

/**
 * WeChat's answers that say the merchant's binding is wrong, not the request (reference §2 and
 * pitfall 10): the merchant number not bound to the cloud environment's service provider, no
 * sub_mch_id, JSAPI or API-refund permission not granted (NOAUTH). Asking again changes nothing
 * until the merchant puts it right, so they are NOT_CONFIGURED, with what to do.
 */
const MISCONFIGURED =
  /受理关系不存在|受理机构必须传入sub_mch_id|未授权服务商的产品权限|商户无此接口权限|NOAUTH/;
const BINDING_FIX =
  "the merchant number (PAYKIT_SUB_MCH_ID) must be added in the cloud console (设置 > 全局设置), its super admin must confirm the binding to service provider 1800008281 小程序云开发, and grant JSAPI payment and API refunds in the merchant platform (我的授权产品); a mini-program that cannot bind a merchant for cloudPay (no new one can) pays with the merchant's own keys instead: PAYKIT_PROVIDER=apiv3 (README: Going live with APIv3)";

/** What WeChat said of a failed call, in its own words. */
const said = (res: { returnMsg?: string; errCodeDes?: string }) =>
  `${res.errCodeDes || res.returnMsg || 'failed'}`;

function providerError(api: string, res: { returnMsg?: string; errCodeDes?: string }): ServerError {
  if (MISCONFIGURED.test(said(res))) {
    return new ServerError(
      'NOT_CONFIGURED',
      `WeChat Pay refused the merchant configuration: ${api}: ${said(res)}; ${BINDING_FIX}`,
    );
  }
  return new ServerError('PAY_PROVIDER_ERROR', `${api}: ${said(res)}`);
}
