/**
 * The views of `npm run screenshots` (views.ts), rendered with real vant against a fresh sandbox
 * (what `npm start` gives: the demo catalogue, its admin) at a frozen Beijing time, each checked
 * for what it must show, so the pictures cannot rot silently. No browser here: with
 * PAYKIT_SHOTS_HTML=<dir> (set by shoot.ts) each view's HTML is also written there to be shot.
 */
import * as fs from 'fs';
import * as path from 'path';
import { seededRandom } from '../../sandbox/runtime/chaos';
import { post } from '../helpers/control';
import { KitClient } from '../helpers/kit';
import { miniprogramSuite } from '../helpers/mp-suite';
import { loadComp } from '../helpers/simulate';
import { visibleText } from './page-html';
import type { SceneContext } from './scenes';
import { SHOT_AT, stepsInTimeOrder, VIEWS, type View, type ViewState } from './views';
import { beijing } from './scenes';

// WXSS as a browser needs it (rpx, :host), for every registry simulate is loaded in.
jest.mock('miniprogram-simulate/src/wxss', () =>
  require('./page-html').patchWxssModule(jest.requireActual('miniprogram-simulate/src/wxss')),
);
require('miniprogram-simulate/src/wxss');

/** Same numbers on every run: node's crypto in the sandbox and its functions, from a seed. */
const SEEDED_RANDOM = `--require ${path.join(__dirname, 'seeded-random.js')}`;
const OUT = process.env.PAYKIT_SHOTS_HTML;

const suite = miniprogramSuite({
  start: { args: ['--fn-env', `NODE_OPTIONS=${SEEDED_RANDOM}`], env: { NODE_OPTIONS: SEEDED_RANDOM } },
  user: () => 'o_shot_nobody',
});

const ctx: SceneContext = {
  get url() {
    return suite.sandbox.url;
  },
  get kit() {
    return new KitClient(suite.sandbox.url);
  },
  get wxs() {
    return suite.wxs;
  },
  async at(ms: number) {
    // And waits for what the move set off (the sweep every 5 minutes, the callbacks): one still
    // running at the next step would act at a clock of its own choosing (a voucher shipped at
    // 10:00 on one run, 10:05 on the next).
    await ctx.kit.moveClock('set', { at: ms });
    jest.setSystemTime(ms);
  },
};

const states = new Map<View, ViewState>(VIEWS.map((view) => [view, {}]));

beforeAll(async () => {
  // The page's Date only (timers stay real, so the kit's waits and the polling here still run).
  jest.useFakeTimers({
    now: beijing(SHOT_AT),
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'requestAnimationFrame',
      'cancelAnimationFrame',
      'requestIdleCallback',
      'cancelIdleCallback',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
  });
  // Request keys and the like, drawn in the page.
  jest.spyOn(Math, 'random').mockImplementation(seededRandom(18));
  // The pay sheet view sets local mode, which only modules of the main registry see.
  loadComp('pages/shop/index');
  await post(`${suite.sandbox.url}/sandbox/clock`, { action: 'freeze' });
  if (OUT) fs.mkdirSync(OUT, { recursive: true });
});

afterAll(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

afterEach(() => {
  suite.wxs.uninstall();
});

test('every view’s data, made through the kit’s functions in time order', async () => {
  for (const step of stepsInTimeOrder(states)) {
    await ctx.at(step.at);
    await step.run(ctx);
  }
  await ctx.at(beijing(SHOT_AT));
}, 120_000);

test.each(VIEWS.map((view) => [view.name, view] as const))('%s shows what it must', async (name, view) => {
  const shot = await view.shoot(ctx, states.get(view)!);
  if (OUT) fs.writeFileSync(path.join(OUT, `${name}.html`), shot.html);
  const text = visibleText(shot.html);
  for (const wanted of shot.mustShow) expect(text).toContain(wanted);
});
