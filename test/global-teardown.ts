/** Ends the run's sandbox hosts and removes the run's folder (test/global-setup.ts) with all it holds. */
import { removeRunFolder } from './helpers/run-folder';
import { stopHosts } from './helpers/sandbox-hosted';

export default async function globalTeardown(): Promise<void> {
  const dir = process.env.PAYKIT_TEST_RUN_DIR;
  if (!dir) return;
  // A host closes its sandboxes (and their databases) on the way out: gone first, then removed.
  await stopHosts(dir);
  removeRunFolder(dir);
}
