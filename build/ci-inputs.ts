// What preview/upload/deploy are given. WeChat CI credentials: environment variables first, then the
// git-ignored .paykit.credentials.json; every problem is collected so the developer sees one message
// naming everything to fix. Flags (read from process.argv: gulp passes unknown flags through) and the
// version/description an upload carries.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { readJsonOr } from './context';
import { execFileSync } from 'child_process';

export const CREDENTIALS_FILE = '.paykit.credentials.json';

export type CiTaskName = 'preview' | 'upload' | 'deploy';

export interface Credentials {
  appid?: string;
  privateKeyPath?: string;
  envId?: string;
  robot?: number;
}

interface Field {
  key: keyof Credentials;
  env: string;
  what: string;
}

export const CREDENTIAL_FIELDS: readonly Field[] = [
  { key: 'appid', env: 'PAYKIT_APPID', what: 'mini-program appid (wx + 16 hex characters)' },
  {
    key: 'privateKeyPath',
    env: 'PAYKIT_PRIVATE_KEY_PATH',
    what: 'path to the code upload key (private.<appid>.key from mp.weixin.qq.com)',
  },
  { key: 'envId', env: 'PAYKIT_ENV_ID', what: 'cloud environment id (deploy only)' },
  { key: 'robot', env: 'PAYKIT_ROBOT', what: 'CI robot number 1-30 (optional, default 1)' },
];

export const fieldName = (f: Field) => `${f.env} (${CREDENTIALS_FILE}: "${f.key}")`;

/** What a task needs: deploy also needs the cloud environment. */
export const requiredFields = (task: CiTaskName): Array<keyof Credentials> =>
  task === 'deploy' ? ['appid', 'privateKeyPath', 'envId'] : ['appid', 'privateKeyPath'];

export interface LoadedCredentials {
  values: Credentials;
  /** Where each value came from, for the dry-run report. */
  sources: Partial<Record<keyof Credentials, string>>;
  /** Raw values as given (strings), checked by validateCredentials. */
  raw: Partial<Record<keyof Credentials, unknown>>;
  /** Problems with the file itself (unreadable, not JSON, not an object). */
  fileProblems: string[];
}

export function loadCredentials(root: string, env: NodeJS.ProcessEnv): LoadedCredentials {
  const file = path.join(root, CREDENTIALS_FILE);
  const fileProblems: string[] = [];
  let fromFile: Record<string, unknown> = {};
  if (fs.existsSync(file)) {
    try {
      const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
        fromFile = parsed as Record<string, unknown>;
      else fileProblems.push(`${CREDENTIALS_FILE} must hold a JSON object`);
    } catch (err) {
      fileProblems.push(`${CREDENTIALS_FILE} is not valid JSON: ${(err as Error).message}`);
    }
  }
  const raw: LoadedCredentials['raw'] = {};
  const sources: LoadedCredentials['sources'] = {};
  for (const f of CREDENTIAL_FIELDS) {
    const fromEnv = env[f.env];
    if (fromEnv !== undefined && fromEnv.trim() !== '') {
      raw[f.key] = fromEnv.trim();
      sources[f.key] = f.env;
    } else if (fromFile[f.key] !== undefined && fromFile[f.key] !== '') {
      raw[f.key] = fromFile[f.key];
      sources[f.key] = CREDENTIALS_FILE;
    }
  }
  const values: Credentials = {};
  if (typeof raw.appid === 'string') values.appid = raw.appid;
  if (typeof raw.privateKeyPath === 'string') values.privateKeyPath = path.resolve(root, raw.privateKeyPath);
  if (typeof raw.envId === 'string') values.envId = raw.envId;
  if (raw.robot !== undefined) values.robot = Number(raw.robot);
  return { values, sources, raw, fileProblems };
}

const APPID = /^wx[0-9a-f]{16}$/i;

/** '' when the file looks like a PEM private key, else why not. */
export function checkPrivateKey(file: string): string {
  let text: string;
  try {
    if (!fs.statSync(file).isFile()) return `${file} is not a file`;
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `${file} does not exist` : `${file} cannot be read (${code ?? 'error'})`;
  }
  if (!/-----BEGIN (RSA |EC |ENCRYPTED )?PRIVATE KEY-----/.test(text))
    return `${file} is not a PEM private key (no "-----BEGIN ... PRIVATE KEY-----" line)`;
  try {
    crypto.createPrivateKey(text);
  } catch (err) {
    return `${file} is not a usable PEM private key: ${(err as Error).message}`;
  }
  return '';
}

export interface CredentialCheck {
  /** Required but not given. */
  missing: Field[];
  /** Given but wrong (always an error, dry run or not). */
  invalid: string[];
}

