/** Removes the run's shared folder (test/global-setup.ts). */
import * as fs from 'fs';

export default function globalTeardown(): void {
  const dir = process.env.PAYKIT_TEST_MERCHANT_CACHE;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
