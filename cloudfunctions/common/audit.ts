/**
 * The audit trail of notifications. A callback function can be called by anyone, so what it
 * stores is bounded: a record only for a notification that names an attempt of an existing order,
 * and of what the event claimed only fixed fields, each a short string, a number or a boolean.
 */
/**
 * Most notification records kept per trade, kind and refund: WeChat delivers one notification at
 * most 16 times (reference §10.1); the rest are replays (any user can call a callback function), and
 * each would otherwise add a record, without end, for the merchant's database to hold.
 */
export const MAX_AUDIT_PER_TRADE = 32;

/** Longest claimed text kept, in characters. */
export const MAX_CLAIMED_TEXT = 64;

export type ClaimedValue = string | number | boolean | null;

/** The named fields of an untrusted event, typed and capped; anything else is noted by its type. */
export function claimedFields(
  event: Record<string, unknown>,
  names: readonly string[],
): Record<string, ClaimedValue> {
  const out: Record<string, ClaimedValue> = {};
  for (const name of names) out[name] = claimedValue(event[name]);
  return out;
}

function claimedValue(value: unknown): ClaimedValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string')
    return value.length > MAX_CLAIMED_TEXT ? `${value.slice(0, MAX_CLAIMED_TEXT)}…` : value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'boolean') return value;
  return `[${Array.isArray(value) ? 'array' : typeof value}]`;
}

export interface NotificationRecord {
  kind: 'payment' | 'refund';
  outTradeNo: string;
  orderNo: string;
  outRefundNo?: string;
  verdict: string;
  claimed: Record<string, ClaimedValue>;
}

/** A WeChat shipping event (message push) that named one of the kit's orders, and what the kit did. */
export interface ShippingEventRecord {
  event: string;
  orderNo: string;
  transactionId: string;
  verdict: string;
  claimed: Record<string, ClaimedValue>;
}
