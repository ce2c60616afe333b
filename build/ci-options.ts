// Flags of the preview/upload/deploy tasks (read from process.argv: gulp passes unknown flags through) and
// the version/description an upload carries.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

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
  let pkgVersion = '';
  try {
    pkgVersion = String(
      (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: string })
        .version ?? '',
    );
  } catch {
    pkgVersion = '';
  }
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
