/**
 * Every piece of text a person sees, in one place, so an English build is one file away.
 * Code and comments stay English; what is shown is Chinese.
 */
import type { DiscrepancyKind } from '../../typings/paykit/bill';
import type { PaykitErrorCode } from '../../typings/paykit/errors';
import type { OrderStatus, RefundStatus } from '../../typings/paykit/order';
import type { DeliveryMethod, ShippingState } from '../../typings/paykit/shipping';
import type { ClientErrorCode } from './errors';

/** Between a label and what follows it on one line: "配送方式：快递". */
export const labelSeparator = '：';

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
  /** The sheet said paid, the server has not confirmed yet. */
  pending: '支付处理中，请稍后刷新',
  closed: '订单已关闭',
  refreshed: '已刷新',
} as const;

/** Status names, as the tag on an order shows them. */
export const orderStatusText: Record<OrderStatus, string> = {
  NOTPAY: '待支付',
  SUCCESS: '已支付',
  CLOSED: '已关闭',
  REFUND: '已退款',
  /** The kit's only PAYERROR: WeChat took a payment that does not match the order (order-states.ts). */
  PAYERROR: '支付异常，请联系商家',
};

/**
 * PAYERROR's tag for a merchant admin (全部订单, the order page): the buyer's text says to contact the
 * merchant, which the merchant reads as nonsense; the order page's notice says what to do.
 */
export const payErrorAdminText = '支付异常，需商家处理';

export const refundStatusText: Record<RefundStatus, string> = {
  PROCESSING: '退款中',
  SUCCESS: '已退款',
  FAILED: '退款失败',
  CHANGE: '退款异常',
};

/** A paged list's states (paykit/pager.ts), the same on every page that lists. */
export const listText = {
  loading: '加载中…',
  noMore: '没有更多了',
  retry: '重新加载',
} as const;

export const ordersText = {
  ...listText,
  title: '我的订单',
  /** The list of every user's orders, for merchant admins. */
  allTitle: '全部订单',
  lookupPlaceholder: '输入订单号或商户单号查找',
  /** The lookup was given something that is no order number (pages/orders/list/lookup.ts). */
  lookupInvalid: '请输入 PK 开头的订单号或商户单号',
  /** The lookup was given WeChat Pay's transaction id, which the buyer's payment record shows too. */
  lookupTransactionId: '这是微信支付单号，请输入订单号或商户单号',
  all: '全部',
  empty: '暂无订单',
  timeLeft: '剩余支付时间',
  expired: '已超时',
} as const;

/**
 * The status tag of a REFUND order of which only part went back (WeChat's trade state is REFUND
 * after any refund): 已退款 would tell the buyer the whole amount is back.
 */
export const partlyRefundedText = '部分退款';

export const detailText = {
  title: '订单详情',
  orderNo: '订单号',
  copyHint: '复制',
  status: '状态',
  items: '商品',
  amount: '订单金额',
  createdAt: '下单时间',
  paidAt: '支付时间',
  closedAt: '关闭时间',
  expiresAt: '支付截止',
  /** Followed by the time left to pay: "剩余 17:00". */
  timeLeft: '剩余',
  /** An unpaid order past its time to pay (the kit closes it shortly), as the list says it. */
  expired: ordersText.expired,
  transactionId: '微信支付单号',
  refunded: '已退款金额',
  refunds: '退款记录',
  /** A refund the merchant made by hand on WeChat Pay's merchant platform, not through the kit. */
  refundOnPlatform: '商户平台退款',
  pay: '继续支付',
  close: '关闭订单',
  refresh: '刷新状态',
  closeConfirmTitle: '关闭订单',
  closeConfirm: '关闭后将无法继续支付，确定关闭这个订单吗？',
  confirm: '确定',
  cancel: '再想想',
  /** Followed by the time the order can be closed. */
  closeAfter: '微信支付规定订单创建 5 分钟后才能关闭，请于以下时间后再试：',
  notFound: '订单不存在',
  retry: listText.retry,
  /** A merchant admin's refund (queryOrder says what is left to refund). */
  refund: '退款',
  refundTitle: '发起退款',
  refundable: '可退金额',
  refundAmount: '退款金额',
  /** After the amount field, always in sight: the amount is typed in yuan, not fen. */
  refundAmountUnit: '元',
  refundAmountPlaceholder: '请输入退款金额',
  refundAmountInvalid: '请输入 0.01 元到可退金额之间的金额',
  refundReason: '退款原因',
  refundReasonPlaceholder: '选填，买家可见',
  refundSubmit: '确认退款',
  /** A merchant admin's refund WeChat Pay turned down: followed by WeChat's reason (queryOrder's `failure`). */
  refundFailure: '失败原因：',
  /** A merchant admin's refund WeChat Pay closed without a reason (REFUNDCLOSE): nothing went out. */
  refundClosed: '微信支付关闭了这笔退款，款项未退出，可重新发起退款',
  /** A merchant admin's refund WeChat Pay could not carry out the original way (CHANGE). */
  refundAbnormal:
    '款项未能原路退回（如买家银行卡已注销或冻结），请到微信支付商户平台「交易中心」手动处理这笔退款',
  refundSubmitted: '退款已提交',
  /** WeChat Pay refused the refund for NOTENOUGH: submitting the dialog again is the same refund. */
  refundNotEnough: '商户账户余额不足，微信支付未能退款。请在商户平台充值后，再次确认退款',
  /** Followed by WeChat's reason, as WeChat Pay gave it, when it refused the refund for another. */
  refundRefused: '微信支付拒绝了退款：',
  /** NOT_CONFIGURED from a refund: the merchant's binding or refund permission, not the buyer's business. */
  refundNotConfigured:
    '商户号未开通退款权限或配置有误，微信支付未能退款。请在商户平台（我的授权产品）开通 API 退款并检查商户号后，再次确认退款',
  /**
   * A merchant admin on a PAYERROR order (WeChat took a payment that does not match it): the way out,
   * which the kit sees at the next look (the order then reads 已退款).
   */
  mismatchAdmin:
    '微信支付收到的这笔付款与订单的金额或商户号不符，未记为本订单的付款。请在微信支付商户平台将这笔付款全额退款，然后重新打开本订单。',
} as const;

