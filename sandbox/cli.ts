/**
 * `paykit-sandbox` command line. `start` runs the sandbox in the foreground; the other commands
 * talk to a running one over its control API.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { LOCAL_USERS } from './commands/call-commands';
import { isLoopback } from './access';
import { checkOptions, parseArgs, type Args } from './commands/args';
import { COMMANDS, COMMAND_USAGE, runCommand } from './commands/commands';
import type { IndexSpec } from './cloud/database';
import type { Sandbox } from './server';
import { parseRouteFlag, readRoutesFile, type AccessRoute } from './access/routes';
import { MERCHANT_USAGE } from './merchant-cli';
import { readEnvFile } from './merchant-files';
import { SHARED_MODULES } from './runtime/environment';
import { installModuleCache } from './runtime/module-cache';

// ./server (SQLite, mingo, the runtime) is loaded by `start` and `help` only, so that the control
// commands start fast.
const loadServer = () => import('./server');

const usage = async (): Promise<string> => {
  const { DEFAULT_APP_ID, DEFAULT_ENV_ID } = await loadServer();
  return `Usage: paykit-sandbox <command> [options]   (npm run sandbox -- <command> [options])

Commands:
  start      Run the sandbox (WeChat Cloud + WeChat Pay) in the foreground

Options for start:
  --port <n>         Port to listen on (default 7788; 0 picks a free one)
  --host <addr>      Address to bind (default 127.0.0.1). Anything else (0.0.0.0, a LAN address)
                     exposes it to the network: every request then needs the access token, which
                     is printed at start and kept in <data>/access-token ($PAYKIT_SANDBOX_TOKEN overrides)
  --allow-origin <o> Web origins allowed to drive it besides its own (comma-separated, e.g.
                     http://localhost:5173); requests with a foreign Origin are refused
  --data <dir>       Data folder (default .sandbox)
  --functions <dir>  Built cloud functions (default dist/cloudfunctions)
  --env <id>         Environment id the functions see (default ${DEFAULT_ENV_ID})
  --appid <id>       Mini-program appid the sandbox pretends to be (default ${DEFAULT_APP_ID})
  --indexes <file>   Index declarations (default cloudfunctions/common/indexes.json)
  --seed <file>      JSON { collection: [docs] } imported at start (default sandbox/seed/demo.json when the data folder is new)
  --fn-env <k=v,...> Environment variables for every function (default PAYKIT_SUB_MCH_ID=1900000109,
                     PAYKIT_ADMIN_OPENIDS=${LOCAL_USERS.admin}, the local admin; add more openids with
                     --fn-env PAYKIT_ADMIN_OPENIDS=${LOCAL_USERS.admin},oYourOpenid)
  --durability <d>   process (default): writes survive a killed sandbox; full: also a power cut (slower)
  --fn-env-file <f>  KEY=VALUE lines for every function's environment (e.g. the APIv3 test merchant's
                     <data>/merchant/apiv3/paykit-apiv3.env; --fn-env wins)
  --routes <file>    HTTP access service routes { "routes": { "/path": "function" } } (default
                     cloudfunctions/http-routes.json when it exists)
  --route /path=fn   One more route (repeatable)
  --provider <name>  cloudpay (default) or apiv3: the kit's functions pay through the test merchant's
                     APIv3 keys, with notifications through the HTTP access routes
  --json             Print one JSON line when ready (for scripts)
  --quiet            Print nothing else

${COMMAND_USAGE}
${MERCHANT_USAGE}`;
};

type Flags = Args['flags'];

/** The merchant number the sandbox's functions use unless told otherwise. */
export const SANDBOX_SUB_MCH_ID = '1900000109';

