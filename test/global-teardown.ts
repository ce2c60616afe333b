/** Ends the run's sandbox hosts and removes the run's shared folder (test/global-setup.ts). */
import * as fs from 'fs';
import { stopHosts } from './helpers/sandbox-hosted';

export default function globalTeardown(): void {
  const dir = process.env.PAYKIT_TEST_MERCHANT_CACHE;
  if (!dir) return;
  stopHosts(dir);
  fs.rmSync(dir, { recursive: true, force: true });
}
