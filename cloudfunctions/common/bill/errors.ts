import { beijingDayRange } from '../beijing';
import { invalid, ServerError } from '../errors';

/** A bill that cannot be read: wrong header, truncated or garbled line, corrupt gzip, no summary. */
export class BillFormatError extends Error {
  constructor(
    /** 1-based line of the bill text where reading stopped (0: before any line). */
    readonly line: number,
    readonly reason: string,
  ) {
    super(`bill line ${line}: ${reason}`);
    this.name = 'BillFormatError';
  }
}

/** WeChat Pay makes day D's bill from 09:00 Beijing on D+1, to be fetched from 10:00 (reference §8.1, APIv3 §7). */
const BILL_OUT_MS = 10 * 3_600_000;

/**
 * WeChat has not made the day's bill yet (v2 `Bill Creating`, APIv3 STATEMENT_CREATING): not a
 * failure of the service, so not PAY_PROVIDER_ERROR; it is out from 10:00 Beijing the next day.
 * Asked later than that and still not made, the admin may try again at once.
 */
export function billNotReady(billDate: string, said: string, now = Date.now()): ServerError {
  const range = beijingDayRange(billDate);
  const retryAt = Math.max(range ? range.to + BILL_OUT_MS : now, now);
  const failure = new ServerError(
    'BILL_NOT_READY',
    `downloadBill: WeChat Pay has not made the bill of ${billDate} yet (${said}); it is out from 10:00 Beijing time the next day`,
  );
  failure.retryAt = retryAt;
  return failure;
}

/**
 * WeChat has no bill of such a day and never will (v2 `invalid bill_date`, APIv3 INVALID_REQUEST):
 * it keeps the last 3 months only, and the kit sends nothing else that could be invalid. Asking
 * again cannot help, so it is the request that is wrong, not the service.
 */
export function noSuchBillDay(billDate: string, said: string): ServerError {
  return invalid(
    `billDate ${billDate}: WeChat Pay has no bill of that day (${said}); it keeps the bills of the last 3 months only`,
  );
}
