/**
 * `npm run bench`: prints the figures the issues ask for, each beside its target (withTarget in
 * stats.ts). Each section measures one thing; pick sections with `npm run bench -- build size tests`
 * (default: the quick ones below; `bill` writes a 200 MB bill and runs tenpay's parser on it, well
 * over a minute; `tests` runs the whole suite; `chaos` is the soak: `npm run bench -- chaos --orders 300`).
 */
import { benchBill } from './bill';
import { benchBuild, benchSize, benchTests } from './build';
import { benchChaos } from './chaos/run';
import { benchDashboard } from './dashboard';
import { benchDashboardTools } from './dashboard-tools';
import { benchDatabase, benchFunctions } from './cloud';
import { benchMiniprogram } from './miniprogram';
import { benchPay } from './pay';
import { benchPayV3 } from './pay-v3';
import { benchProviders } from './providers';
import { benchServer } from './server';
import { benchFulfilment } from './fulfilment';
import { benchShipping } from './shipping';
import { benchSweep } from './sweep';
import { useRunFolder } from '../test/helpers/run-folder';

const SECTIONS: Record<string, () => Promise<void>> = {
  build: benchBuild,
  size: benchSize,
  tests: benchTests,
  db: benchDatabase,
  functions: benchFunctions,
  bill: benchBill,
  pay: benchPay,
  payv3: benchPayV3,
  miniprogram: benchMiniprogram,
  server: benchServer,
  sweep: benchSweep,
  shipping: benchShipping,
  fulfilment: benchFulfilment,
  providers: benchProviders,
  dashboard: benchDashboard,
  'dashboard-tools': benchDashboardTools,
  chaos: () => benchChaos(),
};
const DEFAULT = ['build', 'size', 'db', 'functions', 'miniprogram'];

async function main(): Promise<void> {
  // Whatever a section makes in the temporary folder (sandboxes' data, copied functions, bills) goes
  // when the bench ends.
  useRunFolder('paykit-bench-');
  // Sections are the bare words; `--name value` options belong to the sections that read them.
  const args = process.argv.slice(2);
  const asked = args.filter((a, i) => !a.startsWith('-') && !/^--[a-z-]+$/.test(args[i - 1] ?? ''));
  const chosen = asked.length ? asked : DEFAULT;
  for (const name of chosen) {
    const run = SECTIONS[name];
    if (!run) throw new Error(`unknown bench section "${name}"; have: ${Object.keys(SECTIONS).join(', ')}`);
    console.log(`\n== ${name}`);
    await run();
  }
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
