/**
 * CPU profiles of the sandbox and its function instances, for `npm run bench -- pay --profile`
 * (bench/pay.ts). Loaded with `--require` through NODE_OPTIONS, since Node refuses `--cpu-prof` there;
 * instances get it through PAYKIT_SANDBOX_INSTANCE_NODE_OPTIONS (sandbox/runtime/environment.ts).
 * The sandbox ends its instances with SIGKILL, which no exit hook survives: so the profile is written
 * every PAYKIT_CPU_PROFILE_EVERY_MS (default 2 s) as `<role>-<pid>-<n>.cpuprofile` in
 * PAYKIT_CPU_PROFILE_DIR (default <tmp>/paykit-cpu-profiles), and once more at a clean exit. Open
 * them in Chrome DevTools (Performance → Load profile) or any .cpuprofile viewer.
 */
'use strict';
const fs = require('fs');
const inspector = require('inspector');
const os = require('os');
const path = require('path');

const dir = process.env.PAYKIT_CPU_PROFILE_DIR || path.join(os.tmpdir(), 'paykit-cpu-profiles');
const everyMs = Number(process.env.PAYKIT_CPU_PROFILE_EVERY_MS) || 2000;
// Instances talk to the sandbox over the fork IPC channel; the sandbox itself has none.
const role = process.send ? 'instance' : 'sandbox';
const session = new inspector.Session();
let part = 0;

session.connect();
session.post('Profiler.enable');
session.post('Profiler.start');

/** Writes what was sampled since the last part (the in-process session answers synchronously). */
function flush(restart) {
  session.post('Profiler.stop', (err, answer) => {
    if (!err && answer) {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(
        path.join(dir, `${role}-${process.pid}-${part++}.cpuprofile`),
        JSON.stringify(answer.profile),
      );
    }
  });
  if (restart) session.post('Profiler.start');
}

setInterval(() => flush(true), everyMs).unref();
process.on('exit', () => flush(false));
