/**
 * A run's own temporary folder. Sandboxes' data folders (with their test merchant's keys), copied
 * functions, bills and browser profiles are all made through `os.tmpdir()`; pointing TMPDIR into
 * one folder per run, for this process and every process it starts, and removing that folder at the
 * end leaves nothing behind in the system's temporary folder. A run killed before it could remove
 * its folder (SIGKILL, a power cut) has it removed by the next run with the same prefix, once the
 * process that owned it is gone.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { isAlive } from './processes';

const OWNER = '.owner-pid';

/** `os.tmpdir()` here and in every process started from now on: TMPDIR on POSIX, TEMP / TMP on Windows. */
export function useAsTemporaryFolder(dir: string): void {
  for (const name of ['TMPDIR', 'TEMP', 'TMP']) process.env[name] = dir;
}

/**
 * A new folder `<tmp>/<prefix>XXXXXX` owned by this process, after removing the folders of earlier
 * runs with that prefix whose owner has exited (a folder without an owner yet is being made: kept).
 */
export function makeRunFolder(prefix: string): string {
  const tmp = os.tmpdir();
  const uid = process.getuid?.();
  for (const name of fs.readdirSync(tmp)) {
    if (!name.startsWith(prefix)) continue;
    const dir = path.join(tmp, name);
    try {
      // Only this user's own folders (the system's temporary folder is shared), never a link.
      const stat = fs.lstatSync(dir);
      if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid)) continue;
      const owner = Number(fs.readFileSync(path.join(dir, OWNER), 'utf8'));
      if (Number.isInteger(owner) && owner > 0 && !isAlive(owner)) removeRunFolder(dir);
    } catch {
      // Being made (no owner yet), or removed meanwhile: not this run's to sweep.
    }
  }
  const run = fs.mkdtempSync(path.join(tmp, prefix));
  fs.writeFileSync(path.join(run, OWNER), String(process.pid));
  return run;
}

/**
 * For a script (the bench, the dashboard's screenshots): a new run folder that is the temporary
 * folder from now on, removed when this process exits, however it ends (Ctrl+C and SIGTERM
 * included). Call it before anything is made in the temporary folder.
 */
export function useRunFolder(prefix: string): string {
  const run = makeRunFolder(prefix);
  useAsTemporaryFolder(run);
  process.on('exit', () => removeRunFolder(run));
  process.once('SIGINT', () => process.exit(130));
  process.once('SIGTERM', () => process.exit(143));
  return run;
}

/** Removes a run folder with all it holds; says so (never throws) when something is in the way. */
export function removeRunFolder(dir: string): void {
  try {
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  } catch (err) {
    console.warn(`could not remove the run folder ${dir}: ${(err as Error).message}`);
  }
}
