/** The client library in one import: `import { callPaykit, requestPayment } from '../../paykit/index'`. */
export { callPaykit } from './client';
export { configurePaykit, getPaykitConfig, resetPaykitConfig, DEFAULT_CONFIG } from './config';
export type { PaykitConfig, PaykitConfigInput, PaykitMode } from './config';
export { PaykitError, errorMessage, isPaykitErrorCode } from './errors';
export type { ClientErrorCode, PaykitClientErrorCode } from './errors';
export { formatFen, formatPrice, isFen, lineTotal } from './money';
export { requestPayment, paymentOutcome, isCancelMessage } from './payment';
export type { PaymentOutcome } from './payment';
export type { SimulatedPayAction } from './local-pay';
