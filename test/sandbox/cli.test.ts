/** @jest-environment node */
/**
 * The control commands of the sandbox CLI (`node dist/sandbox/cli.js <command> --url …`) against a
 * running sandbox: text for people, --json for scripts, clear errors with exit code 1.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { post, query } from '../helpers/control';
import { startSandboxProcess, runCli, type CliRun } from '../helpers/sandbox';
import { startPaySdk, type PaySdk } from '../helpers/paysdk';
import { TRADE_DAY_NOON } from '../helpers/constants';

let sdk: PaySdk;

interface ClockState {
  now: number;
  frozen: boolean;
  offsetMs: number;
}

function cli(args: string[], env: Record<string, string> = {}, withUrl = true): Promise<CliRun> {
  return runCli(args, { env, url: withUrl ? sdk.base : undefined });
}

async function ok(...args: string[]): Promise<string> {
  const run = await cli(args);
  if (run.code !== 0) throw new Error(`cli ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return run.stdout;
}

async function json<T = Record<string, unknown>>(...args: string[]): Promise<T> {
  return JSON.parse(await ok(...args, '--json')) as T;
}

beforeAll(async () => {
  sdk = await startPaySdk();
});

afterAll(async () => {
  await sdk?.stop();
});

describe('status and clock', () => {
  test('status shows the sandbox, its clock and its pay state', async () => {
    const text = await ok('status');
    expect(text).toContain(`sandbox    ${sdk.base} (env ${sdk.envId}`);
    expect(text).toMatch(/clock {6}2024-03-15 12:00:00 Beijing .*frozen/);
    expect(text).toContain('cloudpay');
    const data = await json<{ envId: string; clock: { frozen: boolean } }>('status');
    expect(data).toEqual(
      expect.objectContaining({ envId: sdk.envId, clock: expect.objectContaining({ frozen: true }) }),
    );
  });

  test('clock set, advance with durations, resume and freeze', async () => {
    expect(await ok('clock', 'set', '2024-03-15T12:00:00+08:00')).toMatch(
      /^clock 2024-03-15 12:00:00 Beijing/,
    );
    expect(await ok('clock', 'advance', '90s')).toContain('2024-03-15 12:01:30');
    expect(await ok('clock', 'advance', '1h30m')).toContain('2024-03-15 13:31:30');
    expect(await ok('clock', 'advance', '1d')).toContain('2024-03-16 13:31:30');
    const running = await json<{ frozen: boolean }>('clock', 'resume');
    expect(running.frozen).toBe(false);
    expect(await ok('clock', 'freeze')).toContain('frozen');
    const reset = await json<{ now: number; frozen: boolean }>(
      'clock',
      'set',
      String(Date.UTC(2024, 2, 15, 4, 0, 0)),
    );
    expect(reset).toEqual(expect.objectContaining({ now: Date.UTC(2024, 2, 15, 4, 0, 0), frozen: true }));
  });

  test('status shows how far a moved, running clock is from real time, as a duration people read', async () => {
    await ok('clock', 'set', '2024-03-15T12:00:00+08:00');
    await ok('clock', 'resume');
    const offset = /clock .*, running, (-\S+(?: \S+)*) from real time/.exec(await ok('status'));
    expect(offset?.[1]).toMatch(/^-\d+d( \d+h)?( \d+m)?( \d+s)?$/);
    expect(await ok('clock', 'advance', '1d')).toMatch(
      /, running, -\d+d( \d+h)?( \d+m)?( \d+s)? from real time/,
    );
    await ok('clock', 'freeze');
    await ok('clock', 'set', String(TRADE_DAY_NOON));
  });

  test('clock reset: back to real time, running', async () => {
    const before = Date.now();
    const real = await json<{ now: number; frozen: boolean; offsetMs: number }>('clock', 'reset');
    const after = Date.now();
    // Exactly real time: no offset left over from the command's trip to the sandbox.
    expect(real).toEqual(expect.objectContaining({ frozen: false, offsetMs: 0 }));
    expect(real.now).toBeGreaterThanOrEqual(before);
    expect(real.now).toBeLessThanOrEqual(after);
    expect(await ok('clock')).toMatch(/, running\n$/);
    await ok('clock', 'freeze');
    expect(await ok('clock', 'set', String(TRADE_DAY_NOON))).toContain('2024-03-15 12:00:00 Beijing');
  });
});

describe('pay, trades, deliveries', () => {
  test('pay a prepay as its payer, then see the trade and the callback delivery', async () => {
    const { params, pkg } = await sdk.order({ totalFee: 1234 });
    const no = String(params.outTradeNo);
    const out = await ok('pay', pkg.slice('prepay_id='.length));
    expect(out).toContain('requestPayment:ok');
    expect(out).toContain(`trade ${no}: SUCCESS (¥12.34`);
    const trades = await ok('trades', '--out-trade-no', no);
    expect(trades.split('\n')[0]).toMatch(/^OUT_TRADE_NO\s+STATE\s+TOTAL/);
    expect(trades).toMatch(new RegExp(`${no}\\s+SUCCESS\\s+¥12\\.34`));
    const deliveries = await ok('deliveries', '--out-trade-no', no);
    expect(deliveries).toMatch(new RegExp(`payment\\s+${no}\\s+flakyCallback\\s+1\\s+.*ok`));
    const data = await json<{ deliveries: Array<{ outcome: string }> }>('deliveries', '--out-trade-no', no);
    expect(data.deliveries.map((d) => d.outcome)).toEqual(['ok']);
  });

  test("pay an order number: its latest attempt's prepay", async () => {
    const orderNo = `PK${Date.now()}000000001`.slice(0, 24);
    await sdk.order({ outTradeNo: `${orderNo}A01`, totalFee: 100 });
    const { pkg } = await sdk.order({ outTradeNo: `${orderNo}A02`, totalFee: 101 });
    const out = await ok('pay', orderNo);
    expect(out).toContain(`trade ${orderNo}A02: SUCCESS (¥1.01`);
    expect((await sdk.trade(`${orderNo}A02`)).prepays[0].prepayId).toBe(pkg.slice('prepay_id='.length));
  });

  test('platform-refund: a refund made by hand on the merchant platform, part or all of what is left', async () => {
    const a = await sdk.order({ totalFee: 1000 });
    const no = String(a.params.outTradeNo);
    await ok('pay', a.pkg);
    const made = await ok('platform-refund', no, '--fee', '300', '--reason', '客户协商');
    expect(made).toMatch(
      new RegExp(`^refund \\S+ of ${no}: ¥3\\.00, PROCESSING \\(made on the merchant platform\\)`),
    );
    // WeChat numbers it: REF and the trade's transaction id up to its payment date (reference §10.1).
    const { transactionId } = await sdk.trade(no);
    expect(made).toMatch(new RegExp(`^refund REF${transactionId!.slice(0, 18)}\\d{10} of`));
    // WeChat's rules hold as for the API: a second refund of a trade within a minute is refused.
    const again = await cli(['platform-refund', no]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('409 REFUND_REFUSED');
    // Without --fee, the whole of what is left.
    const b = await sdk.order({ totalFee: 500 });
    await ok('pay', b.pkg);
    const whole = await json<{ refund: { refundFee: number } }>(
      'platform-refund',
      String(b.params.outTradeNo),
    );
    expect(whole.refund.refundFee).toBe(500);
  });

  test('payer actions: cancel, fail, another payer', async () => {
    const a = await sdk.order();
    expect(await ok('pay', a.pkg, '--action', 'cancel')).toContain('requestPayment:fail cancel');
    // Another payer: the sheet refuses, the command fails and names both the payer and who acted.
    const stranger = await cli(['pay', a.pkg, '--as', 'o-stranger']);
    expect(stranger.code).toBe(1);
    expect(stranger.stderr).toContain('下单账号与支付账号不一致');
    expect(stranger.stderr).toMatch(/: NOTPAY \(¥[\d.]+, payer (?!o-stranger)\S+; acted as o-stranger\)/);
    expect(await ok('pay', a.pkg, '--action', 'fail')).toMatch(
      /requestPayment:fail 支付失败\ntrade .*: NOTPAY/,
    );
    const bad = await cli(['pay', a.pkg, '--action', 'steal']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--action must be one of pay, cancel, fail, notenough, slow');
  });
});

describe('faults and callbacks', () => {
  test('fault, faults, faults --clear', async () => {
    expect(await ok('fault', 'unifiedOrder', 'SYSTEMERROR', '--count', '2')).toBe(
      'the next 2 unifiedOrder calls will fail with SYSTEMERROR\n',
    );
    await ok('fault', 'queryOrder', 'TIMEOUT', '--after-processing');
    const list = await ok('faults');
    expect(list).toMatch(/api\s+unifiedOrder\s+SYSTEMERROR\s+2/);
    expect(list).toMatch(/api\s+queryOrder\s+TIMEOUT \(after processing\)\s+1/);
    expect(await ok('fault', 'v3.refund', 'slow', '--delay', '2.5s')).toBe(
      'the next 1 v3.refund call will be carried out and answered 2500ms late\n',
    );
    expect(await ok('faults')).toMatch(/api\s+v3\.refund\s+SLOW 2500ms\s+1/);
    const res = await sdk.ok('unifiedOrder', sdk.orderParams());
    expect(res.errCodeDes).toBe('系统超时，请稍后再试');
    expect((await json<{ api: Array<{ remaining: number }> }>('faults')).api[0].remaining).toBe(1);
    expect(await ok('faults', '--clear')).toBe('faults cleared\nno faults\n');
  });

  test('callbacks hold, then release --reverse delivers newest first', async () => {
    expect(await ok('callbacks', 'hold', '--count', '2')).toContain(
      'the next 2 payment/refund callbacks will wait',
    );
    const a = await sdk.order();
    const b = await sdk.order();
    await ok('pay', a.pkg);
    await ok('pay', b.pkg);
    const nos = [String(a.params.outTradeNo), String(b.params.outTradeNo)];
    expect(await sdk.deliveries({ outTradeNo: nos[0] })).toEqual([]);
    expect(await ok('release', '--reverse')).toBe('released 2 held callbacks, newest first\n');
    const log = (await sdk.deliveries()).filter((d) => nos.includes(d.outTradeNo));
    expect(log.map((d) => d.outTradeNo)).toEqual([nos[1], nos[0]]);
  });

  test('callbacks delay and drop, with durations and kinds', async () => {
    expect(await ok('callbacks', 'delay', '--delay', '30s', '--kind', 'refund')).toBe(
      'the next 1 refund callback will be sent 30s late\n',
    );
    await ok('callbacks', 'drop', '--count', '3');
    const faults = await json<{
      callbacks: Array<{ mode: string; delayMs: number; kind?: string; remaining: number }>;
    }>('faults');
    expect(faults.callbacks).toEqual([
      expect.objectContaining({ mode: 'delay', delayMs: 30_000, kind: 'refund', remaining: 1 }),
      expect.objectContaining({ mode: 'drop', remaining: 3 }),
    ]);
    expect(await ok('faults')).toMatch(/callback\s+refund\s+delay 30s\s+1/);
    const missing = await cli(['callbacks', 'delay']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('--delay <duration>');
    await ok('faults', '--clear');
  });
});

describe('logs, export, import', () => {
  test('logs of a function', async () => {
    await sdk.queryOrder('CLILOGS0001');
    const text = await ok('logs', '--name', 'cloudpay', '--limit', '1');
    expect(text).toMatch(/cloudpay {2}\d+ ms {2}wx_client o-payer-sdk {2}→ /);
    // Sandbox time (the clock is frozen on 2024-03-15), with the real time beside it.
    const { now } = await json<{ now: number }>('clock');
    const sandboxTime = new Date(now + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
    expect(text.startsWith(`${sandboxTime} (real ${new Date().getUTCFullYear()}-`)).toBe(true);
    const data = await json<{ logs: Array<{ name: string }> }>('logs', '--name', 'cloudpay', '--limit', '2');
    expect(data.logs.map((l) => l.name)).toEqual(['cloudpay', 'cloudpay']);
  });

  test('import a file, export it back to a file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-cli-'));
    const input = path.join(dir, 'in.json');
    fs.writeFileSync(
      input,
      JSON.stringify({
        cli_items: [
          { _id: 'a', n: 1 },
          { _id: 'b', n: 2 },
        ],
      }),
    );
    expect(await ok('import', input)).toMatch(/imported\nCOLLECTION\s+DOCS\ncli_items\s+2/);
    fs.writeFileSync(input, JSON.stringify({ cli_items: [{ _id: 'c', n: 3 }] }));
    expect(await ok('import', input, '--replace')).toMatch(/replaced/);
    const out = path.join(dir, 'out.json');
    expect(await ok('export', '--out', out, '--collections', 'cli_items')).toBe(
      `wrote ${out}: cli_items 1\n`,
    );
    const exported = JSON.parse(fs.readFileSync(out, 'utf8')) as Record<
      string,
      Array<{ _id: string; n: number }>
    >;
    expect(exported.cli_items).toEqual([expect.objectContaining({ _id: 'c', n: 3 })]);
    const stdout = JSON.parse(await ok('export', '--collections', 'cli_items')) as Record<string, unknown[]>;
    expect(Object.keys(stdout)).toEqual(['cli_items']);
  });
});

describe('start', () => {
  test('a taken port is a clear message and exit 1; --data keeps the state across a restart', async () => {
    const port = Number(new URL(sdk.base).port);
    const taken = await cli(
      ['start', '--port', String(port), '--data', fs.mkdtempSync(path.join(os.tmpdir(), 'pk-'))],
      {},
      false,
    );
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain(`Port ${port} on 127.0.0.1 is already in use`);
    expect(taken.stderr).not.toMatch(/\n\s+at /);

    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pk-data-'));
    const first = await startSandboxProcess({ dataDir });
    await fetch(`${first.url}/sandbox/db/import`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ keepme: [{ _id: 'k1', n: 1 }] }),
    });
    await first.stop();
    const second = await startSandboxProcess({ dataDir });
    const doc = (await (await fetch(`${second.url}/sandbox/db/keepme/k1`)).json()) as { data: unknown };
    await second.stop();
    expect(doc.data).toEqual({ _id: 'k1', n: 1 });
  });

  test('the clock survives a restart: frozen at its instant, or running at its offset', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pk-clock-'));
    const clockAt = async (url: string) =>
      (await fetch(`${url}/sandbox/clock`)).json() as Promise<ClockState>;
    const first = await startSandboxProcess({ dataDir });
    await post(`${first.url}/sandbox/clock`, { action: 'freeze', at: TRADE_DAY_NOON });
    await first.stop();
    const second = await startSandboxProcess({ dataDir });
    expect(await clockAt(second.url)).toEqual(expect.objectContaining({ now: TRADE_DAY_NOON, frozen: true }));
    // A day ahead of real time, running: less the time the two requests took, whatever the load.
    const setFrom = Date.now();
    await post(`${second.url}/sandbox/clock`, { action: 'set', at: setFrom + 86_400_000 });
    await post(`${second.url}/sandbox/clock`, { action: 'resume' });
    const setTook = Date.now() - setFrom;
    await second.stop();
    const third = await startSandboxProcess({ dataDir });
    const before = Date.now();
    const running = await clockAt(third.url);
    const after = Date.now();
    await third.stop();
    expect(running.frozen).toBe(false);
    expect(running.offsetMs).toBeLessThanOrEqual(86_400_000);
    expect(running.offsetMs).toBeGreaterThanOrEqual(86_400_000 - setTook);
    expect(running.now - running.offsetMs).toBeGreaterThanOrEqual(before);
    expect(running.now - running.offsetMs).toBeLessThanOrEqual(after);
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, 'clock.json'), 'utf8'))).toEqual({
      frozenAt: null,
      offsetMs: running.offsetMs,
    });
  });
});

describe('errors', () => {
  test('no sandbox at the URL: a clear message and exit 1', async () => {
    const run = await cli(['status', '--url', 'http://127.0.0.1:1'], {}, false);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe('no sandbox at http://127.0.0.1:1: run npm start (or pass --url)');
  });

  test('PAYKIT_SANDBOX_URL is used without --url', async () => {
    const run = await cli(['clock', '--json'], { PAYKIT_SANDBOX_URL: sdk.base }, false);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(expect.objectContaining({ frozen: true }));
  });

  test('bad input fails with exit 1 and says why', async () => {
    const cases: Array<[string[], string]> = [
      [['clock', 'advance', 'soon'], '"soon" is not a duration'],
      [['clock', 'set', 'yesterday'], '"yesterday" is not a time'],
      [['clock', 'rewind'], 'unknown clock action "rewind"'],
      [['callbacks', 'scramble'], 'callbacks needs a mode: drop, delay, duplicate, hold'],
      [['fault', 'refund'], 'fault needs <api> <error>'],
      [['platform-refund'], 'platform-refund takes one out_trade_no'],
      [['platform-refund', 'PK1A01', '--fee', '0'], '--fee must be a whole number ≥ 1'],
      [['platform-refund', 'PK2024031512000000000000A01'], 'no trade PK2024031512000000000000A01'],
      [['fault', 'refund', 'SYSTEMERROR', '--count', '0'], '--count must be a whole number'],
      [['fault', 'queryOrder', 'SLOW'], 'SLOW needs delayMs, a whole number of ms from 1 to 60000'],
      [['fault', 'queryOrder', 'SLOW', '--delay', 'soon'], '"soon" is not a duration'],
      [['import', '/no/such/file.json'], 'cannot read /no/such/file.json'],
      [['pay', 'wx00nosuchprepay'], 'no trade has prepay wx00nosuchprepay'],
      [['pay', 'PK2024031512000000000000'], 'order PK2024031512000000000000 has no prepay'],
      [['call'], 'call needs a function name'],
      [['call', 'nosuchfn'], 'no cloud function "nosuchfn" in the sandbox (functions: cloudpay,'],
      [['call', 'cloudpay', '{"api":'], 'the data is not valid JSON'],
      [['call', 'cloudpay', '[1]'], 'the data must be a JSON object'],
      [['call', 'cloudpay', 'api'], '"api" is neither a JSON object nor key=value'],
      [['call', 'cloudpay', 'params:=soon'], 'params:=soon: the value after := must be JSON'],
      [['buy'], 'buy takes one sku'],
      [['buy', 'coffee-latte', '--quantity', '0'], '--quantity must be a whole number'],
      [['buy', 'coffee-latte', '--as', ''], '--as needs a user: buyer, admin or an openid'],
      [['frobnicate'], 'unknown command "frobnicate"'],
    ];
    const runs = await Promise.all(cases.map(([args]) => cli(args)));
    runs.forEach((run, i) => {
      const [args, message] = cases[i];
      expect({ args, code: run.code }).toEqual({ args, code: 1 });
      expect(run.stderr).toContain(message);
    });
  });

  test('a mistyped option of any command is refused, not ignored', async () => {
    const cases: Array<[string[], string]> = [
      [
        ['buy', 'coffee-latte', '--quantiy', '2'],
        'buy has no option --quantiy: its options are --quantity, --as, --quiet (and --url, --token, --json)',
      ],
      [
        ['call', 'queryOrder', 'orderNo=PK1', '--ass', 'admin'],
        'call has no option --ass: its options are --as (and --url, --token, --json)',
      ],
      [['status', '--verbose'], 'status has no option --verbose: it takes none (and --url, --token, --json)'],
    ];
    const runs = await Promise.all(cases.map(([args]) => cli(args)));
    runs.forEach((run, i) => {
      const [args, message] = cases[i];
      expect({ args, code: run.code, stderr: run.stderr.trim() }).toEqual({ args, code: 1, stderr: message });
    });
  });

  test('start refuses what it does not take before it starts anything, and --help only prints help', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-cli-start-'));
    const data = path.join(dir, 'data');
    try {
      const cases: Array<[string[], string]> = [
        [['--prot', '7790'], 'start has no option --prot: its options are --port, --host,'],
        [['7790'], 'start takes no arguments, got "7790"'],
        [['--port'], '--port needs a value'],
        [['--port', '=7790'], '--port must be 0..65535, got =7790'],
        [['--durability', 'ful'], '--durability must be process or full, got "ful"'],
        [['--provider', 'v3'], '--provider must be cloudpay or apiv3, got "v3"'],
      ];
      const runs = await Promise.all(
        cases.map(([args]) => runCli(['start', ...args, '--data', data, '--quiet'], { timeoutMs: 15_000 })),
      );
      runs.forEach((run, i) => {
        const [args, message] = cases[i];
        expect({ args, code: run.code }).toEqual({ args, code: 1 });
        expect(run.stderr).toContain(message);
        expect(run.stderr).not.toMatch(/\n\s+at /);
      });
      for (const args of [
        ['start', '--help'],
        ['merchant', '--help'],
      ]) {
        const run = await runCli([...args, '--data', data], { timeoutMs: 15_000 });
        expect({ args, code: run.code }).toEqual({ args, code: 0 });
        expect(run.stdout).toMatch(/^Usage: paykit-sandbox <command>/);
      }
      // Nothing was started or written: no data folder, no merchant files.
      expect(fs.existsSync(data)).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a first start that fails (its port in use) leaves no database: the next start seeds the demo', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-cli-busy-'));
    const data = path.join(dir, 'data');
    try {
      const busy = new URL(sdk.base).port;
      const run = await runCli(['start', '--port', busy, '--data', data, '--quiet'], { timeoutMs: 15_000 });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`Port ${busy} on 127.0.0.1 is already in use`);
      expect(fs.existsSync(path.join(data, 'cloud.sqlite'))).toBe(false);
      const next = await startSandboxProcess({ dataDir: data });
      try {
        expect((await query(next.url, 'paykit_products')).length).toBeGreaterThan(0);
      } finally {
        await next.stop();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('merchant refuses a mistyped option or value before it writes anything', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-cli-merchant-'));
    const data = path.join(dir, 'data');
    try {
      const cases: Array<[string[], string]> = [
        [['--mdoe', 'certificate'], 'merchant has no option --mdoe: its options are --data,'],
        [['--platform-cert', 'maybe'], '--platform-cert is yes or no, got "maybe"'],
        [
          ['--serial', '5157F09EFDC096DE15EBE81A47057A7232F1B8E1'],
          '--serial names the key given with --register',
        ],
        [['certificate'], 'unexpected argument "certificate"'],
      ];
      const runs = await Promise.all(
        cases.map(([args]) => cli(['merchant', ...args, '--data', data], {}, false)),
      );
      runs.forEach((run, i) => {
        const [args, message] = cases[i];
        expect({ args, code: run.code }).toEqual({ args, code: 1 });
        expect(run.stderr).toContain(message);
      });
      expect(fs.existsSync(data)).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('help lists the control commands', async () => {
    const text = await ok('help');
    for (const name of [
      'start',
      'status',
      'clock',
      'call',
      'buy',
      'pay',
      'trades',
      'deliveries',
      'fault',
      'faults',
      'callbacks',
      'release',
      'logs',
      'export',
      'import',
    ]) {
      expect(text).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
    }
  });
});
