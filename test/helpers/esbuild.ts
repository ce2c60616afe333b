/**
 * esbuild for the test helpers: its own binary, run to completion. Not the JS API: that refuses to
 * load in the jsdom suites, and in a node suite its sync calls start a worker thread (and an esbuild
 * service process under it) that is never stopped, one per suite since each suite loads its own copy
 * of the module. The jest worker has to tear every one of those threads down as it exits, which on a
 * busy machine takes longer than the 500 ms jest gives a worker ("A worker process has failed to
 * exit gracefully").
 */
import { spawnSync } from 'child_process';
import * as path from 'path';

const ESBUILD = path.resolve(__dirname, '../../node_modules/esbuild/bin/esbuild');

/** Runs `esbuild <args>` (errors only on its output); throws `what` with esbuild's message if it fails. */
export function esbuild(args: string[], what: string): void {
  const run = spawnSync(ESBUILD, [...args, '--log-level=error'], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${what}: ${run.stderr || run.error}`);
}
