/**
 * mingo (the query and update engine), loaded the first time the database matches, projects or
 * updates a document rather than when the sandbox's code loads: it is ~370 modules, ~165 ms of CPU,
 * and most `paykit-sandbox` commands (status, pay, clock, ...) only talk to a running sandbox.
 */
import type * as Mingo from 'mingo';

let loaded: typeof Mingo | undefined;

export function mingo(): typeof Mingo {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use (see above)
  return (loaded ??= require('mingo') as typeof Mingo);
}
