/** @jest-environment node */
/**
 * `paykit-sandbox merchant`: prints the test merchant of a data folder, writes the kit's APIv3
 * configuration, and registers a user's own merchant key, which a running sandbox then accepts.
 */
import { execFile, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { generateKeyPairSync } from 'node:crypto';
import { promisify } from 'util';
import { post } from '../helpers/control';
import { buildFixtureFunctions } from '../helpers/fixtures';
import { ROOT, startSandboxProcess, type SandboxProcess } from '../helpers/sandbox';
import { V3Client, readMerchant } from '../helpers/v3client';

const run = promisify(execFile);
const CLI = path.join(ROOT, 'dist/sandbox/cli.js');

async function merchant(args: string[], stderr?: (text: string) => void): Promise<string> {
  const answer = await run(process.execPath, [CLI, 'merchant', ...args], { cwd: ROOT });
  stderr?.(answer.stderr);
  return answer.stdout;
}

describe('paykit-sandbox merchant', () => {
  let sandbox: SandboxProcess | undefined;
  afterAll(() => sandbox?.stop());

  it('creates the merchant in a new data folder and prints it with the kit configuration', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-merchant-'));
    let said = '';
    const text = await merchant(['--data', dataDir], (s) => (said = s));
    // Said, because a mistyped --data would otherwise pass for an existing merchant.
    expect(said).toContain(`${dataDir} had no test merchant: made a new one, with new keys`);
    const created = readMerchant(dataDir);
    expect(text).toContain(`mchid:         ${created.mchid}`);
    expect(text).toContain(created.publicKeyId);
    expect(text).not.toContain('PRIVATE KEY');
    const json = JSON.parse(
      await merchant(['--data', dataDir, '--json'], (s) => expect(s).not.toContain('had no test merchant')),
    ) as {
      merchant: Record<string, unknown>;
      files: { envFile: string };
      notifyUrl: string;
    };
    expect(json.merchant.merchantSerial).toBe(created.merchantSerial);
    expect(json.merchant.merchantPrivateKeyPem).toBeUndefined();
    expect(fs.readFileSync(json.files.envFile, 'utf8')).toContain(`PAYKIT_APIV3_KEY=${created.apiV3Key}`);
    expect(json.notifyUrl).toMatch(
      /^https:\/\/paykit-sandbox-1300000000\.ap-shanghai\.app\.tcloudbase\.com\//,
    );
  });

  it('hands the kit configuration to every function with --fn-env-file', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-merchant-'));
    await merchant(['--data', dataDir]);
    const envFile = path.join(dataDir, 'merchant', 'apiv3', 'paykit-apiv3.env');
    const withEnv = await startSandboxProcess({
      dataDir,
      args: ['--functions', buildFixtureFunctions(['envEcho']), '--fn-env-file', envFile],
    });
    try {
      const env = await post<{ result: Record<string, string> }>(
        `${withEnv.url}/sandbox/functions/envEcho/invoke`,
        {},
      );
      const created = readMerchant(dataDir);
      expect(env.result).toMatchObject({
        PAYKIT_PROVIDER: 'apiv3',
        PAYKIT_MCHID: created.mchid,
        PAYKIT_APIV3_KEY: created.apiV3Key,
        PAYKIT_WECHATPAY_PUBLIC_KEY_ID: created.publicKeyId,
      });
      // PEMs travel on one line, newlines escaped, as a console 环境变量 holds them.
      expect(env.result.PAYKIT_MCH_PRIVATE_KEY.replace(/\\n/g, '\n')).toBe(created.merchantPrivateKeyPem);
    } finally {
      await withEnv.stop();
    }
  });

  it('keeps the sandbox URL of the configuration when a later command only changes the mode', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-merchant-'));
    const envFile = path.join(dataDir, 'merchant', 'apiv3', 'paykit-apiv3.env');
    await merchant(['--data', dataDir, '--url', 'http://127.0.0.1:7790']);
    await merchant(['--data', dataDir, '--mode', 'certificate']);
    expect(fs.readFileSync(envFile, 'utf8')).toContain('PAYKIT_APIV3_BASE_URL=http://127.0.0.1:7790\n');
    await merchant(['--data', dataDir, '--url', 'http://127.0.0.1:7791']);
    expect(fs.readFileSync(envFile, 'utf8')).toContain('PAYKIT_APIV3_BASE_URL=http://127.0.0.1:7791\n');
  });

  it('says the functions pay through APIv3 when the configuration handed to them says so', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-merchant-'));
    await merchant(['--data', dataDir]);
    const envFile = path.join(dataDir, 'merchant', 'apiv3', 'paykit-apiv3.env');
    const args = [
      'start',
      '--port',
      '0',
      '--data',
      dataDir,
      '--functions',
      dataDir,
      '--fn-env-file',
      envFile,
    ];
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let printed = '';
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (b: Buffer) => {
          printed += b.toString();
          if (printed.includes('Ctrl+C stops the sandbox')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`the sandbox exited with ${code}:\n${printed}`)));
      });
    } finally {
      child.kill('SIGTERM');
    }
    expect(printed).toContain('pay through: apiv3 (PAYKIT_PROVIDER of --fn-env / --fn-env-file)');
  });

  it('registers a user’s own key, which the running sandbox accepts at once', async () => {
    sandbox = await startSandboxProcess({
      args: ['--functions', fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-v3-fns-'))],
    });
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pemFile = path.join(sandbox.dataDir, 'my_public_key.pem');
    fs.writeFileSync(pemFile, publicKey.export({ type: 'spki', format: 'pem' }).toString());
    const serial = '7A1B2C3D4E5F60718293A4B5C6D7E8F901234567';
    const own = { privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), serial };
    const client = new V3Client(sandbox.url, readMerchant(sandbox.dataDir));
    expect((await client.get('/v3/certificates', own)).status).toBe(401);
    await merchant(['--data', sandbox.dataDir, '--register', pemFile, '--serial', serial]);
    expect((await client.get('/v3/certificates', own)).status).toBe(200);
    // The merchant (and the registration) survive a restart on the same data folder.
    const { dataDir } = sandbox;
    await sandbox.stop();
    sandbox = await startSandboxProcess({
      dataDir,
      args: ['--functions', fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-v3-fns-'))],
    });
    const again = new V3Client(sandbox.url, readMerchant(dataDir));
    expect(again.merchant.merchantSerial).toBe(client.merchant.merchantSerial);
    expect((await again.get('/v3/certificates', own)).status).toBe(200);
  });
});