function functionEnv(flags: Flags): Record<string, string> {
  // The local admin, also the DevTools user (miniprogram/paykit/config.ts localOpenid), is a
  // merchant admin in the sandbox, so the demo can refund and reconcile.
  const env: Record<string, string> = {
    PAYKIT_SUB_MCH_ID: SANDBOX_SUB_MCH_ID,
    PAYKIT_ADMIN_OPENIDS: LOCAL_USERS.admin,
  };
  // A file of KEY=VALUE lines first (e.g. <data>/merchant/apiv3/paykit-apiv3.env), then --fn-env.
  const envFile = flags['fn-env-file'];
  if (typeof envFile === 'string') Object.assign(env, readEnvFile(path.resolve(envFile)));
  const spec = flags['fn-env'];
  if (typeof spec === 'string') {
    for (const pair of spec.split(',').filter(Boolean)) {
      const eq = pair.indexOf('=');
      if (eq < 1) throw new Error(`--fn-env takes KEY=VALUE pairs, got "${pair}"`);
      env[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  return env;
}

/** `start`'s options (`--json` and `--quiet` take no value). */
const START_OPTIONS = [
  'port',
  'host',
  'allow-origin',
  'data',
  'functions',
  'env',
  'appid',
  'indexes',
  'seed',
  'fn-env',
  'durability',
  'fn-env-file',
  'routes',
  'route',
  'provider',
  'json',
  'quiet',
];

function str(flags: Flags, key: string, fallback: string): string {
  const v = flags[key];
  return typeof v === 'string' ? v : fallback;
}

export async function main(argv: string[]): Promise<void> {
  const [command = 'help', ...rest] = argv;
  // Before `start` and `merchant`, which would otherwise start a sandbox or write files.
  if (command === 'help' || command === '--help' || command === '-h' || rest.includes('--help')) {
    console.log(await usage());
    return;
  }
  if (command === 'start') return start(await startFlags(argv), argv);
  if (command === 'merchant') return (await import('./merchant-cli')).merchantCommand(rest);
  if (command in COMMANDS) return runCommand(command, rest);
  throw new Error(`unknown command "${command}"\n\n${await usage()}`);
}

/** --durability process|full. */
function durabilityOf(flags: Flags): 'process' | 'full' {
  const durability = str(flags, 'durability', 'process');
  if (durability !== 'process' && durability !== 'full') {
    throw new Error(`--durability must be process or full, got "${durability}"`);
  }
  return durability;
}

/** --provider cloudpay|apiv3: which pay provider the kit's functions use (apiv3: the test merchant). */
function providerOf(flags: Flags): 'cloudpay' | 'apiv3' {
  const provider = str(flags, 'provider', 'cloudpay');
  if (provider !== 'cloudpay' && provider !== 'apiv3') {
    throw new Error(`--provider must be cloudpay or apiv3, got "${provider}"`);
  }
  return provider;
}

/** Routes of the routes file, then every `--route` (parseArgs keeps only the last of a repeated flag). */
function routesOf(flags: Flags, argv: string[]): AccessRoute[] {
  const file = path.resolve(str(flags, 'routes', 'cloudfunctions/http-routes.json'));
  if (typeof flags.routes === 'string' && !fs.existsSync(file))
    throw new Error(`--routes: ${file} does not exist`);
  const routes = readRoutesFile(file);
  argv.forEach((arg, i) => {
    if (arg === '--route' && argv[i + 1] !== undefined) routes.push(parseRouteFlag(argv[i + 1]));
    else if (arg.startsWith('--route=')) routes.push(parseRouteFlag(arg.slice('--route='.length)));
  });
  return routes;
}

/** `start`'s flags; a stray argument or an option it does not take is an error, not ignored. */
async function startFlags(argv: string[]): Promise<Flags> {
  try {
    const args = parseArgs(argv.slice(1));
    if (args.positional.length) throw new Error(`start takes no arguments, got "${args.positional[0]}"`);
    checkOptions('start', args, START_OPTIONS);
    return args.flags;
  } catch (err) {
    throw new Error(`${(err as Error).message}\n\n${await usage()}`);
  }
}

/**
 * What `paykit-sandbox start <args>` starts, without the command's signal handlers and printing: for
 * a process that runs sandboxes one after another (the test suites' host, test/helpers/sandbox-host.ts).
 * The caller stops it with `sandbox.close()`.
 */
export async function startFromArgs(args: string[]): Promise<Sandbox> {
  const argv = ['start', ...args];
  return (await launch(await startFlags(argv), argv)).sandbox;
}

/** The sandbox of `start`'s flags (`argv` for its repeated `--route`s), started and seeded. */
async function launch(
  flags: Flags,
  argv: string[],
): Promise<{ sandbox: Sandbox; host: string; dataDir: string; functionsDir: string; seedFile?: string }> {
  const routes = routesOf(flags, argv);
  const provider = providerOf(flags);
  const durability = durabilityOf(flags);
  const port = Number(str(flags, 'port', process.env.PAYKIT_SANDBOX_PORT ?? '7788'));
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be 0..65535, got ${flags.port}`);
  const dataDir = path.resolve(str(flags, 'data', '.sandbox'));
  const fresh = !fs.existsSync(path.join(dataDir, 'cloud.sqlite'));
  const functionsDir = path.resolve(str(flags, 'functions', 'dist/cloudfunctions'));
  const indexesFile = path.resolve(str(flags, 'indexes', 'cloudfunctions/common/indexes.json'));
  const indexes = fs.existsSync(indexesFile)
    ? (JSON.parse(fs.readFileSync(indexesFile, 'utf8')) as IndexSpec[])
    : [];
  // Before ./server requires its packages (mingo, better-sqlite3, bson): a test run starts the
  // sandbox a hundred times, each reading the same files.
  const moduleCache = installModuleCache(SHARED_MODULES, 'sandbox');
  const { DEFAULT_APP_ID, DEFAULT_ENV_ID, startSandbox } = await loadServer();
  moduleCache?.save();
  const host = str(flags, 'host', '127.0.0.1');
  const allowOrigins = str(flags, 'allow-origin', '').split(',').filter(Boolean);
  for (const origin of allowOrigins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new Error(`--allow-origin takes origins such as http://localhost:5173, got "${origin}"`);
    }
  }
  let sandbox: Sandbox;
  try {
    sandbox = await startSandbox({
      port,
      host,
      token: isLoopback(host) ? undefined : accessToken(dataDir),
      allowOrigins,
      dataDir,
      functionsDir,
      envId: str(flags, 'env', DEFAULT_ENV_ID),
      appId: str(flags, 'appid', DEFAULT_APP_ID),
      indexes,
      functionEnv: functionEnv(flags),
      durability,
      routes,
      provider,
    });
  } catch (err) {
    // A first start that failed (its port in use) must leave no database behind: the next start
    // would take the folder for one that was seeded before and sell nothing.
    if (fresh) {
      for (const suffix of ['', '-wal', '-shm', '-journal'])
        fs.rmSync(path.join(dataDir, `cloud.sqlite${suffix}`), { force: true });
    }
    throw err;
  }
  const seedFile =
    typeof flags.seed === 'string' ? path.resolve(flags.seed) : fresh ? defaultSeed() : undefined;
  if (seedFile)
    sandbox.db.importData(JSON.parse(fs.readFileSync(seedFile, 'utf8')) as Record<string, unknown[]>);
  return { sandbox, host, dataDir, functionsDir, seedFile };
}

/**
 * Which provider the functions pay through, as start prints it: --provider apiv3 gives them the test
 * merchant's keys, and a PAYKIT_PROVIDER of --fn-env or --fn-env-file (your own configuration,
 * rehearsed against the sandbox) is what they read otherwise.
 */
function payThrough(flags: Flags): string {
  if (providerOf(flags) === 'apiv3')
    return "apiv3 (the test merchant's keys; --provider cloudpay for cloudPay)";
  const configured = (functionEnv(flags).PAYKIT_PROVIDER ?? '').trim();
  if (configured) return `${configured} (PAYKIT_PROVIDER of --fn-env / --fn-env-file)`;
  return 'cloudpay (a new merchant pays through APIv3: try it with --provider apiv3)';
}

async function start(flags: Flags, argv: string[]): Promise<void> {
  const { sandbox, host, dataDir, functionsDir, seedFile } = await launch(flags, argv);
  const stop = () => {
    sandbox.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  if (sandbox.token) {
    // Loud on purpose, and even with --quiet: anyone who can reach this machine can now try.
    console.error(`
!!! WARNING: the sandbox listens on ${host}, beyond this machine's loopback.
!!! Anyone who can reach this address can drive it once they have the access token:
!!!   access token: ${sandbox.token}
!!! Send it as the header X-Paykit-Token (or Authorization: Bearer); the CLI reads
!!! $PAYKIT_SANDBOX_TOKEN or --token; the mini-program in local mode takes gatewayToken.
!!! It is kept in ${path.join(dataDir, 'access-token')}: delete that file to get a new one.
`);
  }
  // The token rides in the fragment, which the browser never sends: the page keeps it for the tab.
  const dashboard = `${sandbox.url}/${sandbox.token ? `#token=${sandbox.token}` : ''}`;
  if (flags.json) {
    console.log(
      JSON.stringify({
        ready: true,
        url: sandbox.url,
        dashboard,
        envId: sandbox.envId,
        ...(sandbox.token ? { token: sandbox.token } : {}),
      }),
    );
  }
  if (!flags.quiet) {
    const functions = sandbox.functions.list();
    console.log(`weapp-paykit sandbox listening on ${sandbox.url}
  dashboard:   ${dashboard}
  gateway:     ${sandbox.url}/gateway/call
  env id:      ${sandbox.envId}
  data:        ${dataDir}${seedFile ? `\n  seeded from: ${path.relative(process.cwd(), seedFile)}` : ''}
  functions:   ${functions.length ? functions.join(', ') : `(none built in ${functionsDir}: run npm run build)`}
  pay through: ${payThrough(flags)}
  APIv3:       ${sandbox.url}/v3/… as merchant ${sandbox.v3.merchant().mchid} (npm run sandbox -- merchant)
  HTTP access: https://${sandbox.access.domain()} → ${
    sandbox.access.routes
      .list()
      .map((r) => `${r.path}=${r.functionName}`)
      .join(', ') || '(no routes)'
  }

WeChat DevTools (local mode): open this folder as a project, then in 详情 → 本地设置 tick
"不校验合法域名…" so the mini-program may call ${sandbox.url}; the kit's paykit config
(miniprogram/paykit-options.ts) sends calls to this gateway once you set mode: 'local' there.
Control API: ${sandbox.url}/sandbox/status · Ctrl+C stops the sandbox.`);
  }
}

/**
 * The token a sandbox exposed beyond loopback requires: $PAYKIT_SANDBOX_TOKEN, else the one kept in
 * the data folder (so DevTools' gatewayToken stays valid across restarts), else a new one kept there.
 */
function accessToken(dataDir: string): string {
  const fromEnv = process.env.PAYKIT_SANDBOX_TOKEN;
  if (fromEnv) return fromEnv;
  const file = path.join(dataDir, 'access-token');
  const kept = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : '';
  if (kept) return kept;
  const token = randomBytes(24).toString('base64url');
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

function defaultSeed(): string | undefined {
  // Built: dist/sandbox/cli.js; from source: sandbox/cli.ts.
  const file = path.resolve(__dirname, __filename.endsWith('.ts') ? '.' : '../../sandbox', 'seed/demo.json');
  return fs.existsSync(file) ? file : undefined;
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
}
