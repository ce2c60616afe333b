/**
 * `shipping …`: the order-shipping emulation from a terminal (orders as WeChat sees them, the
 * pushes, the payer's confirm receipt, pushing an event now, the settings).
 */
import { CliError, flag } from './args';
import { localUser } from './call-commands';
import { beijing, brief, table, yuan } from './format';
import type { CommandContext, CommandResult } from './pay-commands';

export const SHIPPING_USAGE = `  shipping [orders] [--state 1-6] [--out-trade-no <no>]
                                           Orders as WeChat's shipping management sees them
                                           (1 待发货 2 已发货 3 确认收货 4 交易完成 5 已退款)
  shipping events | confirm <transaction_id> [--as <user>] | emit <event> [<transaction_id>]
                                           The pushes and their answers; the payer confirms receipt;
                                           push trade_manage_* now
  shipping config [key=value…]             Show or change the settings (enrolled=false, …)`;

interface OrderView {
  transaction_id: string;
  merchant_trade_no: string;
  paid_amount: number;
  openid: string;
  pay_time: number;
  order_state: number;
  shipping?: { logistics_type: number; finish_shipping_count: number; goods_desc: string };
}

const STATE_NAMES: Record<number, string> = {
  1: '待发货',
  2: '已发货',
  3: '确认收货',
  4: '交易完成',
  5: '已退款',
};

async function orders({ args, client }: CommandContext): Promise<CommandResult> {
  const data = await client.get<{ orders: OrderView[] }>('/sandbox/shipping/orders', {
    state: flag(args, 'state'),
    outTradeNo: flag(args, 'out-trade-no'),
  });
  const rows = data.orders.map((o) => [
    o.transaction_id,
    o.merchant_trade_no,
    `${o.order_state} ${STATE_NAMES[o.order_state] ?? ''}`,
    yuan(o.paid_amount),
    beijing(o.pay_time * 1000),
    o.shipping ? `type ${o.shipping.logistics_type} ×${o.shipping.finish_shipping_count}` : '',
    o.shipping?.goods_desc ?? '',
  ]);
  const header = ['TRANSACTION_ID', 'OUT_TRADE_NO', 'STATE', 'PAID', 'PAY_TIME', 'SHIPPED', 'GOODS'];
  return { data, text: table(header, rows, 'no paid orders') };
}

async function events({ client }: CommandContext): Promise<CommandResult> {
  const data = await client.get<{
    events: Array<{
      id: number;
      event: string;
      transactionId: string | null;
      createdAt: number;
      status: string;
      answer?: unknown;
      error?: string;
    }>;
  }>('/sandbox/shipping/events');
  const rows = data.events.map((e) => [
    String(e.id),
    beijing(e.createdAt),
    e.event,
    e.transactionId ?? '',
    e.status,
    brief(e.error ?? e.answer),
  ]);
  return {
    data,
    text: table(['ID', 'AT', 'EVENT', 'TRANSACTION_ID', 'STATUS', 'ANSWER'], rows, 'no pushes'),
  };
}

async function confirm({ args, client }: CommandContext): Promise<CommandResult> {
  const transactionId = args.positional[1];
  if (!transactionId) throw new CliError('shipping confirm needs a transaction_id (see shipping orders)');
  const as = flag(args, 'as');
  let openid = as === undefined ? undefined : localUser(as).openid;
  if (!openid) {
    const { orders: found } = await client.get<{ orders: OrderView[] }>('/sandbox/shipping/orders', {
      transactionId,
    });
    openid = found[0]?.openid;
    if (!openid) throw new CliError(`no paid order ${transactionId}; pass --as <openid> to try anyway`);
  }
  const data = await client.post<{ referrerInfo: { extraData: { status: string; errormsg?: string } } }>(
    '/sandbox/shipping/confirm',
    { transaction_id: transactionId, openid },
  );
  const { status, errormsg } = data.referrerInfo.extraData;
  return {
    data,
    text: `weappOrderConfirm: ${status}${errormsg ? ` (${errormsg})` : ''}`,
    failed: status !== 'success',
  };
}

async function emit({ args, client }: CommandContext): Promise<CommandResult> {
  const [, event, transactionId] = args.positional;
  if (!event) throw new CliError('shipping emit needs an event (trade_manage_remind_shipping, …)');
  const data = await client.post<{
    event: { status: string; functionName: string; answer?: unknown; error?: string };
  }>('/sandbox/shipping/events/emit', { event, transaction_id: transactionId });
  const e = data.event;
  return {
    data,
    text: `${event} → ${e.functionName || '(no function)'}: ${e.status} ${brief(e.error ?? e.answer)}`,
  };
}

async function config({ args, client }: CommandContext): Promise<CommandResult> {
  const pairs = args.positional.slice(1);
  let data: Record<string, unknown>;
  if (pairs.length) {
    const patch: Record<string, unknown> = {};
    for (const pair of pairs) {
      const at = pair.indexOf('=');
      if (at < 1) throw new CliError(`shipping config takes key=value pairs; got "${pair}"`);
      const text = pair.slice(at + 1);
      // Numbers and booleans as JSON, anything else as text (eventFunction=myEvents).
      patch[pair.slice(0, at)] = /^(true|false|\d+)$/.test(text) ? (JSON.parse(text) as unknown) : text;
    }
    data = await client.post('/sandbox/shipping/config', patch);
  } else data = await client.get('/sandbox/shipping/config');
  const rows = Object.entries(data).map(([k, v]) => [k, JSON.stringify(v)]);
  return { data, text: table(['SETTING', 'VALUE'], rows) };
}

const ACTIONS: Record<string, (ctx: CommandContext) => Promise<CommandResult>> = {
  orders,
  events,
  confirm,
  emit,
  config,
};

export function shipping(ctx: CommandContext): Promise<CommandResult> {
  const action = ctx.args.positional[0] ?? 'orders';
  const run = ACTIONS[action];
  if (!run) throw new CliError(`shipping ${action}: use one of ${Object.keys(ACTIONS).join(', ')}`);
  return run(ctx);
}
