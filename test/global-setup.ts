/**
 * Once per jest run: a folder for the run, removed by global-teardown. It holds what is the same in
 * every fresh sandbox of the run (the APIv3 test merchant's keys, test/helpers/sandbox.ts) and the
 * workers' sandbox hosts (test/helpers/sandbox-hosted.ts), and it is the run's temporary folder:
 * jest's workers and every process they start make their sandboxes' data folders, copied functions,
 * render roots and browser profiles there, so a run leaves nothing behind.
 */
import { makeRunFolder, useAsTemporaryFolder } from './helpers/run-folder';

export default function globalSetup(): void {
  // jest's own process owns it: a run killed outright leaves it to the next run to remove.
  const run = makeRunFolder('paykit-test-run-');
  process.env.PAYKIT_TEST_RUN_DIR = run;
  useAsTemporaryFolder(run);
}
