import type { PaykitErrorCode, RefundRefusalDetail, StateConflict } from '../../typings/paykit/errors';
import { clientErrorText, paykitErrorText } from './strings';

/** Failures of the way to the kit (transport, payment sheet), as opposed to answers of the kit itself. */
export type ClientErrorCode =
  /** The request never got an answer (offline, timeout, gateway unreachable). */
  | 'NETWORK_ERROR'
  /** The cloud function could not run or threw (not deployed, crashed, wrong env). */
  | 'FUNCTION_ERROR'
  /** An answer came back but is not a kit response. */
  | 'BAD_RESPONSE'
  /** wx.requestPayment failed for a reason other than the user cancelling. */
  | 'PAYMENT_FAILED';

export type PaykitClientErrorCode = PaykitErrorCode | ClientErrorCode;

const errorText: Record<PaykitClientErrorCode, string> = { ...paykitErrorText, ...clientErrorText };

/** The Chinese text shown for a code. */
export function errorMessage(code: PaykitClientErrorCode): string {
  return errorText[code];
}

/** True for the codes the kit's functions answer with (not the client's own transport codes). */
/** Whether an untyped `value` (from the wire) is one of `table`'s keys. */
function isKeyOf<K extends string>(table: Record<K, unknown>, value: unknown): value is K {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(table, value);
}

export function isPaykitErrorCode(value: unknown): value is PaykitErrorCode {
  return isKeyOf(paykitErrorText, value);
}

/** The conflicts the kit names (typings' StateConflict). Exhaustive: a new one fails to compile here. */
const STATE_CONFLICTS: Record<StateConflict, true> = { SHIPPED_MEANWHILE: true, NO_TRANSACTION_ID: true };

/** True for a conflict the kit names (the wire is untyped: a newer server's is not one). */
export function isStateConflict(value: unknown): value is StateConflict {
  return isKeyOf(STATE_CONFLICTS, value);
}

/**
 * Every failure the client library reports. `message` is fit to show to the user (Chinese, from the
 * strings table); `detail` keeps what the server or the WeChat API said, for logs.
 */
export class PaykitError extends Error {
  readonly code: PaykitClientErrorCode;
  readonly detail: string;
  /**
   * For CLOSE_TOO_EARLY: when the order can be closed; for BILL_NOT_READY: when the bill is out
   * (ms since epoch), as the server said.
   */
  readonly retryAt?: number;
  /** For REFUND_REFUSED: why WeChat Pay refused the refund, as the server said. */
  readonly refusal?: RefundRefusalDetail;
  /** For ORDER_STATE_CONFLICT: which one, where the server says (shipOrder). */
  readonly conflict?: StateConflict;

  constructor(
    code: PaykitClientErrorCode,
    detail = '',
    extra: { retryAt?: number; refusal?: RefundRefusalDetail; conflict?: StateConflict } = {},
  ) {
    super(errorMessage(code));
    this.name = 'PaykitError';
    this.code = code;
    this.detail = detail;
    if (extra.retryAt !== undefined) this.retryAt = extra.retryAt;
    if (extra.refusal !== undefined) this.refusal = extra.refusal;
    if (extra.conflict !== undefined) this.conflict = extra.conflict;
  }
}

/** Any thrown value as a PaykitError (unexpected ones become INTERNAL, keeping their text as detail). */
export function asPaykitError(err: unknown): PaykitError {
  return err instanceof PaykitError ? err : new PaykitError('INTERNAL', String(err));
}
