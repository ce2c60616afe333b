/**
 * Settings of the order-shipping emulation. Facts of wechat-shipping-reference.md are the defaults;
 * what it marks unconfirmed is a setting. Kept in the data folder (ship_settings), so a restarted
 * sandbox keeps its enrolment.
 */

import { settingsPatchProblem } from '../settings';

export interface ShippingConfig {
  /** The account is in WeChat's order-shipping management (§1). Default true: a newcomer's `npm start`
   *  exercises the kit's shipping path; false makes every call answer 48001. */
  enrolled: boolean;
  /** `is_trade_management_confirmation_completed` → `completed` (§2.7). */
  confirmationCompleted: boolean;
  /** UNCONFIRMED (§1, S21): a non-enrolled account's is_trade_managed answers 48001 (staff) or
   *  `{ is_trade_managed: false }` (the API page). */
  notEnrolledIsTradeManaged: '48001' | 'false';
  /** §5 pitfall 1: WeChat does not know a payment this long after it (10060001; staff: "1 minute"). */
  unknownWindowMs: number;
  /** Days after shipping an unconfirmed order auto-confirms (§1, unconfirmed T+10 / T+2). */
  autoConfirmDaysExpress: number;
  autoConfirmDaysOther: number;
  /** UNCONFIRMED: receipt confirmed → 交易完成 + settlement push after this long ("settles immediately"). */
  settlementDelayMs: number;
  /** `trade_manage_remind_shipping` this long after payment for unshipped orders (§1: 48 h); 0 = never. */
  remindShippingAfterMs: number;
  /** Push `trade_manage_remind_access_api` when the first payment is known and nothing was ever shipped. */
  remindAccessApi: boolean;
  /** The cloud function message pushes are routed to (云开发 → 消息推送, §4). '' = no pushes. */
  eventFunction: string;
  /** UNCONFIRMED (§2.1): item_desc's 120 limit counts `chars` (doc) or UTF-8 `bytes` (one peer). */
  itemDescLimit: 'chars' | 'bytes';
  /** UNCONFIRMED (§5 pitfall 2): an out-of-range enum answers its table code (10060005, 268485224) or
   *  47001 data format error (staff, for logistics_type 5). */
  invalidEnumAnswer: 'table' | '47001';
  /** Cloud calls need `permissions.openapi` in the function's config.json (§3); else -604101. */
  requirePermissions: boolean;
  /** get_order_list's largest page (doc: default 100; a Go SDK says 50, unconfirmed). */
  maxPageSize: number;
  /** The mini-program's original id (ToUserName of pushes). */
  originalId: string;
}

export const DEFAULT_SHIPPING_CONFIG: ShippingConfig = {
  enrolled: true,
  confirmationCompleted: true,
  notEnrolledIsTradeManaged: '48001',
  unknownWindowMs: 60_000,
  autoConfirmDaysExpress: 10,
  autoConfirmDaysOther: 2,
  settlementDelayMs: 0,
  remindShippingAfterMs: 48 * 3600_000,
  remindAccessApi: true,
  eventFunction: 'shippingEvents',
  itemDescLimit: 'chars',
  invalidEnumAnswer: 'table',
  requirePermissions: true,
  maxPageSize: 100,
  originalId: 'gh_0000sandbox',
};

const CHOICES: Partial<Record<keyof ShippingConfig, readonly string[]>> = {
  notEnrolledIsTradeManaged: ['48001', 'false'],
  itemDescLimit: ['chars', 'bytes'],
  invalidEnumAnswer: ['table', '47001'],
};

/** Why a patch is wrong (naming the valid keys or values), or undefined when it is fine. */
export function shippingConfigProblem(patch: Record<string, unknown>): string | undefined {
  return settingsPatchProblem(
    { defaults: DEFAULT_SHIPPING_CONFIG, choices: CHOICES, numbers: 'whole', also },
    patch,
  );
}

/** maxPageSize pages at least one order; eventFunction names a function or none. */
function also(key: keyof ShippingConfig, value: unknown, show: string): string | undefined {
  if (key === 'maxPageSize' && (value as number) < 1) return `maxPageSize must be ≥ 1; got ${show}`;
  if (key === 'eventFunction' && !/^[A-Za-z0-9_-]{0,60}$/.test(value as string))
    return `eventFunction must be a function name (letters, digits, _ and -) or ''; got ${show}`;
  return undefined;
}
