/**
 * A run's own temporary folder. Sandboxes' data folders (with their test merchant's keys), copied
 * functions, bills and browser profiles are all made through `os.tmpdir()`; pointing TMPDIR into
 * one folder per run, for this process and every process it starts, and removing that folder at the
 * end leaves nothing behind in the system's temporary folder.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** `os.tmpdir()` here and in every process started from now on: TMPDIR on POSIX, TEMP / TMP on Windows. */
export function useAsTemporaryFolder(dir: string): void {
  for (const name of ['TMPDIR', 'TEMP', 'TMP']) process.env[name] = dir;
}

/**
 * For a script (the bench, the dashboard's screenshots): a new folder that is the temporary folder
 * from now on, removed when this process exits, however it ends (Ctrl+C and SIGTERM included). Call
 * it before anything is made in the temporary folder.
 */
export function useRunFolder(prefix: string): string {
  const run = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  useAsTemporaryFolder(run);
  process.on('exit', () => fs.rmSync(run, { recursive: true, force: true, maxRetries: 5 }));
  process.once('SIGINT', () => process.exit(130));
  process.once('SIGTERM', () => process.exit(143));
  return run;
}
