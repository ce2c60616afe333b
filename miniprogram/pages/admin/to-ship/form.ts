/**
 * The shipping form of the "to ship" list: what the admin fills in, and the shipOrder request it
 * makes. Pure, so the rules are readable (and testable) apart from the page.
 */
import type { OrderView } from '../../../../typings/paykit/order';
import type { DeliveryMethod, ShipOrderRequest } from '../../../../typings/paykit/shipping';
import { expressCompanyText } from '../../../paykit/strings';

/** The methods the form offers, in picker order. */
export const METHODS: DeliveryMethod[] = ['express', 'same-city', 'self-pickup', 'virtual'];
/** The company codes the form offers, in picker order. */
export const COMPANIES = Object.keys(expressCompanyText);

export interface ShipForm {
  orderNo: string;
  methodIndex: number;
  companyIndex: number;
  trackingNo: string;
  /** A masked phone number (SF only). */
  contact: string;
  itemDesc: string;
}

/** A form for `order`: its own delivery method, the item names as the description. */
export function formFor(order: OrderView): ShipForm {
  const desc = order.items.map((i) => (i.quantity > 1 ? `${i.name}×${i.quantity}` : i.name)).join('、');
  return {
    orderNo: order.orderNo,
    methodIndex: Math.max(0, METHODS.indexOf(order.delivery)),
    companyIndex: 0,
    trackingNo: '',
    contact: '',
    itemDesc: [...desc].slice(0, 120).join(''),
  };
}

/** The request the form makes: one package (the server checks every rule and says what is wrong). */
export function requestOf(form: ShipForm): ShipOrderRequest {
  const method = METHODS[form.methodIndex] ?? 'express';
  const itemDesc = form.itemDesc.trim();
  if (method !== 'express') return { orderNo: form.orderNo, method, packages: [{ itemDesc }] };
  const contact = form.contact.trim();
  return {
    orderNo: form.orderNo,
    method,
    packages: [
      {
        itemDesc,
        trackingNo: form.trackingNo.trim(),
        expressCompany: COMPANIES[form.companyIndex] ?? COMPANIES[0],
        ...(contact ? { contact: { receiverContact: contact } } : {}),
      },
    ],
  };
}
