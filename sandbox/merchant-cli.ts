/**
 * `paykit-sandbox merchant`: prints the APIv3 test merchant of a data folder (creating it if the
 * sandbox never ran there), writes the kit's APIv3 configuration next to it, and registers a user's
 * own merchant key or switches the merchant's signing mode. Works on the data folder directly; a
 * running sandbox picks the change up on its next v3 request.
 */
import * as fs from 'fs';
import * as path from 'path';
import { accessDomain } from './access/service';
import { checkOptions, parseArgs, type Args } from './commands/args';
import { DEFAULT_NOTIFY_PATH, describeMerchant, kitConfigPaths, writeKitConfig } from './merchant-files';
import { loadOrCreateMerchant, merchantFile, registerMerchantKey, saveMerchant } from './merchant';

export const MERCHANT_USAGE = `  merchant [--data <dir>] [--env <id>] [--appid <id>] [--url <sandbox url>] [--json]
           [--register <pem file> [--serial <hex>]] [--mode publicKey|certificate]
           [--platform-cert yes|no]
                                           The APIv3 test merchant: print it, write the kit's APIv3
                                           configuration to <data>/merchant/apiv3/, register your own
                                           merchant certificate or public key (with its serial), choose
                                           how answers and notifications are signed`;

const MERCHANT_OPTIONS = [
  'data',
  'env',
  'appid',
  'url',
  'json',
  'register',
  'serial',
  'mode',
  'platform-cert',
];

/** The command's flags; a stray argument or an option it does not take is an error, not ignored. */
function flagsOf(argv: string[]): Args['flags'] {
  const args = parseArgs(argv);
  if (args.positional.length)
    throw new Error(`unexpected argument "${args.positional[0]}"\n${MERCHANT_USAGE}`);
  checkOptions('merchant', args, MERCHANT_OPTIONS);
  if (args.flags.serial !== undefined && args.flags.register === undefined)
    throw new Error('--serial names the key given with --register');
  const platformCert = args.flags['platform-cert'];
  if (platformCert !== undefined && platformCert !== 'yes' && platformCert !== 'no')
    throw new Error(`--platform-cert is yes or no, got "${platformCert}"`);
  return args.flags;
}

/**
 * The sandbox URL the kit configuration already names (`npm start` writes its own, `--url` an earlier
 * one): switching the signing mode must not point an `--fn-env-file` of that folder at another port.
 */
function writtenBaseUrl(dataDir: string): string | undefined {
  const file = kitConfigPaths(dataDir).jsonFile;
  if (!fs.existsSync(file)) return undefined;
  try {
    const url = (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>).PAYKIT_APIV3_BASE_URL;
    return typeof url === 'string' && url ? url : undefined;
  } catch {
    return undefined; // unreadable: written afresh below
  }
}

export async function merchantCommand(argv: string[]): Promise<void> {
  const flags = flagsOf(argv);
  const text = (key: string, fallback: string): string => {
    const v = flags[key];
    return typeof v === 'string' ? v : fallback;
  };
  const { DEFAULT_APP_ID, DEFAULT_ENV_ID } = await import('./server');
  const dataDir = path.resolve(text('data', '.sandbox'));
  const existed = fs.existsSync(merchantFile(dataDir));
  const merchant = loadOrCreateMerchant(dataDir, text('appid', DEFAULT_APP_ID));
  // A mistyped --data would otherwise pass for the merchant a running sandbox uses.
  if (!existed) console.error(`${dataDir} had no test merchant: made a new one, with new keys`);
  let changed = false;
  if (typeof flags.register === 'string') {
    const key = registerMerchantKey(merchant, {
      pem: fs.readFileSync(flags.register, 'utf8'),
      serial: typeof flags.serial === 'string' ? flags.serial : undefined,
    });
    console.error(`registered merchant key ${key.serial}`);
    changed = true;
  }
  if (flags.mode !== undefined) {
    if (flags.mode !== 'publicKey' && flags.mode !== 'certificate')
      throw new Error('--mode is publicKey or certificate');
    merchant.signMode = flags.mode;
    changed = true;
  }
  if (flags['platform-cert'] !== undefined) {
    merchant.hasPlatformCertificate = flags['platform-cert'] !== 'no';
    changed = true;
  }
  if (changed) saveMerchant(dataDir, merchant);
  const notifyUrl = `https://${accessDomain(text('env', DEFAULT_ENV_ID))}${DEFAULT_NOTIFY_PATH}`;
  const baseUrl = text(
    'url',
    process.env.PAYKIT_SANDBOX_URL ?? writtenBaseUrl(dataDir) ?? 'http://127.0.0.1:7788',
  );
  const paths = writeKitConfig(dataDir, merchant, { baseUrl, notifyUrl });
  if (flags.json) {
    const {
      merchantPrivateKeyPem: _a,
      publicKeyPrivatePem: _b,
      platformPrivateKeyPem: _c,
      ...shown
    } = merchant;
    void [_a, _b, _c];
    console.log(JSON.stringify({ merchant: shown, files: paths, notifyUrl }, null, 2));
  } else {
    console.log(describeMerchant(merchant, paths, notifyUrl));
  }
}