/** The fulfilment dimension beside the pay status. */
export const shippingStateText: Record<ShippingState, string> = {
  AWAITING: '待发货',
  SHIPPED: '已发货',
  CONFIRMED: '已确认收货',
  SETTLED: '已完成',
  REFUNDED: '已退款',
};

export const deliveryText: Record<DeliveryMethod, string> = {
  express: '快递',
  'same-city': '同城配送',
  virtual: '虚拟商品',
  'self-pickup': '到店自提',
};

/** The order detail's shipment section and the confirm-receipt button. */
export const shipmentText = {
  title: '物流信息',
  state: '发货状态',
  method: '配送方式',
  company: '快递公司',
  trackingNo: '运单号',
  items: '商品',
  shippedAt: '发货时间',
  confirmedAt: '收货时间',
  confirm: '确认收货',
  confirmed: '已确认收货',
  confirmCancelled: '未确认收货',
  /** A shipment recorded only in the shop (the account is not in WeChat's shipping service). */
  localOnly: '商家自行记录',
  separator: labelSeparator,
} as const;

/** Express companies the admin form offers (WeChat's get_delivery_list codes). */
export const expressCompanyText: Record<string, string> = {
  SF: '顺丰速运',
  ZTO: '中通快递',
  YTO: '圆通速递',
  STO: '申通快递',
  YD: '韵达速递',
  JD: '京东物流',
  EMS: 'EMS',
  JTSD: '极兔速递',
};

/** The admin's "to ship" list and its shipping form. */
export const toShipText = {
  ...listText,
  title: '待发货',
  empty: '没有待发货的订单',
  ship: '发货',
  method: '配送方式',
  company: '快递公司',
  trackingNo: '运单号',
  trackingNoPlaceholder: '请输入运单号',
  contact: '联系电话',
  /** The field's label is short (it wraps at vant's label width); that SF needs it is said here. */
  contactPlaceholder: '顺丰必填，如 189****1234',
  itemDesc: '商品描述',
  /** Followed by the package's number: "包裹 2". */
  package: '包裹',
  addPackage: '再加一个包裹（分拆发货）',
  removePackage: '删除',
  separator: labelSeparator,
  submit: '确认发货',
  cancel: '取消',
  shipped: '已发货',
  /**
   * shipOrder found the order shipped since the list was loaded (from another phone or by another
   * admin: SHIPPED_MEANWHILE): nothing was sent, so WeChat's one re-shipment is not spent.
   */
  changedMeanwhile: '该订单已在别处发货或状态已变化，本次未发货。列表已刷新',
  /**
   * shipOrder cannot upload for an order paid without WeChat Pay's transaction id (NO_TRANSACTION_ID):
   * WeChat's console takes the shipment by hand.
   */
  noTransactionId: '该订单缺少微信支付单号，无法在此发货，请到小程序管理后台「发货信息管理」中录入',
  /** Followed by the amount refunded so far: the admin ships what is left. */
  refunded: '已退款',
  /**
   * Followed by the amount of refunds WeChat Pay is still carrying out: money on its way back to the
   * buyer (all of it, perhaps), which the admin should know of before shipping.
   */
  refunding: refundStatusText.PROCESSING,
  /** What the form says before sending, put after "包裹 2：" when there are several packages. */
  trackingNoMissing: '请填写运单号',
  trackingNoInvalid: '运单号只能包含字母、数字和 -',
  itemDescMissing: '请填写商品描述（120 字以内）',
  contactInvalid: '联系电话请填写掩码手机号，如 189****1234',
} as const;

