/**
 * Recording shipments at WeChat (upload_shipping_info, keyed by transaction_id so both providers
 * work alike): by an admin (shipOrder), and by the kit itself for virtual goods once paid. WeChat's
 * rules are kept: one re-shipment, 10060023 (identical content) counts as done, final errors are
 * final and say why in Chinese, 10060001 right after the payment means "ask again in a minute".
 * An account that is not enrolled (48001) gets the shipment recorded here only.
 */
import type { DeliveryMethod, ShipmentPackage, ShipOrderResult } from '../../typings/paykit/shipping';
import type { Kit } from './context';
import { ServerError, stateConflict } from './errors';
import type { OrderDoc } from './model';
import { isPaid } from './order-states';
import { checkShipment, type ShipOrderInput } from './shipping-requests';
import {
  canShip,
  claimUpload,
  LOGISTICS_TYPE,
  MAX_SHIPMENTS,
  noteRetry,
  releaseUpload,
  ship,
  shippingOf,
  shippingView,
  UPLOAD_LEASE_MS,
  type ShipmentRecord,
} from './shipping-states';
import {
  rfc3339Beijing,
  uploadShippingInfo,
  type UploadShippingInfo,
  type WeChatAnswer,
} from './shipping-wechat';
import { NOT_ENROLLED, remember, tradeManaged } from './trade-managed';

/** A shipped order is asked about (get_order) again after this: confirmation and settlement take days. */
export const RECHECK_SHIPPED_MS = 24 * 3600_000;
/** Virtual goods WeChat does not know yet are tried again after this (the sweep runs every 5 minutes). */
export const VIRTUAL_RETRY_MS = 60_000;
/** After a final refusal of a virtual shipment, the sweep asks again only daily (someone has to look). */
export const VIRTUAL_REFUSED_RETRY_MS = 24 * 3600_000;

type WeChatFailure = Extract<WeChatAnswer<unknown>, { ok: false }>;

/** Codes WeChat answers while it does not know the payment yet or is busy: worth asking again. */
const TRANSIENT = new Set([-1, 10060001, 10060012, 10060019]);
/** "发货信息未更新": WeChat already holds exactly this shipment. */
const IDENTICAL = 10060023;

/** Why WeChat refused, in Chinese, for the admin. */
const REFUSALS: Record<number, string> = {
  10060002: '支付单已完成发货，无法继续发货',
  10060003: '支付单已使用重新发货机会',
  10060004: '支付单处于不可发货的状态（已退款或已完成）',
  10060005: '物流类型有误',
  10060006: '非快递发货时不允许分拆发货',
  10060007: '分拆发货需说明是否已全部发货',
  10060008: '商品描述不能为空',
  10060009: '商品描述过长',
  10060014: '参数错误',
  10060020: '没有商品描述，无法完成发货',
  10060024: '物流信息超过 15 条',
  10060025: '物流公司编码过长',
  10060026: '物流单号过长',
  10060031: '支付单不属于该买家',
  268485216: '上传时间格式非法',
  268485224: '发货模式非法',
  268485226: '快递发货的物流单号不能为空',
  268485227: '快递发货的物流公司编码不能为空',
  268485228: '统一发货时物流信息必须恰好一条',
  47001: '数据格式错误',
  [-604101]: '云调用没有权限：请检查云函数 config.json 的 openapi 权限并重新部署',
};

/**
 * shipOrder: `admin` records the shipment of a paid order (or its one re-shipment); the caller,
 * checked an admin first (access.ts adminCaller).
 */
export async function shipOrder(kit: Kit, admin: string, input: ShipOrderInput): Promise<ShipOrderResult> {
  const order = await kit.store.order(input.orderNo);
  if (!order) throw new ServerError('ORDER_NOT_FOUND', `no order ${input.orderNo}`);
  const method = input.method ?? order.delivery ?? 'express';
  checkShipment(method, input.packages);
  const after = await recordShipment(kit, order, method, input.packages, admin, input.shipments);
  return { orderNo: after._id, shipping: shippingView(after) };
}

