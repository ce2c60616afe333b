/** Fixed values the suites share: one name, one meaning. */

/** The sub-merchant number the pay suites and the kit's functions use (WeChat's documented example). */
export const SUB_MCH_ID = '1900000109';

/** 2024-03-15 12:00:00 Beijing (04:00 UTC): the fixed trade day of the pay suites. */
export const TRADE_DAY_NOON = Date.UTC(2024, 2, 15, 4, 0, 0);

/** 2024-03-16 10:00:00 Beijing: the first moment WeChat serves the bill of TRADE_DAY_NOON's day. */
export const TRADE_DAY_BILL_READY = Date.UTC(2024, 2, 16, 2, 0, 0);
