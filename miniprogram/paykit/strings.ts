/**
 * Every piece of text a person sees, in one place, so an English build is one file away.
 * Code and comments stay English; what is shown is Chinese.
 */
import type { PaykitErrorCode } from '../../typings/paykit/errors';
import type { ClientErrorCode } from './errors';

export const payButtonText = {
  /** Default label of the pay button. */
  pay: '立即支付',
  /** Shown inside the button while an order is being created and paid. */
  paying: '支付中…',
} as const;

export const moneyText = {
  /** Put before a yuan amount: ¥12.34. */
  currency: '¥',
} as const;

export const toastText = {
  paid: '支付成功',
  cancelled: '已取消支付',
  failed: '支付失败',
} as const;

/** The sandbox pay sheet shown in local mode instead of WeChat's. */
export const localPayText = {
  title: '沙箱支付（本地模式）',
  pay: '模拟支付成功',
  cancel: '模拟取消支付',
  fail: '模拟支付失败',
} as const;

export const shopText = {
  title: '商城',
  empty: '暂无商品',
} as const;

/** What the user is told for each kit error. Exhaustive: a new code in the contract fails to compile here. */
export const paykitErrorText: Record<PaykitErrorCode, string> = {
  INVALID_PARAM: '请求参数有误，请刷新后重试',
  PRODUCT_NOT_FOUND: '商品不存在或已下架',
  ORDER_NOT_FOUND: '订单不存在',
  ORDER_PAID: '订单已支付，请勿重复支付',
  ORDER_CLOSED: '订单已关闭，请重新下单',
  ORDER_STATE_CONFLICT: '订单状态已变化，请刷新后重试',
  CLOSE_TOO_EARLY: '订单创建不足 5 分钟，暂时无法关闭',
  FORBIDDEN: '没有权限进行此操作',
  PAY_PROVIDER_ERROR: '支付服务暂时不可用，请稍后再试',
  NOT_CONFIGURED: '支付功能尚未配置，请联系商家',
  UNAUTHENTICATED: '登录状态已失效，请重新进入小程序',
  INTERNAL: '系统繁忙，请稍后再试',
};

/** Errors that arise on the way to or from the kit, not inside it. */
export const clientErrorText: Record<ClientErrorCode, string> = {
  NETWORK_ERROR: '网络异常，请检查网络后重试',
  FUNCTION_ERROR: '服务暂时不可用，请稍后再试',
  BAD_RESPONSE: '服务返回异常，请稍后再试',
  PAYMENT_FAILED: '支付失败，请稍后再试',
};
