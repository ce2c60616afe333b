// "Does every template compile?" with the official WXML compiler (wcc) that miniprogram-simulate ships,
// so a template DevTools would reject fails the build with file and line instead.
import * as fs from 'fs';
import { createRequire } from 'module';
import * as path from 'path';
import { BuildError, listFiles } from './context';

/** The part of miniprogram-compiler (untyped) used here. */
interface WxmlCompiler {
  /**
   * Runs the bundled wcc over `wxmlList` (default: every .wxml under rootPath but node_modules, so
   * miniprogram_npm too) with `wxsList`; returns the $gwx factory source, throws on the first error.
   */
  wxmlToJs(
    rootPath: string,
    options?: { wxmlList?: string[]; wxsList?: string[]; maxBuffer?: number },
  ): string;
}

// A real Node require (not the mini-program `require` typings declare globally, nor jest's registry):
// the compiler require()s page .json files, and their cache must be cleared between watch runs.
const nodeRequire = createRequire(__filename);

const WCC_BINARY: Partial<Record<NodeJS.Platform, string>> = {
  linux: 'bin/linux/wcc',
  darwin: 'bin/mac/wcc',
  win32: 'bin/windows/wcc.exe',
};

/** The bundled binary. The compiler chmods it to 0777 itself on first use and ignores a failure to. */
export function wccPath(): string {
  const dir = path.dirname(nodeRequire.resolve('miniprogram-compiler/package.json'));
  const bin = WCC_BINARY[process.platform];
  if (!bin) throw new BuildError(`the WXML compiler has no binary for ${process.platform}`);
  return path.join(dir, bin);
}

function ensureRunnable(bin: string): void {
  if (process.platform === 'win32') return;
  try {
    fs.accessSync(bin, fs.constants.X_OK);
    return;
  } catch {
    // not executable yet: try what the compiler would do, but say so clearly if we cannot
  }
  try {
    fs.chmodSync(bin, 0o755);
  } catch (err) {
    throw new BuildError(
      `the WXML compiler ${bin} is not executable and cannot be made so (${(err as Error).message}): run chmod +x on it`,
    );
  }
}

/** Every kit template under `mpDir` (not miniprogram_npm), relative to it. */
export const listTemplates = (mpDir: string) => listFiles(mpDir, (f) => f.endsWith('.wxml'));

const WCC_ERROR = /([^\s:：]+\.(?:wxml|wxs)):(\d+):(\d+):\s*([\s\S]*?)\s*$/;

export interface WxmlProblem {
  file: string;
  line: number;
  column: number;
  message: string;
}

/**
 * Compiles `files` (relative to `mpDir`; every kit template by default) in one wcc run. wcc stops at the
 * first error, so a failing file is set aside and the rest compiled again, to report every broken
 * template at once. `label` prefixes the paths in messages (e.g. "miniprogram").
 */
export function checkWxml(mpDir: string, files = listTemplates(mpDir), label = path.basename(mpDir)): number {
  if (files.length === 0) return 0;
  const bin = wccPath();
  ensureRunnable(bin);
  // The compiler require()s each page's .json to read usingComponents; drop cached copies so a watch run
  // sees edits.
  for (const f of files) delete nodeRequire.cache[path.resolve(mpDir, f.replace(/\.wxml$/, '.json'))];

  const { wxmlToJs } = nodeRequire('miniprogram-compiler') as WxmlCompiler;
  let wxml = [...files];
  let wxs = listFiles(mpDir, (f) => f.endsWith('.wxs'));
  const problems: WxmlProblem[] = [];
  while (wxml.length > 0) {
    try {
      wxmlToJs(mpDir, { wxmlList: wxml, wxsList: wxs, maxBuffer: 64 * 1024 * 1024 });
      break;
    } catch (err) {
      const problem = parseWccError(err);
      if (!problem) {
        throw new BuildError(`the WXML compiler (${bin}) failed: ${(err as Error).message}`);
      }
      problems.push(problem);
      const before = wxml.length + wxs.length;
      wxml = wxml.filter((f) => f !== problem.file);
      wxs = wxs.filter((f) => f !== problem.file);
      if (wxml.length + wxs.length === before) break; // the error names a file outside the list
    }
  }
  if (problems.length) {
    const lines = problems.map((p) => `  ${label}/${p.file}:${p.line}:${p.column}: ${p.message}`);
    throw new BuildError(`WXML does not compile:\n${lines.join('\n')}`);
  }
  return files.length;
}

/** "编译 .wxml 文件错误：pages/a/index.wxml:2:9: expect end-tag `view`., near `text`" -> its parts. */
export function parseWccError(err: unknown): WxmlProblem | undefined {
  const m = WCC_ERROR.exec((err as Error | undefined)?.message ?? '');
  if (!m) return undefined;
  return { file: m[1].replace(/\\/g, '/'), line: Number(m[2]), column: Number(m[3]), message: m[4] };
}