/**
 * Records one shipment: at WeChat unless the account is not enrolled, then here with one
 * conditional update. Answers the order as it stands afterwards. `seen`, the shipments the admin's
 * view had, keeps a stale view from spending the one re-shipment (shipOrder's `shipments`).
 */
export async function recordShipment(
  kit: Kit,
  order: OrderDoc,
  method: DeliveryMethod,
  packages: ShipmentPackage[],
  by: string,
  seen?: number,
): Promise<OrderDoc> {
  assertShippable(order);
  const s = shippingOf(order);
  const last = s.shipments[s.shipments.length - 1];
  // The same shipment sent again (a retry, a double tap) is the one already recorded.
  if (last && last.method === method && samePackages(last.packages, packages)) return order;
  if (seen !== undefined && s.count > seen) {
    throw stateConflict(
      'SHIPPED_MEANWHILE',
      `another shipment of the order was recorded meanwhile (${s.count} now, ${seen} when the admin looked); nothing was uploaded; reload the order, and re-ship (if at all) with the shipments it shows`,
    );
  }
  if (s.count >= MAX_SHIPMENTS)
    throw new ServerError('RESHIP_USED', '该订单已发货并用完唯一一次重新发货机会，无法再次修改发货信息');
  if (!order.transactionId)
    throw stateConflict('NO_TRANSACTION_ID', 'the order has no WeChat Pay transaction id yet');

  const _ = kit.store.command;
  const claimedAt = new Date();
  const claim = claimUpload(_, order, claimedAt, kit.time.claimLapsesAt(claimedAt, UPLOAD_LEASE_MS));
  if (!(await kit.store.apply(order._id, claim))) {
    throw new ServerError(
      'ORDER_STATE_CONFLICT',
      'the order changed meanwhile, or another shipment of it is being recorded; reload it and try again in a minute',
    );
  }
  // upload_time must grow from one upload to the next, even on a frozen clock.
  const shippedAt = Math.max(Date.now(), last ? last.shippedAt.getTime() + 1 : 0);
  let local: boolean;
  try {
    local = await uploadOnce(kit, order, method, packages, shippedAt);
  } catch (err) {
    await kit.store.apply(order._id, releaseUpload(_, claimedAt)).catch(() => false);
    throw err;
  }
  const record: ShipmentRecord = { method, packages, shippedAt: new Date(shippedAt), by, local };
  const move = ship(_, order, record, new Date(shippedAt + RECHECK_SHIPPED_MS), claimedAt);
  if (!(await kit.store.apply(order._id, move))) {
    throw new ServerError('ORDER_STATE_CONFLICT', 'the order changed meanwhile; reload it and try again');
  }
  return (await kit.store.order(order._id)) ?? order;
}

/** Uploads the shipment to WeChat (the caller holds the claim); true when it is recorded here only. */
async function uploadOnce(
  kit: Kit,
  order: OrderDoc,
  method: DeliveryMethod,
  packages: ShipmentPackage[],
  shippedAt: number,
): Promise<boolean> {
  if (!(await tradeManaged(kit.time, order.appid))) return true;
  const answer = await uploadShippingInfo(kit.time, uploadBody(order, method, packages, shippedAt));
  if (!answer.ok && answer.errcode === NOT_ENROLLED) {
    remember(order.appid, false);
    return true;
  }
  if (!answer.ok && answer.errcode !== IDENTICAL) throw refusal(answer);
  return false;
}

function assertShippable(order: OrderDoc): void {
  if (!isPaid(order.status))
    throw new ServerError('ORDER_STATE_CONFLICT', 'only a paid order can be shipped');
  if (canShip(order)) return;
  const { state, count } = shippingOf(order);
  if (count >= MAX_SHIPMENTS && state === 'SHIPPED')
    throw new ServerError('RESHIP_USED', '该订单已用完唯一一次重新发货机会');
  throw new ServerError('ORDER_STATE_CONFLICT', `the order's shipment is ${state}: it can no longer change`);
}

