// Templates, styles, json, wxs and images, copied unchanged into dist/miniprogram.
import * as fs from 'fs';
import { dest, src } from 'gulp';
import * as path from 'path';
import { finished } from 'stream/promises';
import { ASSET_EXTS, type BuildContext, paths } from './context';

const ASSET_GLOB = `**/*.{${ASSET_EXTS.map((e) => e.slice(1)).join(',')}}`;

/**
 * Copies every kit asset. gulp 5's src() decodes files as utf8 unless encoding is false, which
 * corrupts images, so it is off.
 */
export async function copyAssets(ctx: BuildContext): Promise<void> {
  const stream = src([ASSET_GLOB, '!miniprogram_npm/**', '!**/node_modules/**'], {
    cwd: paths.mpSrc(ctx),
    encoding: false,
    allowEmpty: true,
  }).pipe(dest(paths.mpOut(ctx)));
  await finished(stream);
}

/** Copies (or, when the source is gone, removes) one asset, relative to miniprogram/ (watch). */
export function syncAsset(ctx: BuildContext, file: string): 'copied' | 'removed' {
  const from = path.join(paths.mpSrc(ctx), file);
  const to = path.join(paths.mpOut(ctx), file);
  if (!fs.existsSync(from)) {
    fs.rmSync(to, { force: true });
    return 'removed';
  }
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(from, to);
  return 'copied';
}