export const billsText = {
  title: '对账单',
  prevDay: '前一天',
  nextDay: '后一天',
  pickDay: '选择日期',
  summary: '账单汇总',
  payments: '支付',
  refunds: '退款',
  serviceFee: '手续费',
  /** Followed by a count: "3 笔". */
  countUnit: '笔',
  noBill: '微信支付当天没有账单',
  summaryMatches: '汇总与明细一致',
  summaryMismatch: '汇总与明细不一致',
  reconciled: '对账结果',
  balanced: '对账一致，没有差异',
  repair: '修复可修复的差异',
  repaired: '已修复',
  repairDone: '修复完成',
  wechatFee: '微信金额',
  localFee: '本地金额',
  retry: listText.retry,
} as const;

export const discrepancyText: Record<DiscrepancyKind, string> = {
  PAID_AT_WECHAT_NOT_HERE: '微信已收款，本地未记录',
  AMOUNT_MISMATCH: '金额不一致',
  PAID_HERE_NOT_AT_WECHAT: '本地已支付，微信账单中没有',
  UNKNOWN_TRADE: '未知交易',
  REFUND_NOT_HERE: '微信已退款，本地未记录',
  REFUNDED_OUTSIDE_KIT: '商户平台退款，需人工核对',
  PAYMENT_NOT_MATCHING: '微信收款与订单不符，未记账，需人工核对',
};

/** The sandbox pay sheet shown in local mode instead of WeChat's. */
export const localPayText = {
  title: '沙箱支付（本地模式）',
  pay: '模拟支付成功',
  cancel: '模拟取消支付',
  fail: '模拟支付失败',
} as const;

export const shopText = {
  ...listText,
  title: '商城',
  empty: '暂无商品',
  myOrders: ordersText.title,
  /** The demo shop's links to the merchant pages, which refuse anyone not in PAYKIT_ADMIN_OPENIDS. */
  admin: '商家管理（仅管理员）',
  allOrders: '全部订单（退款）',
  toShip: toShipText.title,
  bills: billsText.title,
} as const;

/**
 * Each page's navigation bar title, by page path as app.json registers it. The build writes it into
 * the page's .json in dist (build/page-titles.ts); the source .json carry none.
 */
export const pageTitleText: Record<string, string> = {
  'pages/shop/index': shopText.title,
  'pages/orders/list/index': ordersText.title,
  'pages/orders/detail/index': detailText.title,
  'pages/admin/bills/index': billsText.title,
  'pages/admin/to-ship/index': toShipText.title,
};

/** What the user is told for each kit error. Exhaustive: a new code in the contract fails to compile here. */
export const paykitErrorText: Record<PaykitErrorCode, string> = {
  INVALID_PARAM: '请求参数有误，请刷新后重试',
  PRODUCT_NOT_FOUND: '商品不存在或已下架',
  ORDER_NOT_FOUND: '订单不存在',
  ORDER_PAID: '订单已支付，请勿重复支付',
  ORDER_CLOSED: '订单已关闭，请重新下单',
  ORDER_EXPIRING: '订单即将过期，无法再次支付，请重新下单',
  ORDER_STATE_CONFLICT: '订单状态已变化，请刷新后重试',
  CLOSE_TOO_EARLY: '订单创建不足 5 分钟，暂时无法关闭',
  FORBIDDEN: '没有权限进行此操作',
  PAY_PROVIDER_ERROR: '支付服务暂时不可用，请稍后再试',
  REFUND_REFUSED: '微信支付拒绝了退款',
  NOT_CONFIGURED: '支付功能尚未配置，请联系商家',
  UNAUTHENTICATED: '登录状态已失效，请重新进入小程序',
  SHIPPING_PENDING: '微信暂未同步该支付单，请稍后再发货',
  SHIPPING_REFUSED: '微信拒绝了这次发货信息',
  RESHIP_USED: '该订单已用完唯一一次重新发货机会',
  CONTACT_REQUIRED: '顺丰快递需填写寄件人或收件人的联系方式（掩码手机号）',
  RECEIPT_NOT_CONFIRMED: '微信尚未确认收货，请稍后刷新',
  BILL_NOT_READY: '该日账单尚未生成，微信支付于次日 10:00（北京时间）后提供',
  INTERNAL: '系统繁忙，请稍后再试',
};

/** Errors that arise on the way to or from the kit, not inside it. */
export const clientErrorText: Record<ClientErrorCode, string> = {
  NETWORK_ERROR: '网络异常，请检查网络后重试',
  FUNCTION_ERROR: '服务暂时不可用，请稍后再试',
  BAD_RESPONSE: '服务返回异常，请稍后再试',
  PAYMENT_FAILED: '支付失败，请稍后再试',
};
