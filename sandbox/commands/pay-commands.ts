/** Control commands for the pay emulator: act as the payer, list trades and deliveries, inject faults. */
import type { ApiFaultView, CallbackFaultView } from '../../typings/sandbox/dashboard';
import { PAYER_ACTIONS } from '../pay/payer';
import { CliError, count, flag, parseDuration, type Args } from './args';
import { localUser } from './call-commands';
import type { ControlClient } from './client';
import { beijing, brief, duration, table, yuan } from './format';

export interface CommandContext {
  args: Args;
  client: ControlClient;
}

/** A command answers the data (printed with --json) and its human-readable text. */
export interface CommandResult {
  data: unknown;
  text: string;
  /** The command did not get what it asked for (e.g. a function answered an error): exit 1. */
  failed?: boolean;
}

interface TradeView {
  outTradeNo: string;
  subOpenid: string;
  body: string;
  totalFee: number;
  refundedFee: number;
  state: string;
  createdAt: number;
  timeEnd: number | null;
  prepays: Array<{ prepayId: string; expiresAt: number }>;
}

interface DeliveryView {
  id: number;
  kind: string;
  outTradeNo: string;
  outRefundNo?: string;
  functionName: string;
  attempt: number;
  duplicate: boolean;
  startedAt: number;
  outcome: string;
  answer?: unknown;
  error?: string;
}

/** What `GET /sandbox/pay/faults` answers: the faults waiting to strike. */
type Faults = { api: ApiFaultView[]; callbacks: CallbackFaultView[] };

const ACTIONS = PAYER_ACTIONS;
const MODES = ['drop', 'delay', 'duplicate', 'hold'];

export async function pay({ args, client }: CommandContext): Promise<CommandResult> {
  const target = args.positional[0];
  if (!target)
    throw new CliError('pay needs an order number (from buy), a package (prepay_id=wx…) or a prepay id');
  const action = flag(args, 'action') ?? 'pay';
  if (!(ACTIONS as readonly string[]).includes(action))
    throw new CliError(`--action must be one of ${ACTIONS.join(', ')}`);
  const { trades } = await client.get<{ trades: TradeView[] }>('/sandbox/pay/trades');
  const prepayId = ORDER_NO.test(target) ? latestPrepay(trades, target) : target.replace(/^prepay_id=/, '');
  const pkg = `prepay_id=${prepayId}`;
  const trade = trades.find((t) => t.prepays.some((p) => p.prepayId === prepayId));
  const as = flag(args, 'as');
  const openid = as === undefined ? trade?.subOpenid : localUser(as).openid;
  if (!openid) throw new CliError(`no trade has prepay ${prepayId}; pass --as <openid> to try anyway`);
  const answer = await client.post<{ errMsg: string }>('/sandbox/pay/act', { package: pkg, openid, action });
  await client.post('/sandbox/pay/settle');
  const after = trade
    ? (await client.get<{ trades: TradeView[] }>('/sandbox/pay/trades', { outTradeNo: trade.outTradeNo }))
        .trades[0]
    : undefined;
  const actedAs = after && after.subOpenid !== openid ? `; acted as ${openid}` : '';
  const text = after
    ? `${answer.errMsg}\ntrade ${after.outTradeNo}: ${after.state} (${yuan(after.totalFee)}, payer ${after.subOpenid}${actedAs})`
    : answer.errMsg;
  // Paying is asked to succeed: a sheet that did not (another payer, a paid or closed order) fails the
  // command. The other actions are failures asked for.
  const failed = (action === 'pay' || action === 'slow') && answer.errMsg !== 'requestPayment:ok';
  return { data: { ...answer, trade: after ?? null }, text, failed };
}

/** The kit's business order number (cloudfunctions/common/ids.ts): its trades are `<orderNo>A<nn>`. */
const ORDER_NO = /^PK\d{22}$/;

/** The prepay of an order's latest payment attempt: what the pay sheet would show now. */
function latestPrepay(trades: TradeView[], orderNo: string): string {
  // Attempt numbers are zero-padded, so the greatest outTradeNo is the latest attempt.
  const attempts = trades.filter((t) => t.outTradeNo.startsWith(`${orderNo}A`) && t.prepays.length);
  const latest = attempts.sort((a, b) => a.outTradeNo.localeCompare(b.outTradeNo))[attempts.length - 1];
  if (!latest) throw new CliError(`order ${orderNo} has no prepay at WeChat Pay: place it with buy first`);
  return latest.prepays[latest.prepays.length - 1].prepayId;
}

export async function trades({ args, client }: CommandContext): Promise<CommandResult> {
  const data = await client.get<{ trades: TradeView[] }>('/sandbox/pay/trades', {
    outTradeNo: flag(args, 'out-trade-no'),
    state: flag(args, 'state'),
  });
  const rows = data.trades.map((t) => [
    t.outTradeNo,
    t.state,
    yuan(t.totalFee),
    t.refundedFee ? yuan(t.refundedFee) : '',
    beijing(t.createdAt),
    beijing(t.timeEnd),
    t.subOpenid,
    t.prepays.length ? t.prepays[t.prepays.length - 1].prepayId : '',
  ]);
  const header = ['OUT_TRADE_NO', 'STATE', 'TOTAL', 'REFUNDED', 'CREATED', 'PAID', 'PAYER', 'PREPAY'];
  return { data, text: table(header, rows, 'no trades') };
}

/**
 * A refund the merchant makes by hand on the merchant platform, not through the API (the kit is not
 * asked: see how it learns of one). The whole of what is left unless `--fee` gives fen.
 */
