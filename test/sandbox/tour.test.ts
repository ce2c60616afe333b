/** @jest-environment node */
/**
 * The README's sandbox tour, run as a newcomer runs it: a sandbox started as `npm start` starts one
 * (the default seed; this file seeds nothing), then the README's tour block itself, line by line in
 * one bash, through `npm run sandbox`. The README is the script, so the two cannot drift. Then what
 * the tour left behind: every time the kit stored under the frozen clock is that instant exactly.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { post, query } from '../helpers/control';
import { ROOT, startSandboxProcess, type SandboxProcess, runCli, type CliRun } from '../helpers/sandbox';

let sandbox: SandboxProcess;

/** The README's tour: the first sh block after the sentence that names this file. */
function tourBlock(): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const marker = readme.indexOf('`test/sandbox/tour.test.ts` runs');
  if (marker < 0) throw new Error('README.md no longer says which block test/sandbox/tour.test.ts runs');
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(marker));
  if (!block) throw new Error('no sh block after the tour sentence in README.md');
  return block[1];
}

interface Run {
  code: number;
  output: string;
}

/** Runs a script in bash from the repository root, as a terminal would, against this sandbox. */
function bash(script: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], {
      cwd: ROOT,
      env: { ...process.env, PAYKIT_SANDBOX_URL: sandbox.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

/** One CLI command (the built launcher, as `npm run sandbox` runs it). */
function cli(...args: string[]): Promise<CliRun> {
  return runCli(args, { url: sandbox.url, launcher: true });
}

const at = (iso: string) => new Date(iso).getTime();
/** A stored date as the export gives it ({ $date: iso }), in ms. */
const ms = (value: unknown) => Date.parse((value as { $date: string }).$date);

interface StoredOrder {
  _id: string;
  openid: string;
  status: string;
  items: Array<{ sku: string }>;
  createdAt: unknown;
  closedAt?: unknown;
  paidAt?: unknown;
  attempts: Array<{ createdAt: unknown }>;
  refunds: Array<{ status: string; refundFee: number; createdAt: unknown; settledAt?: unknown }>;
}

beforeAll(async () => {
  // What `npm start` runs after the build: a process of its own (not the jest worker's sandbox host),
  // on a free port and a fresh data folder of its own.
  sandbox = await startSandboxProcess({ process: true });
});

afterAll(async () => {
  await sandbox?.stop();
});

test('the README tour runs end to end from a terminal against a fresh npm start', async () => {
  const script = [
    'set -euo pipefail',
    // Names the line that failed, since the output of a whole tour is long.
    `trap 'echo "TOUR FAILED AT: $BASH_COMMAND" >&2' ERR`,
    tourBlock(),
  ].join('\n');
  const run = await bash(script);
  if (run.code !== 0) throw new Error(`the README tour failed (exit ${run.code}):\n${run.output}`);

  // What the tour printed along the way.
  expect(run.output).toMatch(/order {7}PK\d{22} {2}¥28\.00 {2}coffee-latte × 1, buyer oPaykitLocalBuyer/);
  expect(run.output).toContain('requestPayment:fail cancel');
  expect(run.output).toContain('"status": "CLOSED"');
  expect(run.output).toMatch(/payCallback +1 +2026-06-01 09:06:00 +dropped/);
  expect(run.output).toContain('"status": "SUCCESS"');
  expect(run.output).toMatch(/2026-06-02 11:00:00 \(real \d{4}-.*reconcileBills/);
  expect(run.output).toContain('reconciled 20260601 0 discrepancies');

  // What it left: the buyer's three orders, dated exactly by the frozen clock.
  const orders = await query<StoredOrder>(sandbox.url, 'paykit_orders');
  const bySku = (sku: string) => orders.find((o) => o.items[0].sku === sku)!;
  expect(orders.map((o) => o.openid)).toEqual(Array(3).fill('oPaykitLocalBuyer'));

  const tea = bySku('tea-oolong');
  expect(tea.status).toBe('CLOSED');
  expect(ms(tea.createdAt)).toBe(at('2026-06-01T09:00:00+08:00'));
  expect(tea.attempts[0].createdAt).toBe(at('2026-06-01T09:00:00+08:00'));
  expect(ms(tea.closedAt)).toBe(at('2026-06-01T09:06:00+08:00'));

  const cake = bySku('cake-cheese');
  const sixPast = at('2026-06-01T09:06:00+08:00');
  expect(cake.status).toBe('REFUND');
  expect([ms(cake.createdAt), ms(cake.paidAt)]).toEqual([sixPast, sixPast]);
  expect(cake.refunds).toEqual([expect.objectContaining({ status: 'SUCCESS', refundFee: 1000 })]);
  expect([ms(cake.refunds[0].createdAt), ms(cake.refunds[0].settledAt)]).toEqual([sixPast, sixPast]);

  // Left unpaid, then closed by the expiry timer when the clock jumped to the next day.
  const coffee = bySku('coffee-latte');
  expect(coffee.status).toBe('CLOSED');
  expect(ms(coffee.closedAt)).toBe(at('2026-06-02T11:00:00+08:00'));

  const [bill] = await query<{ summaryMatches: boolean; discrepancies: unknown[] }>(
    sandbox.url,
    'paykit_bills',
    { _id: '20260601' },
  );
  expect(bill).toMatchObject({ summaryMatches: true, discrepancies: [] });

  // The tour ends on real time, and the data folder says so for the next start.
  const clock = JSON.parse(fs.readFileSync(path.join(sandbox.dataDir, 'clock.json'), 'utf8')) as {
    frozenAt: number | null;
    offsetMs: number;
  };
  expect(clock.frozenAt).toBeNull();
  expect(clock.offsetMs).toBe(0);
}, 180_000);

test('call and buy: a function that answers an error prints its code and message and exits 1', async () => {
  const unknownSku = await cli('buy', 'espresso');
  expect(unknownSku.code).toBe(1);
  expect(unknownSku.stderr).toContain('unifiedOrder answered PRODUCT_NOT_FOUND: product espresso');
  expect(unknownSku.stderr).toContain(
    'for sale: coffee-latte (¥28.00), tea-oolong (¥16.00), cake-cheese (¥32.00), sticker-pack (¥0.01), voucher-coffee (¥25.00)',
  );

  await post(`${sandbox.url}/sandbox/clock`, { action: 'freeze' });
  const bought = await cli('buy', 'sticker-pack', '--json');
  expect(bought.code).toBe(0);
  const { orderNo, outTradeNo, prepayId } = JSON.parse(bought.stdout) as Record<string, string>;
  expect(outTradeNo).toBe(`${orderNo}A01`);
  expect(prepayId).toMatch(/^wx/);

  const early = await cli('call', 'closeOrder', `orderNo=${orderNo}`);
  expect(early.code).toBe(1);
  expect(early.stderr).toMatch(
    /^closeOrder answered CLOSE_TOO_EARLY: .* \(retry after \d{4}-\d\d-\d\d \d\d:\d\d:\d\d Beijing\)$/m,
  );
  const asJson = await cli('call', 'closeOrder', JSON.stringify({ orderNo }), '--json');
  expect(asJson.code).toBe(1);
  expect(JSON.parse(asJson.stdout)).toMatchObject({ ok: false, code: 'CLOSE_TOO_EARLY' });

  const notAdmin = await cli('call', 'refund', `orderNo=${orderNo}`, 'refundFee:=1');
  expect(notAdmin.code).toBe(1);
  expect(notAdmin.stderr).toContain('refund answered FORBIDDEN');

  const someoneElse = await cli('call', 'queryOrder', `orderNo=${orderNo}`, '--as', 'oSomeoneElse');
  expect(someoneElse.code).toBe(1);
  expect(someoneElse.stderr).toContain('queryOrder answered ORDER_NOT_FOUND');

  const mine = await cli('call', 'queryOrder', `orderNo=${orderNo}`);
  expect(mine.code).toBe(0);
  expect(mine.stdout).toMatch(/^queryOrder as buyer oPaykitLocalBuyer\n\{\n {2}"ok": true/);

  const wrongName = await cli('call', 'queryOrders', `orderNo=${orderNo}`);
  expect(wrongName.code).toBe(1);
  expect(wrongName.stderr).toMatch(
    /no cloud function "queryOrders" in the sandbox \(functions: .*queryOrder,/,
  );

  const badJson = await cli('call', 'queryOrder', `{orderNo:${orderNo}}`);
  expect(badJson.code).toBe(1);
  expect(badJson.stderr).toContain('the data is not valid JSON');
});

test('--as buyer and --as admin name the local users in every command, pay included', async () => {
  const bought = await cli('buy', 'tea-oolong', '--as', 'admin', '--json');
  expect(bought.code).toBe(0);
  const { orderNo } = JSON.parse(bought.stdout) as { orderNo: string };
  // Paying as the one who ordered, by the same name: not a payer mismatch.
  const paid = await cli('pay', orderNo, '--as', 'admin');
  expect(paid.code).toBe(0);
  expect(paid.stdout).toContain('requestPayment:ok');
  expect(paid.stdout).toContain('SUCCESS (¥16.00, payer oPaykitLocalUser)');
  // The buyer is someone else: WeChat refuses a payer who did not place the order.
  const someoneElse = await cli('pay', orderNo, '--as', 'buyer');
  expect(someoneElse.code).toBe(1);
  expect(someoneElse.stderr).toContain('下单账号与支付账号不一致');
  expect(someoneElse.stderr).toContain('payer oPaykitLocalUser; acted as oPaykitLocalBuyer');
});