export function checkCredentials(loaded: LoadedCredentials, task: CiTaskName): CredentialCheck {
  const { raw, values } = loaded;
  const invalid = [...loaded.fileProblems];
  const need = requiredFields(task);
  const missing = CREDENTIAL_FIELDS.filter((f) => need.includes(f.key) && raw[f.key] === undefined);
  const field = (key: keyof Credentials) => fieldName(CREDENTIAL_FIELDS.find((f) => f.key === key) as Field);
  if (raw.appid !== undefined && !(typeof raw.appid === 'string' && APPID.test(raw.appid)))
    invalid.push(`${field('appid')} is ${JSON.stringify(raw.appid)}: expected wx + 16 hex characters`);
  if (raw.privateKeyPath !== undefined) {
    if (typeof raw.privateKeyPath !== 'string') invalid.push(`${field('privateKeyPath')} must be a string`);
    else {
      const why = checkPrivateKey(values.privateKeyPath as string);
      if (why) invalid.push(`${field('privateKeyPath')}: ${why}`);
    }
  }
  if (raw.envId !== undefined && need.includes('envId')) {
    if (typeof raw.envId !== 'string' || !/^\S+$/.test(raw.envId))
      invalid.push(
        `${field('envId')} is ${JSON.stringify(raw.envId)}: expected a non-empty id without spaces`,
      );
  }
  if (raw.robot !== undefined) {
    const n = values.robot as number;
    if (!Number.isInteger(n) || n < 1 || n > 30)
      invalid.push(`${field('robot')} is ${JSON.stringify(raw.robot)}: expected an integer from 1 to 30`);
  }
  return { missing, invalid };
}

/** The one message for a real run; '' when the credentials are complete and well-formed. */
export function credentialsMessage(check: CredentialCheck, task: CiTaskName): string {
  if (!check.missing.length && !check.invalid.length) return '';
  const lines = [`${task} cannot run: WeChat CI credentials are missing or wrong.`];
  for (const f of check.missing) lines.push(`  - missing ${fieldName(f)}: ${f.what}`);
  for (const p of check.invalid) lines.push(`  - ${p}`);
  lines.push(
    `Set them as environment variables or in ${CREDENTIALS_FILE} (git-ignored), for example:`,
    `  { "appid": "wx0123456789abcdef", "privateKeyPath": "private.wx0123456789abcdef.key",` +
      ` "envId": "prod-1a2b3c", "robot": 1 }`,
  );
  return lines.join('\n');
}

export interface CiFlags {
  dryRun: boolean;
  /** Upload version; `--version` itself is taken by gulp-cli (it prints gulp's version and exits). */
  version?: string;
  desc?: string;
  /** Seconds without any news from miniprogram-ci before the task gives up. */
  timeout?: number;
  verbose: boolean;
}

/** Value of `--name value` or `--name=value`. */
function flagValue(argv: string[], names: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    for (const name of names) {
      if (argv[i] === name && i + 1 < argv.length) return argv[i + 1];
      if (argv[i].startsWith(`${name}=`)) return argv[i].slice(name.length + 1);
    }
  }
  return undefined;
}

export function parseCiFlags(argv: string[]): CiFlags {
  const timeout = flagValue(argv, ['--timeout']);
  return {
    dryRun: argv.includes('--dry-run'),
    version: flagValue(argv, ['--ver', '--upload-version']),
    desc: flagValue(argv, ['--desc']),
    timeout: timeout === undefined ? undefined : Number(timeout),
    verbose: argv.includes('--verbose'),
  };
}

export interface Release {
  version: string;
  versionSource: string;
  desc: string;
  descSource: string;
}

/** Subject of the latest commit, or '' outside a git checkout. */
export function latestCommitSubject(root: string): string {
  try {
    return execFileSync('git', ['log', '-1', '--format=%s'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
    }).trim();
  } catch {
    return '';
  }
}

/** Flags win over PAYKIT_VERSION / PAYKIT_DESC, which win over package.json and git. */
export function resolveRelease(root: string, flags: CiFlags, env: NodeJS.ProcessEnv): Release {
  const pkgVersion = String(
    readJsonOr<{ version?: string }>(path.join(root, 'package.json'), {}).version ?? '',
  );
  const [version, versionSource] = flags.version
    ? [flags.version, '--ver']
    : env.PAYKIT_VERSION
      ? [env.PAYKIT_VERSION, 'PAYKIT_VERSION']
      : [pkgVersion, 'package.json'];
  let desc: string;
  let descSource: string;
  if (flags.desc) [desc, descSource] = [flags.desc, '--desc'];
  else if (env.PAYKIT_DESC) [desc, descSource] = [env.PAYKIT_DESC, 'PAYKIT_DESC'];
  else {
    const subject = latestCommitSubject(root);
    [desc, descSource] = subject ? [subject, 'latest git commit'] : [`version ${version}`, 'default'];
  }
  return { version, versionSource, desc, descSource };
}

/** '' when `version` is something WeChat accepts as a version label. */
export function checkVersion(version: string): string {
  if (!version) return 'no version: set "version" in package.json, PAYKIT_VERSION or --ver <version>';
  if (!/^[0-9A-Za-z][0-9A-Za-z.\-_+]{0,63}$/.test(version))
    return `version ${JSON.stringify(version)} should look like 1.2.3 (letters, digits, . - _ +)`;
  return '';
}

export const formatBytes = (n: number): string =>
  n < 1024
    ? `${n} B`
    : n < 1024 * 1024
      ? `${(n / 1024).toFixed(1)} KB`
      : `${(n / 1024 / 1024).toFixed(2)} MB`;