function samePackages(a: ShipmentPackage[], b: ShipmentPackage[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** What WeChat's failed answer means for the admin (or the sweep). */
function refusal(answer: WeChatFailure): ServerError {
  const { errcode, errmsg } = answer;
  if (TRANSIENT.has(errcode)) {
    const err = new ServerError(
      'SHIPPING_PENDING',
      `微信暂未同步该支付单或系统繁忙（${errcode}），请一分钟后再试`,
    );
    // Not sent for lack of the function's time: WeChat did not refuse anything.
    if (answer.notStarted) err.notStarted = true;
    return err;
  }
  if (errcode === 10060003) return new ServerError('RESHIP_USED', `${REFUSALS[errcode]}（${errcode}）`);
  const why = REFUSALS[errcode] ?? `微信返回错误：${errmsg}`;
  return new ServerError('SHIPPING_REFUSED', `微信拒绝发货：${why}（${errcode}）`);
}

/** WeChat's request, in its own field names. */
export function uploadBody(
  order: OrderDoc,
  method: DeliveryMethod,
  packages: ShipmentPackage[],
  uploadAt: number,
): UploadShippingInfo {
  const split = packages.length > 1;
  return {
    order_key: { order_number_type: 2, transaction_id: order.transactionId ?? '' },
    logistics_type: LOGISTICS_TYPE[method],
    delivery_mode: split ? 2 : 1,
    ...(split ? { is_all_delivered: true } : {}),
    shipping_list: packages.map((p) => ({
      item_desc: p.itemDesc,
      ...(p.trackingNo ? { tracking_no: p.trackingNo } : {}),
      ...(p.expressCompany ? { express_company: p.expressCompany } : {}),
      ...(p.contact
        ? {
            contact: {
              ...(p.contact.consignorContact ? { consignor_contact: p.contact.consignorContact } : {}),
              ...(p.contact.receiverContact ? { receiver_contact: p.contact.receiverContact } : {}),
            },
          }
        : {}),
    })),
    upload_time: rfc3339Beijing(uploadAt),
    payer: { openid: order.openid },
  };
}

/** WeChat's item_desc: the items, at most 120 characters. */
export function itemDesc(order: OrderDoc): string {
  const text = order.items.map((i) => (i.quantity > 1 ? `${i.name}×${i.quantity}` : i.name)).join('、');
  const chars = [...text];
  return chars.length <= 120 ? text : `${chars.slice(0, 119).join('')}…`;
}

export type VirtualOutcome = 'SHIPPED' | 'RETRY' | 'SKIPPED' | 'NOT_STARTED';

/**
 * Virtual goods ship themselves once paid (logistics_type 3). While WeChat does not know the
 * payment yet (10060001, normal right after the notification) the try is noted and the sweep asks
 * again; a final refusal is noted too, and asked again daily. An upload not started for lack of the
 * function's time is no try: NOT_STARTED, nothing noted, so the sweep's next run uploads it. Never
 * throws: the payment callback and the sweep call it on their way.
 */
export async function shipVirtualGoods(kit: Kit, order: OrderDoc, now = Date.now()): Promise<VirtualOutcome> {
  const s = shippingOf(order);
  if ((order.delivery ?? 'express') !== 'virtual' || s.state !== 'AWAITING' || !canShip(order))
    return 'SKIPPED';
  if (s.retry && s.retry.nextAt.getTime() > now) return 'SKIPPED';
  try {
    await recordShipment(kit, order, 'virtual', [{ itemDesc: itemDesc(order) }], 'auto');
    return 'SHIPPED';
  } catch (err) {
    if (err instanceof ServerError && err.notStarted) return 'NOT_STARTED';
    const code = err instanceof ServerError ? err.code : 'INTERNAL';
    // Not yet known at WeChat, a failure, or another runner on it: soon; WeChat's final word: daily.
    const soon = ['SHIPPING_PENDING', 'INTERNAL', 'ORDER_STATE_CONFLICT'].includes(code);
    const wait = soon ? VIRTUAL_RETRY_MS : VIRTUAL_REFUSED_RETRY_MS;
    const message = err instanceof Error ? err.message : String(err);
    if (code !== 'SHIPPING_PENDING')
      console.error(`[paykit] shipping virtual goods of ${order._id}:`, message);
    // Noting the retry is best effort: without it the sweep simply tries at its next run.
    await kit.store.apply(order._id, noteRetry(order, message, new Date(now + wait))).catch(() => false);
    return 'RETRY';
  }
}
