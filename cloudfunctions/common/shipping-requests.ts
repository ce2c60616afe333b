/**
 * The request schemas of the shipping functions (requests.ts holds the others and parseRequest).
 * Field limits are WeChat's (wechat-shipping-reference.md §2.1); the rules that depend on the
 * delivery method are checked by `checkShipment`.
 */
import * as v from 'valibot';
import type { DeliveryMethod, ShipmentPackage } from '../../typings/paykit/shipping';
import { invalid, ServerError } from './errors';
import { ORDER_NO_PATTERN } from './ids';
import { boundedList, MAX_PAGE } from './requests';
import { DELIVERY_METHODS, MAX_SHIPMENTS } from './shipping-states';

/** WeChat's limit of packages in a split express shipment. */
export const MAX_PACKAGES = 15;
/** item_desc: "限120个字以内". */
export const MAX_ITEM_DESC = 120;

const orderNo = v.pipe(
  v.string('must be an order number'),
  v.regex(ORDER_NO_PATTERN, 'must be an order number'),
);
const maskedPhone = v.pipe(
  v.string('must be a masked phone number such as 189****1234'),
  v.regex(/^[0-9+\- ]{0,16}\*{2,}[0-9]{4}$/, 'must be a masked phone number such as 189****1234'),
);

const shipmentPackage = v.object(
  {
    itemDesc: v.pipe(
      v.string(`must be text of 1 to ${MAX_ITEM_DESC} characters`),
      v.check(
        (s) => s.trim().length > 0 && [...s].length <= MAX_ITEM_DESC,
        `must be text of 1 to ${MAX_ITEM_DESC} characters`,
      ),
    ),
    trackingNo: v.optional(
      v.pipe(
        v.string('must be a tracking number'),
        v.regex(/^[A-Za-z0-9-]{1,128}$/, 'must be a tracking number (letters, digits, -)'),
      ),
    ),
    expressCompany: v.optional(
      v.pipe(
        v.string('must be a company code'),
        v.regex(/^[A-Za-z0-9_]{1,32}$/, 'must be a delivery company code such as SF, ZTO, YTO'),
      ),
    ),
    contact: v.optional(
      v.object(
        { consignorContact: v.optional(maskedPhone), receiverContact: v.optional(maskedPhone) },
        'must be an object',
      ),
    ),
  },
  'must be an object',
);

const shipmentsSeen = `must be a whole number from 0 to ${MAX_SHIPMENTS}`;

export const shipOrderRequest = v.object({
  orderNo,
  method: v.optional(v.picklist(DELIVERY_METHODS, `must be one of ${DELIVERY_METHODS.join(', ')}`)),
  shipments: v.optional(
    v.pipe(
      v.number(shipmentsSeen),
      v.integer(shipmentsSeen),
      v.minValue(0, shipmentsSeen),
      v.maxValue(MAX_SHIPMENTS, shipmentsSeen),
    ),
  ),
  packages: boundedList(
    shipmentPackage,
    MAX_PACKAGES,
    `must be a list of 1 to ${MAX_PACKAGES} packages`,
    `at most ${MAX_PACKAGES} packages (WeChat's limit for a split shipment)`,
  ),
});

/** WeChat Pay's transaction id, as the confirm-receipt component hands it back (req_extradata). */
const transactionId = v.pipe(
  v.string('must be a WeChat Pay transaction id'),
  v.regex(/^[0-9A-Za-z_-]{1,64}$/, 'must be a WeChat Pay transaction id'),
);

/** The order by its number, or by the transaction id the confirm-receipt component returned. */
export const confirmReceiptRequest = v.pipe(
  v.object({ orderNo: v.optional(orderNo), transactionId: v.optional(transactionId) }),
  v.check(
    (r) => (r.orderNo === undefined) !== (r.transactionId === undefined),
    'give orderNo or transactionId',
  ),
);

export const listToShipRequest = v.object({
  cursor: v.optional(
    v.nullable(
      v.pipe(v.string('is not one this function gave'), v.maxLength(400, 'is not one this function gave')),
    ),
  ),
  pageSize: v.optional(
    v.pipe(
      v.number(`must be a whole number from 1 to ${MAX_PAGE}`),
      v.integer(`must be a whole number from 1 to ${MAX_PAGE}`),
      v.minValue(1, `must be a whole number from 1 to ${MAX_PAGE}`),
      v.maxValue(MAX_PAGE, `must be a whole number from 1 to ${MAX_PAGE}`),
    ),
  ),
});

export type ShipOrderInput = v.InferOutput<typeof shipOrderRequest>;
export type ConfirmReceiptInput = v.InferOutput<typeof confirmReceiptRequest>;
export type ListToShipInput = v.InferOutput<typeof listToShipRequest>;

/**
 * WeChat's rules per method: express packages carry a tracking number and a company code, and SF
 * a masked contact; only express may be split; the other methods send one package, no tracking.
 */
export function checkShipment(method: DeliveryMethod, packages: ShipmentPackage[]): void {
  if (method !== 'express') {
    if (packages.length !== 1)
      throw invalid(`packages: ${method} sends exactly one package (only express may be split)`);
    if (packages[0].trackingNo || packages[0].expressCompany)
      throw invalid(`packages[0]: ${method} has no tracking number or delivery company`);
    return;
  }
  packages.forEach((p, i) => {
    if (!p.trackingNo) throw invalid(`packages[${i}].trackingNo is required for express`);
    if (!p.expressCompany) throw invalid(`packages[${i}].expressCompany is required for express`);
    if (
      p.expressCompany.toUpperCase() === 'SF' &&
      !p.contact?.consignorContact &&
      !p.contact?.receiverContact
    ) {
      throw new ServerError(
        'CONTACT_REQUIRED',
        `packages[${i}]: 顺丰快递（SF）需填写寄件人或收件人联系方式（掩码手机号，如 189****1234）`,
      );
    }
  });
}
