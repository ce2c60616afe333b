/**
 * One schema per function request: the only place an event is validated. Everything a client sends
 * is untrusted; fields a schema does not name (an amount, an openid) are dropped, never read. The
 * request types come from these schemas, and `test/cloudfunctions/requests.test.ts` checks that they
 * are the contract of `typings/paykit/functions.ts`.
 */
import * as v from 'valibot';
import type { OrderStatus } from '../../typings/paykit/order';
import { invalid } from './errors';
import { ORDER_NO_PATTERN } from './ids';

export const MAX_LINES = 20;
export const MAX_QUANTITY = 99;
export const DEFAULT_PAGE = 20;
export const MAX_PAGE = 50;
/** WeChat's refund_desc: at most 80 bytes. */
export const MAX_REASON_BYTES = 80;

/**
 * Text WeChat Pay takes: characters of 1 to 3 UTF-8 bytes (APIv3 reference §1.1), so no UTF-16
 * surrogate, paired (an emoji) or lone. Refused here rather than by WeChat after the refund's number
 * is reserved.
 */
const WECHAT_TEXT = /^[^\uD800-\uDFFF]*$/;

const ORDER_STATUSES: OrderStatus[] = ['NOTPAY', 'SUCCESS', 'CLOSED', 'REFUND', 'PAYERROR'];

type Schema = v.GenericSchema<unknown, unknown>;

const text = (pattern: RegExp, message: string) => v.pipe(v.string(message), v.regex(pattern, message));
const wholeNumber = (min: number, max: number, message: string) =>
  v.pipe(v.number(message), v.integer(message), v.minValue(min, message), v.maxValue(max, message));

/** A catalogue sku: a product's `_id`. */
export const SKU_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

const orderNo = text(ORDER_NO_PATTERN, 'must be an order number');
const cursor = v.optional(
  v.nullable(
    v.pipe(v.string('is not one this function gave'), v.maxLength(400, 'is not one this function gave')),
  ),
);
const pageSize = v.optional(wholeNumber(1, MAX_PAGE, `must be a whole number from 1 to ${MAX_PAGE}`));

/**
 * A list of 1 to `max` entries, counted before any entry is read: an event of a million entries
 * costs one length check, not a million validations (the platform takes events of up to 6 MB).
 */
export function boundedList<T extends Schema>(item: T, max: number, message: string, tooMany: string) {
  return v.pipe(
    v.custom<Array<v.InferInput<T>>>((input) => Array.isArray(input), message),
    v.minLength(1, message),
    v.maxLength(max, tooMany),
    v.array(item, message),
  );
}

const items = boundedList(
  v.object(
    {
      sku: text(SKU_PATTERN, 'must be a catalogue sku'),
      quantity: wholeNumber(1, MAX_QUANTITY, `must be a whole number from 1 to ${MAX_QUANTITY}`),
    },
    'must be an object',
  ),
  MAX_LINES,
  'must be a non-empty array',
  `at most ${MAX_LINES} items per order`,
);

/** unifiedOrder, a new order from catalogue items. `requestKey`: 8–64 characters. */
export const newOrderRequest = v.object({
  items,
  requestKey: v.optional(text(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8 to 64 letters, digits, _ or -')),
});

/** unifiedOrder, another payment attempt for one of the caller's unpaid orders. */
export const payOrderRequest = v.object({ orderNo });

/** queryOrder and closeOrder. */
export const orderRequest = v.object({ orderNo });

export const listOrdersRequest = v.object({
  status: v.optional(v.picklist(ORDER_STATUSES, `must be one of ${ORDER_STATUSES.join(', ')}`)),
  scope: v.optional(v.picklist(['own', 'all'], 'must be own or all')),
  cursor,
  pageSize,
});

export const listProductsRequest = v.object({ cursor, pageSize });

export const refundRequest = v.object({
  orderNo,
  // The upper bound (what is left to refund) is the order's: the use case checks it.
  refundFee: v.pipe(
    v.number('must be a whole number of fen'),
    v.integer('must be a whole number of fen'),
    v.minValue(1, 'must be at least 1 fen'),
  ),
  reason: v.optional(
    v.pipe(
      v.string(`must be text of at most ${MAX_REASON_BYTES} bytes`),
      v.check(
        (s) => Buffer.byteLength(s) <= MAX_REASON_BYTES,
        `must be text of at most ${MAX_REASON_BYTES} bytes`,
      ),
      v.regex(WECHAT_TEXT, 'must hold no emoji or other 4-byte character (WeChat Pay refuses them)'),
    ),
  ),
  refundNo: v.optional(text(/^[A-Za-z0-9_-]{6,64}$/, 'must be 6 to 64 letters, digits, _ or -')),
});

export const downloadBillRequest = v.object({
  // Whether the day is a calendar day that is over is checked against the clock by the use case.
  billDate: text(/^\d{8}$/, 'must be a day as yyyyMMdd'),
  repair: v.optional(v.boolean('must be true or false')),
});

export type NewOrderRequest = v.InferOutput<typeof newOrderRequest>;
export type PayOrderRequest = v.InferOutput<typeof payOrderRequest>;
export type OrderRequest = v.InferOutput<typeof orderRequest>;
export type ListOrdersInput = v.InferOutput<typeof listOrdersRequest>;
export type ListProductsInput = v.InferOutput<typeof listProductsRequest>;
export type RefundInput = v.InferOutput<typeof refundRequest>;
export type DownloadBillInput = v.InferOutput<typeof downloadBillRequest>;

/**
 * Validates an event against a request schema; INVALID_PARAM naming the first field that is wrong
 * (`items[0].quantity must be …`) otherwise.
 */
export function parseRequest<S extends Schema>(schema: S, event: unknown): v.InferOutput<S> {
  if (!event || typeof event !== 'object' || Array.isArray(event))
    throw invalid('the request must be an object');
  // Only the first issue is reported: stop at it.
  const result = v.safeParse(schema, event, { abortEarly: true });
  if (result.success) return result.output;
  const [issue] = result.issues;
  throw invalid(`${fieldOf(issue.path)} ${messageOf(schema, issue)}`.trim());
}

/** A missing field is reported with its own schema's message ("orderNo must be an order number"). */
function messageOf(schema: Schema, issue: v.BaseIssue<unknown>): string {
  if (issue.type !== 'object' || issue.input !== undefined || !issue.path?.length) return issue.message;
  let at: unknown = schema;
  for (const step of issue.path) {
    const node = at as { entries?: Record<string, unknown>; item?: unknown };
    at = typeof step.key === 'number' ? node.item : node.entries?.[String(step.key)];
  }
  const own = (at as { message?: unknown } | undefined)?.message;
  return typeof own === 'string' ? own : issue.message;
}

/** unifiedOrder takes either shape: an orderNo pays an existing order, else items make a new one. */
export function parseUnifiedOrder(event: unknown): NewOrderRequest | PayOrderRequest {
  const e = event as Record<string, unknown> | null;
  const paysExisting = !!e && typeof e === 'object' && e.orderNo !== undefined;
  return paysExisting ? parseRequest(payOrderRequest, event) : parseRequest(newOrderRequest, event);
}

function fieldOf(path: v.BaseIssue<unknown>['path']): string {
  let out = '';
  for (const step of path ?? []) {
    out += typeof step.key === 'number' ? `[${step.key}]` : `${out ? '.' : ''}${String(step.key)}`;
  }
  return out;
}
