/**
 * Once per jest run: a folder the sandbox helpers share for what is the same in every fresh sandbox
 * of the run (the APIv3 test merchant's keys, test/helpers/sandbox.ts). Removed by global-teardown.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export default function globalSetup(): void {
  process.env.PAYKIT_TEST_MERCHANT_CACHE = fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-test-run-'));
}
