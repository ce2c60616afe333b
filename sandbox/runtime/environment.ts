/**
 * What a function instance's process sees: the environment SCF gives it (pointed at the sandbox),
 * the per-invocation caller context, and its dependencies resolved as the cloud would install them.
 */
import * as fs from 'fs';
import * as path from 'path';
import { SandboxError } from '../errors';
import type { Caller, RuntimeOptions } from './functions';

/** Where a function without node_modules of its own finds its packages (see baseEnv). */
export const SHARED_MODULES = path.resolve(__dirname, '../../node_modules');

/**
 * The cloud installs a function's package.json dependencies when it is deployed; here they must
 * resolve from the function's folder or the project. Says which one is missing, before starting.
 */
export function checkDependencies(name: string, dir: string): void {
  const file = path.join(dir, 'package.json');
  if (!fs.existsSync(file)) return;
  let deps: Record<string, string> = {};
  try {
    deps =
      (JSON.parse(fs.readFileSync(file, 'utf8')) as { dependencies?: Record<string, string> }).dependencies ??
      {};
  } catch {
    throw new SandboxError('FUNCTIONS_EXECUTE_FAIL', `function ${name}: its package.json is not valid JSON`);
  }
  for (const dep of Object.keys(deps)) {
    try {
      require.resolve(dep, { paths: [dir, SHARED_MODULES] });
    } catch {
      throw new SandboxError(
        'FUNCTIONS_EXECUTE_FAIL',
        `function ${name} depends on ${dep}, which is not installed: run npm install in ${dir} ` +
          '(the cloud installs it when the function is deployed with 云端安装依赖)',
      );
    }
  }
}

/** SCF's limits on the variables a developer sets (APIv3 reference §15): 4 KB in all, names 2–64 bytes. */
export const MAX_FUNCTION_ENV_BYTES = 4096;
const ENV_NAME = /^[A-Za-z][A-Za-z0-9_]{1,63}$/;

/**
 * Why the cloud would refuse the functions' environment variables, or undefined: a configuration that
 * could not be deployed does not run here either (a private key inline in the environment is the
 * usual way past 4 KB).
 */
export function functionEnvProblem(env: Record<string, string> = {}): string | undefined {
  const badName = Object.keys(env).find((name) => !ENV_NAME.test(name));
  if (badName !== undefined) {
    return `the function environment variable name "${badName}" is not one the cloud takes (a letter, then letters, digits or _, 2 to 64 in all)`;
  }
  const bytes = Object.entries(env).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  if (bytes <= MAX_FUNCTION_ENV_BYTES) return undefined;
  return (
    `the function environment variables total ${bytes} bytes; the cloud (SCF) takes at most ` +
    `${MAX_FUNCTION_ENV_BYTES}: keep the merchant private key in secrets/ (PAYKIT_MCH_PRIVATE_KEY_FILE), not inline`
  );
}

export function baseEnv(opts: RuntimeOptions): NodeJS.ProcessEnv {
  const problem = functionEnvProblem(opts.functionEnv);
  if (problem) throw new SandboxError('FUNCTIONS_EXECUTE_FAIL', problem);
  return {
    PATH: process.env.PATH,
    NODE_ENV: process.env.NODE_ENV,
    // Cloud functions run in UTC, not Beijing time: code that formats local times must say so.
    TZ: 'UTC',
    // A function folder without node_modules of its own still finds wx-server-sdk (as the
    // cloud's "云端安装依赖" would have installed it) from the project the sandbox runs in.
    NODE_PATH: SHARED_MODULES,
    TCB_CONTEXT_CNFG: JSON.stringify({ URL: opts.adminUrl }),
    // Without it @cloudbase/node-sdk looks up metadata.tencentyun.com on every request (a 30 ms
    // timeout each, never cached) to learn whether it runs inside Tencent Cloud.
    TENCENTCLOUD: 'true',
    TENCENTCLOUD_SECRETID: 'paykit-sandbox',
    TENCENTCLOUD_SECRETKEY: 'paykit-sandbox',
    SCF_NAMESPACE: opts.envId,
    TCB_ENV: opts.envId,
    ...opts.functionEnv,
    ...(process.env.PAYKIT_SANDBOX_ECHO_LOGS ? { PAYKIT_SANDBOX_ECHO_LOGS: '1' } : {}),
    ...profiling(),
  };
}

/**
 * For profiling the instances only (`npm run bench -- pay --profile <dir>`, bench/cpu-profile-hook.js):
 * NODE_OPTIONS from PAYKIT_SANDBOX_INSTANCE_NODE_OPTIONS, and where the hook writes. The sandbox's own
 * NODE_OPTIONS never reach a function, as the cloud's would not.
 */
function profiling(): Record<string, string> {
  const options = process.env.PAYKIT_SANDBOX_INSTANCE_NODE_OPTIONS;
  if (!options) return {};
  const env: Record<string, string> = { NODE_OPTIONS: options };
  for (const key of ['PAYKIT_CPU_PROFILE_DIR', 'PAYKIT_CPU_PROFILE_EVERY_MS']) {
    const value = process.env[key];
    if (value) env[key] = value;
  }
  return env;
}

export function invocationEnv(caller: Caller, token: string): Record<string, string> {
  const env: Record<string, string> = { WX_API_TOKEN: token, TCB_SOURCE: caller.source };
  if (caller.openid) env.WX_OPENID = caller.openid;
  if (caller.appid) env.WX_APPID = caller.appid;
  if (caller.unionid) env.WX_UNIONID = caller.unionid;
  if (caller.clientIp) env.WX_CLIENTIP = caller.clientIp;
  if (caller.source === 'timer') env.TRIGGER_SRC = 'timer';
  env.WX_CONTEXT_KEYS = Object.keys(env)
    .filter((k) => k.startsWith('WX_') && k !== 'WX_CONTEXT_KEYS')
    .join(',');
  return env;
}
