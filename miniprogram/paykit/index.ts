/** The client library in one import: `import { pay, listOrders, formatPrice } from '../../paykit/index'`. */
export { callPaykit } from './client';
export {
  unifiedOrder,
  queryOrder,
  queryOrderDetail,
  closeOrder,
  listOrders,
  listProducts,
  refund,
  downloadBill,
  shipOrder,
  listToShip,
  confirmReceipt,
} from './api';
export { openReceiptConfirm, receiptReturned, onReceiptResult } from './receipt';
export type { ReceiptResult } from './receipt';
export { pay } from './pay';
export type { PayResult } from './pay';
export { confirmPayment, isPaidStatus } from './confirm';
export type { Confirmation } from './confirm';
export { configurePaykit, getPaykitConfig, resetPaykitConfig, DEFAULT_CONFIG } from './config';
export type { PaykitConfig, PaykitConfigInput, PaykitMode } from './config';
export { PaykitError, asPaykitError, errorMessage, isPaykitErrorCode } from './errors';
export type { ClientErrorCode, PaykitClientErrorCode } from './errors';
export { formatFen, formatPrice, formatServiceFee, isFen, lineTotal, parseYuan } from './money';
export { requestPayment, paymentOutcome, isCancelMessage } from './payment';
export type { PaymentOutcome } from './payment';
export type { SimulatedPayAction } from './local-pay';
export { CursorPager } from './pager';
export { LatestLoad, RowAnswers } from './late-answers';
export type { CursorPage, PagedList, PagedView } from './pager';
