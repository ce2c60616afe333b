/** @jest-environment node */
/**
 * A new merchant going live on APIv3 (README "Going live with APIv3"), with the sandbox standing in
 * for WeChat Pay: the configuration as the README writes it (the private key in each function's
 * secrets/, the rest in the environment) takes payments, and the mistakes a merchant plausibly makes
 * on the way are answered with what to put right, never taken for WeChat's answer to the call.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import { createServer } from 'net';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { get, post } from '../helpers/control';
import { KitClient } from '../helpers/kit';
import { ROOT, startSandboxProcess, type SandboxProcess } from '../helpers/sandbox';

const run = promisify(execFile);
const BUYER = 'o-buyer-golive';
const ADMIN = 'oPaykitLocalUser';
const LATTE = { items: [{ sku: 'coffee-latte', quantity: 1 }] };
/** Certificate mode: the kit is given no WeChat Pay public key. */
const NO_PUBLIC_KEY = 'PAYKIT_WECHATPAY_PUBLIC_KEY_ID=,PAYKIT_WECHATPAY_PUBLIC_KEY=';

/** A port nothing listens on now, for a sandbox whose URL must be known before it starts. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

/** `npm run sandbox -- merchant --data <dataDir> --url <url>`: the test merchant's keys and the kit's configuration. */
async function merchantCommand(dataDir: string, url: string): Promise<void> {
  const cli = path.join(ROOT, 'bin/paykit-sandbox.js');
  await run(process.execPath, [cli, 'merchant', '--data', dataDir, '--url', url], { cwd: ROOT });
}

/** The built functions as `npm run build` leaves them with the key in secrets/: each carries a copy. */
function functionsWithKey(keyFile: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-golive-fns-'));
  fs.cpSync(path.join(ROOT, 'dist/cloudfunctions'), dir, { recursive: true });
  for (const name of fs.readdirSync(dir)) {
    fs.mkdirSync(path.join(dir, name, 'secrets'));
    fs.copyFileSync(keyFile, path.join(dir, name, 'secrets/apiclient_key.pem'));
  }
  return dir;
}

/** Everything the functions logged, as one text. */
async function logsOf(sandbox: SandboxProcess, name: string): Promise<string> {
  const { logs } = await get<{ logs: unknown[] }>(`${sandbox.url}/sandbox/logs?name=${name}&limit=100`);
  return JSON.stringify(logs);
}

describe('the README configuration: the key in secrets/ beside each function, the rest in the environment', () => {
  let sandbox: SandboxProcess | undefined;
  let functions: string;
  afterAll(async () => {
    await sandbox?.stop();
    if (functions) fs.rmSync(functions, { recursive: true, force: true });
  });

  test('pays and refunds, whatever folder the sandbox runs in', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-golive-'));
    const port = await freePort();
    await merchantCommand(dataDir, `http://127.0.0.1:${port}`);
    const apiv3 = path.join(dataDir, 'merchant/apiv3');
    functions = functionsWithKey(path.join(apiv3, 'apiclient_key.pem'));
    // The environment of the README's table: no PEM of the private key in it.
    const env = fs
      .readFileSync(path.join(apiv3, 'paykit-apiv3.env'), 'utf8')
      .split('\n')
      .filter((line) => !line.startsWith('PAYKIT_MCH_PRIVATE_KEY='))
      .join('\n');
    const envFile = path.join(dataDir, 'my-apiv3.env');
    fs.writeFileSync(envFile, env);
    sandbox = await startSandboxProcess({
      dataDir,
      port,
      args: ['--functions', functions, '--fn-env-file', envFile],
    });
    const kit = new KitClient(sandbox.url);
    const placed = await kit.ok(BUYER, 'unifiedOrder', LATTE);
    await kit.payAndConfirm(BUYER, placed);
    await kit.ok(ADMIN, 'refund', { orderNo: placed.orderNo, refundFee: 100 });
    await kit.settle();
    const order = await kit.order<{ refunds: Array<{ status: string }> }>(placed.orderNo);
    expect(order?.refunds.map((r) => r.status)).toEqual(['SUCCESS']);
  });
});

