/**
 * The shipping form of the "to ship" list: what the admin fills in, and the shipOrder request it
 * makes. Pure, so the rules are readable (and testable) apart from the page. An express shipment may
 * be split into several packages (分拆发货), each with its own company, tracking number and contents;
 * the other methods send one description.
 */
import type { OrderView } from '../../../../typings/paykit/order';
import type { DeliveryMethod, ShipOrderRequest } from '../../../../typings/paykit/shipping';
import { expressCompanyText, toShipText } from '../../../paykit/strings';

/** The methods the form offers, in picker order. */
export const METHODS: DeliveryMethod[] = ['express', 'same-city', 'self-pickup', 'virtual'];
/** The company codes the form offers, in picker order. */
export const COMPANIES = Object.keys(expressCompanyText);
/**
 * WeChat's limit of packages in one split shipment: past it the form offers no more (shipOrder
 * refuses a 16th as well; the server's check is the one that counts).
 */
export const MAX_PACKAGES = 15;
/** WeChat's limit of an item description ("限120个字以内"). */
export const MAX_ITEM_DESC = 120;
/** WeChat's tracking numbers: letters, digits and -, up to 128. */
const TRACKING_NO = /^[A-Za-z0-9-]{1,128}$/;
/** A masked phone number, as WeChat wants SF's contact: 189****1234. */
const MASKED_PHONE = /^[0-9+\- ]{0,16}\*{2,}[0-9]{4}$/;

export interface PackageForm {
  /** Stable among the form's packages (the template's wx:key): a removed package takes its inputs with it. */
  key: number;
  companyIndex: number;
  trackingNo: string;
  /** A masked phone number (SF only). */
  contact: string;
  itemDesc: string;
}

export interface ShipForm {
  orderNo: string;
  /**
   * The shipments the list showed for the order (0: it awaits its first): sent with the request, so
   * that an order shipped meanwhile from elsewhere is refused rather than shipped again as WeChat's
   * one re-shipment.
   */
  shipments: number;
  methodIndex: number;
  /** At least one; only express sends more than the first. */
  packages: PackageForm[];
}

/** A form for `order`: its own delivery method, one package described by the item names. */
export function formFor(order: OrderView): ShipForm {
  const desc = order.items.map((i) => (i.quantity > 1 ? `${i.name}×${i.quantity}` : i.name)).join('、');
  return {
    orderNo: order.orderNo,
    shipments: order.shipping?.shipCount ?? 0,
    methodIndex: Math.max(0, METHODS.indexOf(order.delivery)),
    packages: [
      {
        key: 0,
        companyIndex: 0,
        trackingNo: '',
        contact: '',
        itemDesc: [...desc].slice(0, MAX_ITEM_DESC).join(''),
      },
    ],
  };
}

/**
 * The packages with one more: the same company and contact as the last (a split shipment mostly goes
 * out with one courier to one receiver), its own tracking number and contents to fill in. At the
 * limit, the same packages.
 */
export function withPackage(packages: PackageForm[]): PackageForm[] {
  const last = packages[packages.length - 1];
  if (packages.length >= MAX_PACKAGES || !last) return packages;
  const key = Math.max(...packages.map((p) => p.key)) + 1;
  return [
    ...packages,
    { key, companyIndex: last.companyIndex, trackingNo: '', contact: last.contact, itemDesc: '' },
  ];
}

/** The packages without the one at `index`; the last one stays. */
export function withoutPackage(packages: PackageForm[], index: number): PackageForm[] {
  return packages.length > 1 ? packages.filter((_, i) => i !== index) : packages;
}

/** The request the form makes (the server checks every rule and says what is wrong). */
export function requestOf(form: ShipForm): ShipOrderRequest {
  const method = METHODS[form.methodIndex] ?? 'express';
  if (method !== 'express') {
    return {
      orderNo: form.orderNo,
      shipments: form.shipments,
      method,
      packages: [{ itemDesc: form.packages[0]?.itemDesc.trim() ?? '' }],
    };
  }
  return {
    orderNo: form.orderNo,
    shipments: form.shipments,
    method,
    packages: form.packages.map((p) => {
      const contact = p.contact.trim();
      return {
        itemDesc: p.itemDesc.trim(),
        trackingNo: p.trackingNo.trim(),
        expressCompany: COMPANIES[p.companyIndex] ?? COMPANIES[0],
        ...(contact ? { contact: { receiverContact: contact } } : {}),
      };
    }),
  };
}

/**
 * What the admin must still put right before the form is sent, in words they can act on ('' when
 * nothing): the server checks the same rules, but its refusal is a bare 请求参数有误 (INVALID_PARAM).
 * With several packages the problem names its package: "包裹 2：请填写运单号".
 */
export function formProblem(form: ShipForm): string {
  const express = (METHODS[form.methodIndex] ?? 'express') === 'express';
  const packages = express ? form.packages : form.packages.slice(0, 1);
  for (const [i, p] of packages.entries()) {
    const problem = packageProblem(p, express);
    if (problem)
      return packages.length > 1
        ? `${toShipText.package} ${i + 1}${toShipText.separator}${problem}`
        : problem;
  }
  return '';
}

function packageProblem(p: PackageForm, express: boolean): string {
  const desc = p.itemDesc.trim();
  if (!desc || [...desc].length > MAX_ITEM_DESC) return toShipText.itemDescMissing;
  if (!express) return '';
  const trackingNo = p.trackingNo.trim();
  if (!trackingNo) return toShipText.trackingNoMissing;
  if (!TRACKING_NO.test(trackingNo)) return toShipText.trackingNoInvalid;
  const contact = p.contact.trim();
  if (contact && !MASKED_PHONE.test(contact)) return toShipText.contactInvalid;
  return '';
}
