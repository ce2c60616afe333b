/** WeChat's answers to the order-shipping calls (§2.1 error table): `{ errcode, errmsg }`. */
import { randomBytes } from 'crypto';

export const WX_ERRORS = {
  47001: 'data format error',
  48001: 'api unauthorized',
  40097: 'invalid args',
  10060001: '支付单不存在',
  10060002: '支付单已完成发货，无法继续发货',
  10060003: '支付单已使用重新发货机会',
  10060004: '支付单处于不可发货的状态',
  10060005: '物流类型有误',
  10060006: '非快递发货时不允许分拆发货',
  10060007: '分拆发货模式时必须填写 is_all_delivered 字段',
  10060008: '商品描述 item_desc 不能为空',
  10060009: '商品描述 item_desc 过长',
  10060011: 'last_index 不合法',
  10060014: '参数错误',
  10060020: '发货信息中缺少商品描述，无法完成发货',
  10060023: '发货信息未更新',
  10060024: '物流信息列表过长',
  10060025: '物流公司编码过长',
  10060026: '物流单号过长',
  10060028: '支付单不处于已发货状态',
  10060029: '确认收货时间不合法',
  10060030: '已提醒过确认收货',
  10060031: '支付单不属于 openid 所指定的用户',
  10060032: '仅支持快递发货的订单提醒确认收货',
  268485194: 'order_number_type 不合法',
  268485195: 'transaction_id 不能为空',
  268485196: 'mchid 不能为空',
  268485197: 'out_trade_no 不能为空',
  268485216: '上传时间非法，请按照 RFC 3339 格式填写',
  268485224: 'delivery_mode 不合法',
  268485226: '物流单号不能为空',
  268485227: '物流公司编码不能为空',
  268485228: '统一发货模式下物流信息列表长度必须为1',
} as const;

export type WxErrcode = keyof typeof WX_ERRORS;

/** A refusal as WeChat answers it; `detail` is appended to the table's message, then WeChat's rid. */
export class WxRefusal extends Error {
  constructor(
    readonly errcode: WxErrcode,
    readonly detail?: string,
  ) {
    super(`${WX_ERRORS[errcode]}${detail ? `: ${detail}` : ''}`);
  }

  answer(): { errcode: number; errmsg: string } {
    return { errcode: this.errcode, errmsg: `${this.message} rid: ${rid()}` };
  }
}

export function refuse(errcode: WxErrcode, detail?: string): never {
  throw new WxRefusal(errcode, detail);
}

/** WeChat's request id suffix (`rid: 6751a2b3-1c2d3e4f-5a6b7c8d`). */
function rid(): string {
  const hex = randomBytes(12).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 16)}-${hex.slice(16, 24)}`;
}
