import type {
  PaykitErrorCode,
  PaykitFailure,
  PaykitResponse,
  RefundRefusalDetail,
  StateConflict,
} from '../../typings/paykit/errors';

/** A failure the kit answers to its caller with a shared code and a message. */
export class ServerError extends Error {
  /** For CLOSE_TOO_EARLY and BILL_NOT_READY: when to try again (ms since epoch). */
  retryAt?: number;
  /** For REFUND_REFUSED: WeChat's reason, answered beside the code for the admin's dialog. */
  refusal?: RefundRefusalDetail;
  /** For ORDER_STATE_CONFLICT: which one, answered beside the code where the caller may act on it. */
  conflict?: StateConflict;
  /** WeChat Pay is rate-limiting the merchant (429 FREQUENCY_LIMITED): back off before asking again. */
  rateLimited?: boolean;
  /**
   * The call to WeChat was not started: too little of the function's time was left. Unlike a lost
   * answer, WeChat was not asked, so nothing may be recorded as asked (invocation-time.ts).
   */
  notStarted?: boolean;

  constructor(
    readonly code: PaykitErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ServerError';
  }
}

/** ORDER_STATE_CONFLICT naming which one it is (`conflict`), for a caller that acts on it. */
export function stateConflict(conflict: StateConflict, message: string): ServerError {
  const err = new ServerError('ORDER_STATE_CONFLICT', message);
  err.conflict = conflict;
  return err;
}

export function invalid(message: string): ServerError {
  return new ServerError('INVALID_PARAM', message);
}

/**
 * Runs a use case and maps its outcome to the response every kit function answers. Unexpected
 * errors are logged and answered as INTERNAL, never thrown at the caller.
 */
export async function respond<T>(run: () => Promise<T>): Promise<PaykitResponse<T>> {
  try {
    return { ok: true, data: await run() };
  } catch (err) {
    if (err instanceof ServerError) {
      return {
        ...failure(err.code, err.message),
        ...(err.retryAt === undefined ? {} : { retryAt: err.retryAt }),
        ...(err.refusal === undefined ? {} : { refusal: err.refusal }),
        ...(err.conflict === undefined ? {} : { conflict: err.conflict }),
      };
    }
    console.error('[paykit] unexpected error:', err);
    return failure('INTERNAL', 'internal error, see the function log');
  }
}

export function failure(code: PaykitErrorCode, message: string): PaykitFailure {
  return { ok: false, code, message };
}
