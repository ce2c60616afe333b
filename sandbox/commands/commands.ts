/**
 * The control commands of `paykit-sandbox` (everything but `start`): each talks to a running sandbox
 * over its /sandbox HTTP API, prints text for people or, with --json, the API's JSON for scripts.
 */
import * as fs from 'fs';
import * as path from 'path';
import { checkOptions, CliError, count, flag, parseArgs, parseDuration, parseInstant } from './args';
import { ControlClient, DEFAULT_URL } from './client';
import { beijing, brief, readableDuration, table } from './format';
import { buy, call, LOCAL_USERS } from './call-commands';
import * as payCommands from './pay-commands';
import { shipping, SHIPPING_USAGE } from './shipping-commands';
import type { CommandContext, CommandResult } from './pay-commands';

interface ClockState {
  now: number;
  frozen: boolean;
  offsetMs: number;
}

type Command = (ctx: CommandContext) => Promise<CommandResult>;

export const COMMAND_USAGE = `Control commands (talk to a running sandbox):
  status                                   What the sandbox serves, its clock, trades, callbacks, faults
  clock [freeze|resume|reset|advance <dur>|set <time>]
                                           Show or move the sandbox clock (dur: 90s, 6m, 2h, 1d, 1h30m;
                                           time: ISO 8601 such as 2024-03-15T12:00:00+08:00, or epoch ms;
                                           reset: back to real time). Kept in the data folder's clock.json
  call <function> [json | key=value… | key:=json…] [--as <user>]
                                           Call a cloud function as a mini-program user and print its
                                           answer; exit 1 when it answers { ok: false }
                                           (e.g. call queryOrder orderNo=PK…, call refund orderNo=PK…
                                           refundFee:=100 --as admin)
  buy <sku> [--quantity <n>] [--as <user>] [--quiet]
                                           Order with unifiedOrder; print the orderNo (only it with
                                           --quiet), its outTradeNo and prepay, ready for pay
  pay <orderNo|package|prepay_id> [--as <user>] [--action pay|cancel|fail|notenough|slow]
                                           Act as the payer on the order's latest prepay (default: its
                                           payer, pay)
  trades [--out-trade-no <no>] [--state <STATE>]
  platform-refund <out_trade_no> [--fee <fen>] [--reason <text>]
  deliveries [--out-trade-no <no>] [--out-refund-no <no>] [--kind payment|refund]
                                           Every callback delivery attempt and its answer
  fault <api> <error> [--count <n>] [--after-processing] [--delay <dur>]
                                           The next n calls of <api> (or "*") fail: SYSTEMERROR, TIMEOUT,
                                           RETURN_FAIL, SYS_ERR, NOTENOUGH, …; SLOW --delay 5s carries
                                           them out and answers them that late (shipping.<call>, e.g.
                                           shipping.uploadShippingInfo, takes SLOW only); api
                                           refundResult with REFUNDCLOSE or CHANGE decides how the next
                                           refunds end
  faults [--clear]                         List (or clear) the faults still armed
  callbacks <drop|delay|duplicate|hold> [--count <n>] [--delay <dur>] [--kind payment|refund]
                                           Disturb the next n callbacks
  release [--reverse]                      Send held callbacks now (--reverse: newest first)
  logs [--name <fn>] [--openid <o>] [--limit <n>]
                                           Recent function invocations and their console output
  export [--out <file>] [--collections a,b]
                                           The database as JSON { collection: [docs] } (stdout by default)
  import <file> [--replace]                Load such a JSON file (--replace empties those collections first)
${SHIPPING_USAGE}
Local users (--as buyer, --as admin, or any openid; call and buy act as the buyer by default):
  buyer  ${LOCAL_USERS.buyer}    a customer
  admin  ${LOCAL_USERS.admin}     a merchant admin (start puts it in PAYKIT_ADMIN_OPENIDS: refunds,
                              bills) and the user WeChat DevTools calls as in local mode
Options for every control command:
  --url <url>        Sandbox URL (default $PAYKIT_SANDBOX_URL or ${DEFAULT_URL})
  --token <t>        Access token of a sandbox started with --host beyond loopback
                     (default $PAYKIT_SANDBOX_TOKEN, else .sandbox/access-token)
  --json             Print the API's JSON instead of text`;