describe('certificate mode', () => {
  let sandbox: SandboxProcess;
  let kit: KitClient;
  beforeAll(async () => {
    sandbox = await startSandboxProcess({ args: ['--provider', 'apiv3', '--fn-env', NO_PUBLIC_KEY] });
    kit = new KitClient(sandbox.url);
  });
  afterAll(() => sandbox?.stop());

  test('for a merchant WeChat gave no platform certificate, the answer says to set the public key', async () => {
    await post(`${sandbox.url}/sandbox/v3/merchant`, {
      signMode: 'publicKey',
      hasPlatformCertificate: false,
    });
    const answer = await kit.call(BUYER, 'unifiedOrder', LATTE);
    expect(answer).toEqual(expect.objectContaining({ ok: false, code: 'PAY_PROVIDER_ERROR' }));
    expect((answer as { message: string }).message).toMatch(
      /GET \/v3\/certificates: 404 RESOURCE_NOT_EXISTS .*; this merchant has no platform certificate: set PAYKIT_WECHATPAY_PUBLIC_KEY_ID and PAYKIT_WECHATPAY_PUBLIC_KEY/,
    );
  });

  test('a refund WeChat carried out while its certificates cannot be had is not recorded as never made', async () => {
    const merchant = (hasPlatformCertificate: boolean) =>
      post(`${sandbox.url}/sandbox/v3/merchant`, { signMode: 'certificate', hasPlatformCertificate });
    await merchant(true);
    await kit.freshInstances('unifiedOrder');
    const placed = await kit.ok(BUYER, 'unifiedOrder', LATTE);
    await kit.payAndConfirm(BUYER, placed);
    // WeChat then has no platform certificate to give: the refund's new instance cannot verify
    // WeChat's answer to the refund, nor to its query of it.
    await kit.freshInstances('refund');
    await merchant(false);
    const request = { orderNo: placed.orderNo, refundFee: 200, refundNo: `${placed.orderNo}R1` };
    const answer = await kit.call(ADMIN, 'refund', request);
    expect(answer).toEqual(expect.objectContaining({ ok: false, code: 'PAY_PROVIDER_ERROR' }));
    expect((answer as { message: string }).message).not.toContain('nothing was refunded');
    const stored = async () =>
      (await kit.order<{ refunds: Array<{ outRefundNo: string; status: string }> }>(placed.orderNo))?.refunds;
    expect((await stored())?.map((r) => r.status)).not.toContain('FAILED');
    // Once WeChat serves its certificate again, the admin's retry and the sweep find the refund WeChat made.
    await merchant(true);
    await kit.ok(ADMIN, 'refund', request);
    await kit.moveClock('advance', { ms: 6 * 60_000 });
    expect((await stored())?.map((r) => [r.outRefundNo, r.status])).toEqual([[request.refundNo, 'SUCCESS']]);
  });
});

describe('an APIv3 key that is not the one WeChat has', () => {
  const WRONG_KEY = 'PAYKIT_APIV3_KEY=0123456789abcdef0123456789abcdef';
  const stopAfter: SandboxProcess[] = [];
  afterAll(() => Promise.all(stopAfter.map((s) => s.stop())));

  test('certificate mode: the certificates do not decrypt, and the answer names PAYKIT_APIV3_KEY', async () => {
    const sandbox = await startSandboxProcess({
      args: ['--provider', 'apiv3', '--fn-env', `${WRONG_KEY},${NO_PUBLIC_KEY}`],
    });
    stopAfter.push(sandbox);
    await post(`${sandbox.url}/sandbox/v3/merchant`, {
      signMode: 'certificate',
      hasPlatformCertificate: true,
    });
    const answer = await new KitClient(sandbox.url).call(BUYER, 'unifiedOrder', LATTE);
    expect(answer).toEqual(expect.objectContaining({ ok: false, code: 'PAY_PROVIDER_ERROR' }));
    expect((answer as { message: string }).message).toMatch(
      /the platform certificates from \/v3\/certificates do not decrypt with PAYKIT_APIV3_KEY/,
    );
  });

  test('public-key mode: the payment is recorded from the query, and the refused notification names it', async () => {
    const sandbox = await startSandboxProcess({ args: ['--provider', 'apiv3', '--fn-env', WRONG_KEY] });
    stopAfter.push(sandbox);
    const kit = new KitClient(sandbox.url);
    const placed = await kit.ok(BUYER, 'unifiedOrder', LATTE);
    expect((await kit.pay(BUYER, placed.payment)).errMsg).toBe('requestPayment:ok');
    await kit.settle();
    // The pay button's confirmation asks WeChat, which needs no APIv3 key in public-key mode.
    expect((await kit.ok(BUYER, 'queryOrder', { orderNo: placed.orderNo })).order.status).toBe('SUCCESS');
    expect(await logsOf(sandbox, 'payNotify')).toContain(
      'payment notification refused: cannot decrypt (Unsupported state or unable to authenticate data): ' +
        'PAYKIT_APIV3_KEY must be the APIv3密钥 set in 商户平台 → 账户中心 → API安全',
    );
  });
});