export async function platformRefund({ args, client }: CommandContext): Promise<CommandResult> {
  const [outTradeNo, ...extra] = args.positional;
  if (!outTradeNo || extra.length)
    throw new CliError('platform-refund takes one out_trade_no (see trades), e.g. platform-refund PK…A01');
  const refundFee = count(args, 'fee');
  const reason = flag(args, 'reason');
  const data = await client.post<{ refund: { outRefundNo: string; refundFee: number; status: string } }>(
    '/sandbox/pay/refunds',
    {
      outTradeNo,
      ...(refundFee !== undefined ? { refundFee } : {}),
      ...(reason !== undefined ? { reason } : {}),
    },
  );
  const { refund } = data;
  return {
    data,
    text: `refund ${refund.outRefundNo} of ${outTradeNo}: ${yuan(refund.refundFee)}, ${refund.status} (made on the merchant platform)`,
  };
}

export async function deliveries({ args, client }: CommandContext): Promise<CommandResult> {
  const data = await client.get<{ deliveries: DeliveryView[] }>('/sandbox/pay/deliveries', {
    outTradeNo: flag(args, 'out-trade-no'),
    outRefundNo: flag(args, 'out-refund-no'),
    kind: flag(args, 'kind'),
  });
  const rows = data.deliveries.map((d) => [
    String(d.id),
    d.kind,
    d.outRefundNo ? `${d.outTradeNo}/${d.outRefundNo}` : d.outTradeNo,
    d.functionName,
    `${d.attempt}${d.duplicate ? ' (dup)' : ''}`,
    beijing(d.startedAt),
    d.outcome,
    d.error ? brief(d.error) : brief(d.answer),
  ]);
  const header = ['ID', 'KIND', 'ORDER', 'FUNCTION', 'ATTEMPT', 'AT', 'OUTCOME', 'ANSWER'];
  return { data, text: table(header, rows, 'no callback deliveries') };
}

export async function fault({ args, client }: CommandContext): Promise<CommandResult> {
  const [api, error] = args.positional;
  if (!api || !error) throw new CliError('fault needs <api> <error>, e.g. fault unifiedOrder SYSTEMERROR');
  const n = count(args) ?? 1;
  const delay = flag(args, 'delay');
  const data = await client.post<{ fault: Faults['api'][number] }>('/sandbox/pay/faults', {
    api,
    error,
    count: n,
    afterProcessing: args.flags['after-processing'] === true,
    ...(delay !== undefined ? { delayMs: parseDuration(delay) } : {}),
  });
  // The sandbox answers the names as it understood them (`timeout` is TIMEOUT).
  const f = data.fault;
  const calls = `the next ${n} ${f.api} call${n > 1 ? 's' : ''}`;
  if (f.delayMs)
    return { data, text: `${calls} will be carried out and answered ${duration(f.delayMs)} late` };
  const after = f.afterProcessing ? ' (after carrying the request out)' : '';
  return { data, text: `${calls} will fail with ${f.error}${after}` };
}

/** How a listed API fault strikes: its error, and when that is not all, how. */
function faultText(f: Faults['api'][number]): string {
  if (f.delayMs) return `${f.error} ${duration(f.delayMs)}`;
  return f.error + (f.afterProcessing ? ' (after processing)' : '');
}

export async function faults({ args, client }: CommandContext): Promise<CommandResult> {
  const data = args.flags.clear
    ? await client.request<Faults>('DELETE', '/sandbox/pay/faults')
    : await client.get<Faults>('/sandbox/pay/faults');
  const rows = [
    ...data.api.map((f) => ['api', f.api, faultText(f), String(f.remaining)]),
    ...data.callbacks.map((f) => [
      'callback',
      f.kind ?? 'payment+refund',
      f.mode + (f.mode === 'delay' ? ` ${duration(f.delayMs)}` : ''),
      String(f.remaining),
    ]),
  ];
  const prefix = args.flags.clear ? 'faults cleared\n' : '';
  return { data, text: prefix + table(['TYPE', 'TARGET', 'FAULT', 'REMAINING'], rows, 'no faults') };
}

export async function callbacks({ args, client }: CommandContext): Promise<CommandResult> {
  const mode = args.positional[0];
  if (!mode || !MODES.includes(mode)) throw new CliError(`callbacks needs a mode: ${MODES.join(', ')}`);
  const kind = flag(args, 'kind');
  if (kind !== undefined && kind !== 'payment' && kind !== 'refund')
    throw new CliError('--kind must be payment or refund');
  const delay = flag(args, 'delay');
  if (mode === 'delay' && delay === undefined) throw new CliError('callbacks delay needs --delay <duration>');
  const n = count(args) ?? 1;
  const data = await client.post('/sandbox/pay/callbacks', {
    mode,
    count: n,
    ...(kind ? { kind } : {}),
    ...(delay !== undefined ? { delayMs: parseDuration(delay) } : {}),
  });
  const what = `the next ${n} ${kind ?? 'payment/refund'} callback${n > 1 ? 's' : ''}`;
  const texts: Record<string, string> = {
    drop: `${what} will be lost on the way (and retried on schedule)`,
    delay: `${what} will be sent ${delay} late`,
    duplicate: `${what} will be sent twice`,
    hold: `${what} will wait for "release" (--reverse to deliver them newest first)`,
  };
  return { data, text: texts[mode] };
}

export async function release({ args, client }: CommandContext): Promise<CommandResult> {
  const reverse = args.flags.reverse === true;
  const data = await client.post<{ released: number }>('/sandbox/pay/callbacks/release', {
    order: reverse ? 'reverse' : 'fifo',
  });
  await client.post('/sandbox/pay/settle');
  const order = reverse ? ', newest first' : '';
  return { data, text: `released ${data.released} held callback${data.released === 1 ? '' : 's'}${order}` };
}
