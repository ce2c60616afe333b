// The --dry-run report: exactly what preview/upload/deploy would send, without contacting WeChat.
import * as path from 'path';
import {
  CREDENTIAL_FIELDS,
  type CiTaskName,
  type CredentialCheck,
  type Credentials,
  fieldName,
  type LoadedCredentials,
  requiredFields,
} from './ci-credentials';
import { formatBytes, type Release } from './ci-options';
import { MAIN_PACKAGE_LIMIT, type ProjectPlan } from './ci-package';

const pad = (label: string) => label.padEnd(13);
const size = (n: number) => formatBytes(n).padStart(10);

function credentialLines(task: CiTaskName, loaded: LoadedCredentials, check: CredentialCheck): string[] {
  const need = requiredFields(task);
  const lines: string[] = [];
  const labels: Partial<Record<keyof Credentials, string>> = {
    appid: 'appid',
    privateKeyPath: 'private key',
    envId: 'cloud env',
    robot: 'robot',
  };
  for (const f of CREDENTIAL_FIELDS) {
    if (f.key === 'envId' && !need.includes('envId')) continue;
    const value = f.key === 'privateKeyPath' ? loaded.values.privateKeyPath : loaded.raw[f.key];
    let text: string;
    if (value !== undefined) text = `${String(value)} (from ${loaded.sources[f.key]})`;
    else if (f.key === 'robot') text = '1 (default)';
    else text = `would be needed: ${fieldName(f)}`;
    lines.push(`${pad(labels[f.key] as string)}${text}`);
  }
  if (check.invalid.length) lines.push(...check.invalid.map((p) => `${pad('')}wrong: ${p}`));
  return lines;
}

export interface ReportInput {
  task: CiTaskName;
  root: string;
  plan: ProjectPlan;
  release: Release;
  loaded: LoadedCredentials;
  check: CredentialCheck;
  qrcodeFile: string;
}

export function formatReport(r: ReportInput): string[] {
  const { task, plan, release } = r;
  const relTo = (p: string) => path.relative(r.root, p).split(path.sep).join('/') || '.';
  const lines = [
    `${task} --dry-run: the project was checked and nothing was sent to WeChat.`,
    `${pad('project')}${r.root} (project.config.json)`,
    ...credentialLines(task, r.loaded, r.check),
  ];
  if (task === 'upload') lines.push(`${pad('version')}${release.version} (from ${release.versionSource})`);
  if (task !== 'deploy') {
    lines.push(`${pad('description')}${JSON.stringify(release.desc)} (from ${release.descSource})`);
    const setting = Object.entries(plan.config.setting ?? {})
      .filter(([, v]) => typeof v === 'boolean')
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' ');
    lines.push(`${pad('setting')}useProjectConfig (project.config.json: ${setting || 'defaults'})`);
    if (task === 'preview')
      lines.push(`${pad('qrcode')}written to ${relTo(r.qrcodeFile)} and printed in the terminal`);
    const main = plan.files.filter((f) => f.pkg === '').reduce((n, f) => n + f.size, 0);
    const total = plan.files.reduce((n, f) => n + f.size, 0);
    lines.push(`${pad('files')}${relTo(plan.mpRoot)}:`);
    for (const f of plan.files) lines.push(`  ${size(f.size)}  ${f.file}`);
    lines.push(
      `${pad('total')}${plan.files.length} files, ${formatBytes(total)} ` +
        `(main package ${formatBytes(main)} of ${formatBytes(MAIN_PACKAGE_LIMIT)})`,
    );
    if (plan.skipped.count)
      lines.push(
        `${pad('left out')}${plan.skipped.count} files, ${formatBytes(plan.skipped.size)} ` +
          '(unused code, packOptions.ignore, file types WeChat does not take)',
      );
  } else {
    lines.push(
      `${pad('functions')}${plan.functions.length} in ${relTo(plan.cloudRoot)}, remoteNpmInstall: true ` +
        '(node_modules stay local; the cloud installs package.json dependencies)',
    );
    let files = 0;
    let bytes = 0;
    let triggers = 0;
    for (const fn of plan.functions) {
      const t =
        fn.triggers.map((x) => `trigger ${x.name} (${x.type} "${x.config}")`).join(', ') || 'no trigger';
      lines.push(`  ${fn.name}: ${fn.files.length} files, ${formatBytes(fn.total)}, ${t}`);
      for (const f of fn.files) lines.push(`    ${size(f.size)}  ${f.file}`);
      files += fn.files.length;
      bytes += fn.total;
      triggers += fn.triggers.length;
    }
    lines.push(
      `${pad('total')}${plan.functions.length} functions, ${files} files, ${formatBytes(bytes)}, ` +
        `${triggers} timer trigger(s)`,
    );
  }
  for (const n of plan.notes) lines.push(`${pad('note')}${n}`);
  return lines;
}
