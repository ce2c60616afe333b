/** @jest-environment node */
/**
 * What the test helpers leave running in a jest worker, which the worker has to tear down as it
 * exits: one that takes longer than the 500 ms jest gives it is killed, and the run ends with "A
 * worker process has failed to exit gracefully". Building the fixture functions leaves no thread
 * (test/helpers/esbuild.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { buildFixtureFunctions } from '../helpers/fixtures';

/** The worker threads running in this process: the diagnostic report has one entry for each. */
function workerThreads(): number {
  return (process.report.getReport() as { workers: unknown[] }).workers.length;
}

test('the fixture functions are built each in its folder, and no thread is left behind', () => {
  const before = workerThreads();
  const out = buildFixtureFunctions(['sleeper', 'counter']);
  expect(fs.readdirSync(out).sort()).toEqual(['counter', 'sleeper']);
  expect(fs.readdirSync(path.join(out, 'sleeper')).sort()).toEqual(['config.json', 'index.js']);
  const sleeper = require(path.join(out, 'sleeper', 'index.js')) as { main: unknown };
  expect(typeof sleeper.main).toBe('function');
  expect(workerThreads()).toBe(before);
});
