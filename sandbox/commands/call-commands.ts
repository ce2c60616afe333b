/**
 * Control commands that act as a mini-program user: `call` invokes any cloud function through the
 * gateway (as wx.cloud.callFunction does), `buy` places an order with unifiedOrder, ready for `pay`.
 */
import { CliError, count, flag, type Args } from './args';
import type { ControlClient } from './client';
import { beijing, yuan } from './format';
import type { CommandContext, CommandResult } from './pay-commands';

/**
 * The sandbox's local users. The admin is also the user WeChat DevTools calls as in local mode
 * (miniprogram/paykit/config.ts localOpenid), and the one `npm start` puts in PAYKIT_ADMIN_OPENIDS.
 */
export const LOCAL_USERS = {
  buyer: 'oPaykitLocalBuyer',
  admin: 'oPaykitLocalUser',
} as const;

/** What `--as` names: `buyer`, `admin` (the local users) or any openid. Every command takes the same. */
export function localUser(as: string): { openid: string; label: string } {
  if (!as.trim()) throw new CliError('--as needs a user: buyer, admin or an openid');
  const user = Object.entries(LOCAL_USERS).find(([name, openid]) => as === name || as === openid);
  return user ? { openid: user[1], label: `${user[0]} ${user[1]}` } : { openid: as, label: as };
}

/** The caller of `call` and `buy`: `--as`, the buyer by default. */
function caller(args: Args): { openid: string; label: string } {
  return localUser(flag(args, 'as') ?? 'buyer');
}

/** What a kit function answers on failure (typings/paykit/errors.ts). */
interface Failure {
  ok: false;
  code: string;
  message: string;
  retryAt?: number;
}

function isFailure(result: unknown): result is Failure {
  const r = result as Partial<Failure> | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    r.ok === false &&
    typeof r.code === 'string' &&
    typeof r.message === 'string'
  );
}

function failureText(name: string, f: Failure): string {
  const retry = typeof f.retryAt === 'number' ? ` (retry after ${beijing(f.retryAt)} Beijing)` : '';
  return `${name} answered ${f.code}: ${f.message}${retry}`;
}

/** The gateway's answer to a call (today's shape; an HTTP error is raised by the client). */
interface GatewayAnswer {
  ok: boolean;
  result?: unknown;
  requestId?: string;
  errCode?: number;
  errMsg?: string;
  code?: string;
  message?: string;
}

/** Calls `name` through the gateway as `openid`, then lets the callbacks it caused land. */
async function callFunction(
  client: ControlClient,
  name: string,
  data: Record<string, unknown>,
  openid: string,
): Promise<unknown> {
  const { functions } = await client.get<{ functions: string[] }>('/sandbox/status');
  if (!functions.includes(name)) {
    const built = functions.length ? functions.join(', ') : 'none: run npm run build';
    throw new CliError(`no cloud function "${name}" in the sandbox (functions: ${built})`);
  }
  const failed = (reason: string) =>
    new CliError(`calling ${name} failed: ${reason}\n(its output: npm run sandbox -- logs --name ${name})`);
  let answer: GatewayAnswer;
  try {
    answer = await client.post<GatewayAnswer>('/gateway/call', { name, data, openid });
  } catch (err) {
    // The gateway may answer a failed call with an HTTP error rather than { ok: false }.
    if (err instanceof CliError && !err.message.startsWith('no sandbox')) throw failed(err.message);
    throw err;
  }
  if (!answer.ok) throw failed(answer.errMsg ?? answer.message ?? JSON.stringify(answer));
  // A refund or a close may have sent callbacks: wait for their answers before the next command.
  await client.post('/sandbox/pay/settle');
  return answer.result;
}

