/** @jest-environment node */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO } from './fixture';

/** bin/paykit-sandbox.js run from a temp copy of the repo layout, with the given dist/sandbox/cli.js. */
function runLauncher(cli: string | undefined, args: string[] = []) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-bin-'));
  try {
    fs.mkdirSync(path.join(root, 'bin'));
    fs.copyFileSync(path.join(REPO, 'bin/paykit-sandbox.js'), path.join(root, 'bin/paykit-sandbox.js'));
    if (cli !== undefined) {
      fs.mkdirSync(path.join(root, 'dist/sandbox'), { recursive: true });
      fs.writeFileSync(path.join(root, 'dist/sandbox/cli.js'), cli);
    }
    return spawnSync(process.execPath, [path.join(root, 'bin/paykit-sandbox.js'), ...args], {
      encoding: 'utf8',
    });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

describe('bin/paykit-sandbox.js', () => {
  it('says how to build when dist/sandbox/cli.js is missing', () => {
    const r = runLauncher(undefined);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('The sandbox is not built: run npm run build (or npm start)');
  });

  it('passes the arguments to main()', () => {
    const r = runLauncher('exports.main = async (argv) => console.log(JSON.stringify(argv));', [
      'start',
      '--port',
      '0',
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(['start', '--port', '0']);
  });

  it('prints the message and exits 1 when main() rejects', () => {
    const r = runLauncher('exports.main = async () => { throw new Error("port 8787 is in use"); };');
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe('port 8787 is in use');
  });
});