async function status({ client }: CommandContext): Promise<CommandResult> {
  const s = await client.get<{
    url: string;
    envId: string;
    appId: string;
    functions: string[];
    clock: ClockState;
  }>('/sandbox/status');
  const { trades } = await client.get<{ trades: Array<{ state: string }> }>('/sandbox/pay/trades');
  const { notifications } = await client.get<{ notifications: Array<{ status: string }> }>(
    '/sandbox/pay/notifications',
  );
  const faults = await client.get<{ api: unknown[]; callbacks: unknown[] }>('/sandbox/pay/faults');
  const tally = (values: string[]) => {
    const counts = new Map<string, number>();
    for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
    return [...counts].map(([k, n]) => `${k} ${n}`).join(', ');
  };
  const text = [
    `sandbox    ${s.url} (env ${s.envId}, appid ${s.appId})`,
    `clock      ${clockText(s.clock)}`,
    `functions  ${s.functions.length ? s.functions.join(', ') : '(none)'}`,
    `trades     ${trades.length}${trades.length ? ` (${tally(trades.map((t) => t.state))})` : ''}`,
    `callbacks  ${notifications.length}${notifications.length ? ` (${tally(notifications.map((n) => n.status))})` : ''}`,
    `faults     ${faults.api.length} api, ${faults.callbacks.length} callback`,
  ].join('\n');
  return {
    data: { ...s, pay: { trades: trades.length, notifications: notifications.length, faults } },
    text,
  };
}

function clockText(c: ClockState): string {
  // Under a second is not a choice worth showing.
  const offset =
    Math.abs(c.offsetMs) >= 1000 && !c.frozen
      ? `, ${c.offsetMs > 0 ? '+' : ''}${readableDuration(c.offsetMs)} from real time`
      : '';
  return `${beijing(c.now)} Beijing (${new Date(c.now).toISOString()})${c.frozen ? ', frozen' : ', running'}${offset}`;
}

async function clock({ args, client }: CommandContext): Promise<CommandResult> {
  const [action, value] = args.positional;
  let body: Record<string, unknown> | undefined;
  switch (action) {
    case undefined:
      break;
    case 'freeze':
    case 'resume':
      body = { action };
      break;
    case 'reset':
      // Real time again, as the sandbox reads it: a set to this machine's time was off by the
      // request's trip (seconds on a loaded machine), kept in clock.json.
      body = { action: 'reset' };
      break;
    case 'advance':
      if (!value) throw new CliError('clock advance needs a duration, e.g. clock advance 6m');
      body = { action, ms: parseDuration(value) };
      break;
    case 'set':
      if (!value) throw new CliError('clock set needs a time, e.g. clock set 2024-03-15T12:00:00+08:00');
      body = { action, at: parseInstant(value) };
      break;
    default:
      throw new CliError(
        `unknown clock action "${action}": use freeze, resume, reset, advance <dur> or set <time>`,
      );
  }
  const state = body
    ? await client.post<ClockState>('/sandbox/clock', body)
    : await client.get<ClockState>('/sandbox/clock');
  // Timers and callbacks that fell due while moving the clock have started; wait for them to end.
  if (body) {
    await client.post('/sandbox/triggers/settle');
    await client.post('/sandbox/pay/settle');
  }
  return { data: state, text: `clock ${clockText(state)}` };
}

interface LogRecord {
  requestId: string;
  name: string;
  caller: { openid?: string; source?: string };
  startedAt: number;
  wallStartedAt?: number;
  durationMs: number;
  logs: Array<{ level: string; at: number; message: string }>;
  result?: unknown;
  error?: string;
}

async function logs({ args, client }: CommandContext): Promise<CommandResult> {
  const limit = count(args, 'limit');
  const data = await client.get<{ logs: LogRecord[] }>('/sandbox/logs', {
    name: flag(args, 'name'),
    openid: flag(args, 'openid'),
    limit: limit === undefined ? undefined : String(limit),
  });
  if (!data.logs.length) return { data, text: 'no invocations' };
  const text = data.logs
    .map((r) => {
      const who = [r.caller.source, r.caller.openid].filter(Boolean).join(' ');
      const outcome = r.error ? `error: ${r.error}` : `→ ${brief(r.result, 80)}`;
      const lines = r.logs.map((l) => `    [${l.level}] ${l.message}`);
      return [`${when(r)}  ${r.name}  ${r.durationMs} ms  ${who}  ${outcome}`, ...lines].join('\n');
    })
    .join('\n');
  return { data, text };
}