/** `'{"orderNo":"PK…"}'`, or `key=value` (text) and `key:=json` pairs, as httpie takes them. */
export function callData(words: string[]): Record<string, unknown> {
  if (words.length === 1 && /^\s*[[{]/.test(words[0])) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(words[0]);
    } catch (err) {
      throw new CliError(
        `the data is not valid JSON (${(err as Error).message}); quote it for the shell, ` +
          `e.g. '{"orderNo":"PK…"}', or write orderNo=PK… refundFee:=100`,
      );
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new CliError('the data must be a JSON object, e.g. \'{"orderNo":"PK…"}\'');
    return parsed as Record<string, unknown>;
  }
  const data: Record<string, unknown> = {};
  for (const word of words) {
    const pair = /^([A-Za-z_$][\w$]*)(:?=)(.*)$/s.exec(word);
    if (!pair) {
      throw new CliError(
        `"${word}" is neither a JSON object nor key=value: write '{"orderNo":"PK…"}' or ` +
          'orderNo=PK… (text) and refundFee:=100 (JSON: numbers, true, arrays)',
      );
    }
    const [, key, op, raw] = pair;
    if (op === '=') data[key] = raw;
    else {
      try {
        data[key] = JSON.parse(raw);
      } catch {
        throw new CliError(`${key}:=${raw}: the value after := must be JSON (a number, true, "text", [..])`);
      }
    }
  }
  return data;
}

export async function call({ args, client }: CommandContext): Promise<CommandResult> {
  const [name, ...words] = args.positional;
  if (!name)
    throw new CliError(
      'call needs a function name, e.g. call queryOrder orderNo=PK… or \'{"orderNo":"PK…"}\'',
    );
  const data = callData(words);
  const { openid, label } = caller(args);
  const result = await callFunction(client, name, data, openid);
  if (isFailure(result)) return { data: result, text: failureText(name, result), failed: true };
  return { data: result, text: `${name} as ${label}\n${JSON.stringify(result, null, 2)}` };
}

interface Ordered {
  orderNo: string;
  totalFee: number;
  payment: { package: string };
}

interface TradeView {
  outTradeNo: string;
  state: string;
  prepays: Array<{ prepayId: string; expiresAt: number }>;
}

export async function buy({ args, client }: CommandContext): Promise<CommandResult> {
  const sku = args.positional[0];
  if (!sku || args.positional.length > 1)
    throw new CliError('buy takes one sku, e.g. buy coffee-latte --quantity 2');
  const quantity = count(args, 'quantity') ?? 1;
  const { openid, label } = caller(args);
  const result = await callFunction(client, 'unifiedOrder', { items: [{ sku, quantity }] }, openid);
  if (isFailure(result)) {
    let text = failureText('unifiedOrder', result);
    if (result.code === 'PRODUCT_NOT_FOUND') text += `\nfor sale: ${await forSale(client)}`;
    return { data: result, text, failed: true };
  }
  const { orderNo, totalFee, payment } = (result as { data: Ordered }).data;
  const prepayId = payment.package.replace(/^prepay_id=/, '');
  const { trades } = await client.get<{ trades: TradeView[] }>('/sandbox/pay/trades');
  const trade = trades.find((t) => t.prepays.some((p) => p.prepayId === prepayId));
  const prepay = trade?.prepays.find((p) => p.prepayId === prepayId);
  const data = {
    orderNo,
    totalFee,
    openid,
    outTradeNo: trade?.outTradeNo ?? null,
    prepayId,
    payment,
  };
  if (args.flags.quiet) return { data, text: orderNo };
  const text = [
    `order       ${orderNo}  ${yuan(totalFee)}  ${sku} × ${quantity}, ${label}`,
    `outTradeNo  ${trade ? `${trade.outTradeNo} (${trade.state})` : '-'}`,
    `prepay      ${prepayId}${prepay ? `  valid until ${beijing(prepay.expiresAt)} Beijing` : ''}`,
    `pay it      npm run sandbox -- pay ${orderNo}   (--action cancel|fail|notenough|slow for the rest)`,
  ].join('\n');
  return { data, text };
}

async function forSale(client: ControlClient): Promise<string> {
  const { data } = await client.post<{ data: Array<{ _id: string; price: number }> }>('/sandbox/db/query', {
    collection: 'paykit_products',
    where: { active: true },
  });
  return data.length
    ? data.map((p) => `${p._id} (${yuan(p.price)})`).join(', ')
    : 'nothing (import products: npm run sandbox -- import products.json)';
}
