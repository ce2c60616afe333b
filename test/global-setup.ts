/**
 * Once per jest run: a folder for the run, removed by global-teardown. It holds what is the same in
 * every fresh sandbox of the run (the APIv3 test merchant's keys, test/helpers/sandbox.ts) and the
 * workers' sandbox hosts (test/helpers/sandbox-hosted.ts), and it is the run's temporary folder:
 * every sandbox's data folder, copied functions and browser profile is made inside it (TMPDIR,
 * which jest's workers and every process they start inherit), so a run leaves nothing behind.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export default function globalSetup(): void {
  const run = fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-test-run-'));
  process.env.PAYKIT_TEST_RUN_DIR = run;
  const tmp = path.join(run, 'tmp');
  fs.mkdirSync(tmp);
  // os.tmpdir() reads TMPDIR on POSIX and TEMP / TMP on Windows.
  for (const name of ['TMPDIR', 'TEMP', 'TMP']) process.env[name] = tmp;
}
