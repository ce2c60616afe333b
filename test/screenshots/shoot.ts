/**
 * `npm run screenshots`: pictures of the kit's mini-program UI in docs/images/mp-<view>-<width>.png.
 *
 * 1. builds the kit (the views run the built sandbox and functions);
 * 2. runs views.test.ts in Beijing time, which renders every view of views.ts with real vant
 *    against a fresh sandbox and writes each as a standalone HTML page;
 * 3. shoots each page in headless Chromium at 375 and 320 CSS px wide, device scale 2, cut to the
 *    content's height, and prints each picture's SHA-256 (same input, same pixels).
 *
 * Not part of `npm test` or CI: it needs Debian's Chromium (`chromium-headless-shell`, or `chromium`:
 * chromiumPath in test/helpers/browser.ts) and a CJK font (fonts-wqy-zenhei), and says so and exits 0
 * when either is missing. `-- --only name,name` shoots some views only.
 */
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { chromium, type Page } from 'playwright-core';
import { chromiumMissing, chromiumPath } from '../helpers/browser';
import { useRunFolder } from '../helpers/run-folder';

const ROOT = path.resolve(__dirname, '../..');
const OUT = path.join(ROOT, 'docs/images');
const WIDTHS = [375, 320];
const CHROMIUM = chromiumPath();

/** What is missing to shoot, in words a newcomer can act on; empty when nothing is. */
function missing(): string[] {
  const lacks: string[] = [];
  if (!CHROMIUM) lacks.push(chromiumMissing());
  const fonts = spawnSync('fc-list', [':lang=zh', 'family'], { encoding: 'utf8' });
  if (fonts.status !== 0 || !fonts.stdout.trim())
    lacks.push('a CJK font, or Chinese text shows as boxes: apt-get install fonts-wqy-zenhei');
  return lacks;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): void {
  const res = spawnSync(path.join(ROOT, 'node_modules/.bin', command), args, {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  if (res.status !== 0) {
    console.error(`screenshots: ${command} ${args.join(' ')} failed (exit ${res.status})`);
    process.exit(1);
  }
}

/**
 * vant measured the layout on a jsdom page where every size is 0: with Chromium's sizes, the
 * sticky tab bar goes back in the flow and the tabs' underline under the active tab.
 */
async function settleLayout(page: Page): Promise<void> {
  await page.evaluate(() => {
    const all = (selector: string) => Array.from(document.querySelectorAll(selector)) as HTMLElement[];
    for (const wrap of all('.van-sticky--van-sticky-wrap--fixed')) {
      wrap.classList.remove('van-sticky--van-sticky-wrap--fixed');
      wrap.parentElement!.style.height = '';
    }
    for (const line of all('.van-tabs--van-tabs__line')) {
      const active = line.parentElement!.querySelector('.van-tabs--van-tab--active') as HTMLElement | null;
      if (!active) continue;
      const left = active.offsetLeft + (active.offsetWidth - line.offsetWidth) / 2;
      line.style.transitionDuration = '0s';
      line.style.transform = `translateX(${left}px)`;
    }
  });
}

async function shoot(htmlDir: string, only: string[]): Promise<string[]> {
  const names = fs
    .readdirSync(htmlDir)
    .filter((f) => f.endsWith('.html'))
    .map((f) => f.slice(0, -'.html'.length))
    .filter((name) => !only.length || only.includes(name))
    .sort();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--font-render-hinting=none', '--disable-lcd-text'],
  });
  const written: string[] = [];
  try {
    for (const width of WIDTHS) {
      const context = await browser.newContext({ viewport: { width, height: 200 }, deviceScaleFactor: 2 });
      const page = await context.newPage();
      for (const name of names) {
        await page.goto(`file://${path.join(htmlDir, `${name}.html`)}`);
        await settleLayout(page);
        const file = path.join(OUT, `mp-${name}-${width}.png`);
        await page.screenshot({ path: file, fullPage: true, animations: 'disabled', caret: 'hide' });
        written.push(file);
      }
      await context.close();
    }
  } finally {
    await browser.close();
  }
  return written;
}

async function main(): Promise<void> {
  const onlyAt = process.argv.indexOf('--only');
  const only = onlyAt > 0 ? (process.argv[onlyAt + 1] ?? '').split(',').filter(Boolean) : [];
  const lacks = missing();
  if (lacks.length) {
    console.log(`screenshots: skipped, this machine lacks:\n  - ${lacks.join('\n  - ')}`);
    return;
  }
  // The pages jest writes for the browser (and jest's own run folder) go when this ends.
  const htmlDir = path.join(useRunFolder('paykit-shots-'), 'pages');
  fs.mkdirSync(htmlDir);
  run('gulp', ['build']);
  const views = only.length ? ['-t', ['every view', ...only.map((n) => `^${n} shows`)].join('|')] : [];
  run(
    'jest',
    ['test/screenshots/views.test.ts', '--selectProjects', 'cloudpay', '--maxWorkers=1', ...views],
    {
      TZ: 'Asia/Shanghai',
      PAYKIT_SHOTS_HTML: htmlDir,
    },
  );
  fs.mkdirSync(OUT, { recursive: true });
  for (const file of await shoot(htmlDir, only)) {
    const hash = createHash('sha256').update(fs.readFileSync(file)).digest('hex').slice(0, 16);
    console.log(`${hash}  ${path.relative(ROOT, file)}  ${(fs.statSync(file).size / 1024).toFixed(0)} KB`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
