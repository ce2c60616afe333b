/**
 * `POST /v3/refund/domestic/refunds` and its query (reference §6), through the cloudPay emulation's
 * refund rules (amount bounds, idempotent out_refund_no, ≥ 1 minute apart, at most 50, PROCESSING →
 * SUCCESS/CLOSED/ABNORMAL on the clock): the v3 request is read here, the v2 rule's answer mapped to
 * the v3 error model.
 */
import { PayApiFailure, type Fields } from '../answers';
import { APIV3_ENV } from '../context';
import type { RefundRow } from '../records';
import { refund as refundRule } from '../refunds';
import { invalidRequest, paramError, V3Error } from './errors';
import { checkNotifyUrl, NOTIFY_URL } from './orders';
import { refundAnswer } from './resources';
import type { V3Scope } from './scope';
import { readArray, readInteger, readObject, readText, type Json } from './validate';

const OUT_REFUND_NO = /^[0-9A-Za-z_\-|*@]{1,64}$/;

/** v2 err_code → v3 status and code (§8.3 Refund). */
function mapFailure(errCode: string, des: string): V3Error {
  switch (errCode) {
    case 'ORDERNOTEXIST':
      return new V3Error(404, 'RESOURCE_NOT_EXISTS', des === '订单未支付' ? '订单未支付' : '订单号不存在');
    case 'FREQUENCY_LIMITED':
      return new V3Error(429, 'FREQUENCY_LIMITED', des);
    case 'NOTENOUGH':
      return new V3Error(403, 'NOT_ENOUGH', des);
    default:
      return invalidRequest(des);
  }
}

export function createRefund(scope: V3Scope, body: Json): { answer: Json; created: boolean } {
  const { ctx, merchant } = scope;
  const transactionId = readText(body, { path: 'transaction_id', label: '微信支付订单号', maxBytes: 32 });
  const outTradeNo = readText(body, { path: 'out_trade_no', label: '商户订单号', maxBytes: 32 });
  const outRefundNo = readText(body, {
    path: 'out_refund_no',
    label: '商户退款单号',
    required: true,
    pattern: OUT_REFUND_NO,
  }) as string;
  const reason = readText(body, { path: 'reason', label: '退款原因', maxBytes: 80 });
  const notifyUrl = readText(body, {
    path: 'notify_url',
    label: '退款结果回调url',
    maxBytes: 256,
    pattern: NOTIFY_URL,
  });
  const funds = readText(body, { path: 'funds_account', label: '退款资金来源', maxBytes: 32 });
  readObject(body, { path: 'amount', label: '金额信息', required: true });
  const refundFee = readInteger(body, { path: 'amount/refund', label: '退款金额', required: true }) as number;
  const total = readInteger(body, { path: 'amount/total', label: '原订单金额', required: true }) as number;
  const currency = readText(body, {
    path: 'amount/currency',
    label: '退款币种',
    required: true,
    maxBytes: 16,
  });
  if (transactionId === undefined && outTradeNo === undefined) {
    throw paramError('transaction_id和out_trade_no必须填写其中一个', { location: 'body' });
  }
  if (currency !== 'CNY') throw paramError('退款币种只支持CNY', { location: 'body', value: currency });
  if (funds !== undefined && funds !== 'AVAILABLE' && funds !== 'UNSETTLED') {
    throw paramError('退款资金来源取值错误', { location: 'body', value: funds });
  }
  const from = readFrom(body);
  if (refundFee <= 0 || total <= 0) throw paramError('退款金额必须大于0', { location: 'body' });
  if (notifyUrl !== undefined) checkNotifyUrl(scope, notifyUrl, 'notify_url', '退款结果回调url');
  const notifyAt = notifyUrl ?? (scope.config.refundNotifyUrl || undefined);
  const mchid = merchant.mchid;
  let answer: Fields;
  let created: RefundRow | undefined;
  try {
    ({ answer, created } = refundRule(ctx, {
      sub_mch_id: mchid,
      nonce_str: 'v3',
      ...(transactionId !== undefined ? { transaction_id: transactionId } : { out_trade_no: outTradeNo }),
      out_refund_no: outRefundNo,
      total_fee: total,
      refund_fee: refundFee,
      ...(reason !== undefined ? { refund_desc: reason } : {}),
      // §3.1: without notify_url the refund is notified at the platform-configured URL (a setting).
      ...(notifyAt !== undefined ? { env_id: APIV3_ENV, function_name: notifyAt } : {}),
    }));
  } catch (err) {
    if (!(err instanceof PayApiFailure)) throw err;
    answer = err.fields;
  }
  if (answer.return_code !== 'SUCCESS') throw paramError(String(answer.return_msg), { location: 'body' });
  if (answer.result_code !== 'SUCCESS')
    throw mapFailure(String(answer.err_code), String(answer.err_code_des));
  const row = created ?? ctx.records.refund(mchid, outRefundNo);
  const trade = row && ctx.records.trade(mchid, row.out_trade_no);
  if (!row || !trade) throw new V3Error(500, 'SYSTEM_ERROR', '系统错误');
  if (created) {
    scope.refundFunds.save(mchid, outRefundNo, { fundsAccount: funds ?? 'AVAILABLE', from });
  }
  const result = refundAnswer(trade, row, scope.refundFunds.get(mchid, outRefundNo));
  if (created) scope.lifecycle.armRefund(created);
  return { answer: result, created: Boolean(created) };
}

export function queryRefund(scope: V3Scope, outRefundNo: string): Json {
  const { records } = scope.ctx;
  const row = records.refund(scope.merchant.mchid, outRefundNo);
  const trade = row && records.trade(row.sub_mch_id, row.out_trade_no);
  if (!row || !trade) throw new V3Error(404, 'RESOURCE_NOT_EXISTS', '退款单不存在');
  return refundAnswer(trade, row, scope.refundFunds.get(row.sub_mch_id, outRefundNo));
}

/** §6.1 `amount.from[]`: which funds pay the refund, each `{account: AVAILABLE|UNAVAILABLE, amount}`. */
function readFrom(body: Json): Array<{ account: string; amount: number }> {
  const lines = readArray(body, { path: 'amount/from', label: '退款出资账户及金额' }) ?? [];
  return lines.map((_, i) => {
    const at = `amount/from/${i}`;
    readObject(body, { path: at, label: '退款出资账户及金额', required: true });
    const account = readText(body, {
      path: `${at}/account`,
      label: '出资账户类型',
      required: true,
      maxBytes: 32,
    });
    if (account !== 'AVAILABLE' && account !== 'UNAVAILABLE') {
      throw paramError(
        `输入源“/body/${at}/account”映射到值字段“出资账户类型”枚举值校验失败，取值为AVAILABLE或UNAVAILABLE`,
        {
          location: 'body',
          value: account,
        },
      );
    }
    const amount = readInteger(body, { path: `${at}/amount`, label: '出资金额', required: true }) as number;
    return { account, amount };
  });
}
