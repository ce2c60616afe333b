/** Prints the soak's figures and each invariant with its counts and PASS/FAIL. */
import type { ChaosState, LogRecord } from './client';
import type { InvariantResult } from './invariants';
import type { Tally } from './random';
import type { SoakOptions } from './run';
import type { SettleReport } from './settle';

export interface SoakReport {
  opts: SoakOptions;
  tally: Tally;
  done: number;
  driveMs: number;
  sandboxMs: number;
  stormJumpMs: number;
  chaos: ChaosState['stats'];
  settled: SettleReport;
  backlog: number;
  sweeps: LogRecord[];
  orders: number;
  trades: number;
  results: InvariantResult[];
}

const minutes = (ms: number) => `${(ms / 60_000).toFixed(1)} min`;

function sweepFigures(sweeps: LogRecord[]): string {
  let closed = 0;
  let most = 0;
  let runMs = 0;
  let failed = 0;
  for (const s of sweeps) {
    const data = (s.result as { ok?: boolean; data?: { closed?: number } } | undefined)?.data;
    if (!data || typeof data.closed !== 'number') {
      failed++;
      continue;
    }
    closed += data.closed;
    most = Math.max(most, data.closed);
    runMs += s.durationMs;
  }
  const perSecond = runMs ? (closed / (runMs / 1000)).toFixed(1) : '-';
  return (
    `${sweeps.length} runs (${failed} killed or failed), ${closed} closes, at most ${most} in one run → ` +
    `${(most / 5).toFixed(1)} closes per minute at one run per 5 min; ${perSecond} closes per second of sweep time`
  );
}

/** How the sweep worked through the expired orders while settling (one sweep per 5-minute round). */
function backlogFigures(abandoned: number, expiredOpen: number[]): string {
  const first = expiredOpen.findIndex((n) => n > 0);
  if (first < 0) return `${abandoned} abandoned; none left open after any sweep`;
  const peak = Math.max(...expiredOpen);
  const cleared = expiredOpen.findIndex((n, i) => i > first && n === 0);
  const trail = expiredOpen.slice(first, first + 8).join(' → ');
  return (
    `${abandoned} abandoned; expired and still open after each sweep: ${trail}` +
    (cleared > 0
      ? ` (peak ${peak}; cleared ${cleared - first} sweep(s) later)`
      : ` (never cleared; peak ${peak})`)
  );
}

export function printReport(r: SoakReport): void {
  const { tally, chaos } = r;
  const perMin = r.driveMs ? (r.done / (r.driveMs / 60_000)).toFixed(0) : '-';
  console.log('\nfigures');
  console.log(
    `  orders             ${r.done} driven in ${(r.driveMs / 1000).toFixed(1)} s → ${perMin} orders/min; ${r.orders} stored, ${r.trades} trades at WeChat`,
  );
  console.log(
    `  kills              ${chaos.killedMidInvocation + chaos.killedIdle + chaos.killedBusy} SIGKILLs: ` +
      `${chaos.killedMidInvocation} at a cloud API call (chaos; ${chaos.doomed} drawn, ${chaos.spared} ended first), ` +
      `${chaos.killedBusy} busy and ${chaos.killedIdle} idle instances by the kill route (${tally.get('kills.route found nothing')} found none)`,
  );
  console.log(`  API faults         ${tally.list('faults.api ')}`);
  console.log(`  callback faults    ${tally.list('faults.callbacks ')}`);
  console.log(
    `  clock              ${tally.list('clock.jumps ')} (+${minutes(r.stormJumpMs)}); ${minutes(r.sandboxMs)} of sandbox time in all`,
  );
  console.log(`  payer              ${tally.list('payer.')}`);
  console.log(
    `  clients            ${tally.list('client.')}; admin: ${tally.list('admin.')}; users: ${tally.list('users.')}`,
  );
  console.log(`  answers            ok: ${tally.list('calls.')}`);
  console.log(`                     failed: ${tally.list('answers.')}`);
  console.log(`  soak errors        ${tally.list('soak.')}`);
  console.log(`  sweep              ${sweepFigures(r.sweeps)}`);
  console.log(`  expiry backlog     ${backlogFigures(r.backlog, r.settled.expiredOpen)}`);
  const s = r.settled;
  console.log(
    `  settling           ${s.rounds} rounds, +${minutes(s.advancedMs)} sandbox, ${(s.wallMs / 1000).toFixed(1)} s; ` +
      `${s.quiet ? 'quiet' : 'NOT quiet (bounded)'}; ${s.callbacksWaiting} callbacks still waiting, ${s.timersMissed} timer runs not finished`,
  );

  console.log('\ninvariants');
  for (const inv of r.results) {
    const verdict = inv.violations ? 'FAIL' : 'PASS';
    console.log(
      `  ${verdict}  ${inv.name}: ${inv.violations} of ${inv.checked}${inv.detail ? ` (${inv.detail})` : ''}`,
    );
    for (const e of inv.examples) console.log(`          e.g. ${e}`);
  }
  const failed = r.results.filter((i) => i.violations).length;
  console.log(
    `\n${failed ? `${failed} of ${r.results.length} invariants FAIL` : `all ${r.results.length} invariants hold`} (seed ${r.opts.seed})`,
  );
}