/** Sandbox time (Beijing), with the real time beside it when the clock was moved or frozen. */
function when(r: LogRecord): string {
  const wall = r.wallStartedAt;
  const apart = wall !== undefined && Math.abs(wall - r.startedAt) >= 1000;
  return `${beijing(r.startedAt)}${apart ? ` (real ${beijing(wall)})` : ''}`;
}

async function exportDb({ args, client }: CommandContext): Promise<CommandResult> {
  const data = await client.get<Record<string, unknown[]>>('/sandbox/db/export', {
    collections: flag(args, 'collections'),
  });
  const out = flag(args, 'out');
  const summary = Object.entries(data)
    .map(([k, docs]) => `${k} ${docs.length}`)
    .join(', ');
  if (!out) return { data, text: JSON.stringify(data, null, 2) };
  fs.writeFileSync(path.resolve(out), `${JSON.stringify(data, null, 2)}\n`);
  return {
    data: { out: path.resolve(out), collections: Object.keys(data) },
    text: `wrote ${out}: ${summary || 'no collections'}`,
  };
}

async function importDb({ args, client }: CommandContext): Promise<CommandResult> {
  const file = args.positional[0];
  if (!file) throw new CliError('import needs a JSON file: { "collection": [docs] }');
  let body: unknown;
  try {
    body = JSON.parse(fs.readFileSync(path.resolve(file), 'utf8'));
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const replace = args.flags.replace === true;
  const data = await client.post<{ imported: Record<string, number> }>(
    `/sandbox/db/import${replace ? '?replace=1' : ''}`,
    body,
  );
  const rows = Object.entries(data.imported).map(([k, n]) => [k, String(n)]);
  return { data, text: `${replace ? 'replaced' : 'imported'}\n${table(['COLLECTION', 'DOCS'], rows)}` };
}

export const COMMANDS: Record<string, Command> = {
  status,
  clock,
  call,
  buy,
  pay: payCommands.pay,
  trades: payCommands.trades,
  'platform-refund': payCommands.platformRefund,
  deliveries: payCommands.deliveries,
  fault: payCommands.fault,
  faults: payCommands.faults,
  callbacks: payCommands.callbacks,
  release: payCommands.release,
  logs,
  export: exportDb,
  import: importDb,
  shipping,
};

/** The options each command takes besides --url, --token and --json. */
const COMMAND_FLAGS: Record<string, string[]> = {
  status: [],
  clock: [],
  call: ['as'],
  buy: ['quantity', 'as', 'quiet'],
  pay: ['as', 'action'],
  trades: ['out-trade-no', 'state'],
  'platform-refund': ['fee', 'reason'],
  deliveries: ['out-trade-no', 'out-refund-no', 'kind'],
  fault: ['count', 'after-processing', 'delay'],
  faults: ['clear'],
  callbacks: ['count', 'delay', 'kind'],
  release: ['reverse'],
  logs: ['name', 'openid', 'limit'],
  export: ['out', 'collections'],
  import: ['replace'],
  shipping: ['state', 'out-trade-no', 'as'],
};

/** The token `npm start` keeps in the default data folder when it listens beyond loopback. */
function keptToken(): string | undefined {
  const file = path.resolve('.sandbox', 'access-token');
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() || undefined : undefined;
}

/** Runs one control command; prints its text or JSON. Throws CliError for the caller to report. */
export async function runCommand(name: string, argv: string[]): Promise<void> {
  const command = COMMANDS[name];
  if (!command) throw new CliError(`unknown command "${name}"`);
  const args = parseArgs(argv);
  checkOptions(name, args, COMMAND_FLAGS[name] ?? [], ['url', 'token', 'json']);
  const client = new ControlClient(
    flag(args, 'url') ?? process.env.PAYKIT_SANDBOX_URL ?? DEFAULT_URL,
    flag(args, 'token') ?? (process.env.PAYKIT_SANDBOX_TOKEN || keptToken()),
  );
  const result = await command({ args, client });
  if (args.flags.json) console.log(JSON.stringify(result.data, null, 2));
  else if (result.failed) console.error(result.text);
  else console.log(result.text);
  if (result.failed) process.exitCode = 1;
}
