/** @jest-environment node */
/**
 * What a person reads has one owner, miniprogram/paykit/strings.ts: page titles too (the build writes
 * them into each page's json in dist, which DevTools opens), and no template or json of the
 * mini-program holds Chinese text of its own.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createContext, listFiles } from '../../build/context';
import { createTasks } from '../../build/tasks';
import { billsText, detailText, ordersText, shopText, toShipText } from '../../miniprogram/paykit/strings';
import { createFixture, type Fixture, REPO, runTask } from './fixture';

const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;

const STRINGS = [
  'export const pageTitleText: Record<string, string> = { "pages/shop/index": "Shop" };',
  '',
].join('\n');

describe('page titles from strings.ts, on a fixture project', () => {
  let fx: Fixture;
  const shopJson = () => readJson(path.join(fx.out, 'miniprogram/pages/shop/index.json'));

  beforeEach(() => {
    fx = createFixture();
    fx.write('miniprogram/paykit/strings.ts', STRINGS);
  });
  afterEach(() => fx.remove());

  it('writes pageTitleText into the page json in dist, the rest of it unchanged', async () => {
    const source = readJson(path.join(fx.root, 'miniprogram/pages/shop/index.json'));
    await runTask(createTasks(fx.ctx).assets);
    expect(shopJson()).toEqual({ navigationBarTitleText: 'Shop', ...source });
    expect(readJson(path.join(fx.root, 'miniprogram/pages/shop/index.json'))).toEqual(source);
  });

  it('refuses a page json whose own title is not the one strings.ts gives (a copy that drifted)', async () => {
    fx.write(
      'miniprogram/pages/shop/index.json',
      JSON.stringify({ navigationBarTitleText: 'Store', usingComponents: {} }),
    );
    await expect(runTask(createTasks(fx.ctx).assets)).rejects.toThrow(
      'miniprogram/pages/shop/index.json sets navigationBarTitleText "Store", but pageTitleText in paykit/strings.ts says "Shop"',
    );
    // The same title (a TypeScript host's copy, build/integrate.ts) is that title.
    fx.write(
      'miniprogram/pages/shop/index.json',
      JSON.stringify({ navigationBarTitleText: 'Shop', usingComponents: {} }),
    );
    await runTask(createTasks(fx.ctx).assets);
    expect(shopJson()).toEqual({ navigationBarTitleText: 'Shop', usingComponents: {} });
  });

  it.each([
    [
      'a misspelt reference',
      'const shop = { title: "Shop" } as { title: string };\nexport const pageTitleText = { "pages/shop/index": (shop as Record<string, unknown>).titel } as Record<string, string>;',
      'gives pages/shop/index undefined, not a title',
    ],
    [
      'a number',
      'export const pageTitleText = { "pages/shop/index": 42 } as unknown as Record<string, string>;',
      'gives pages/shop/index 42, not a title',
    ],
  ])(
    'refuses a title that is not text (%s): the page would lose its title silently',
    async (_, strings, message) => {
      fx.write('miniprogram/paykit/strings.ts', `${strings}\n`);
      await expect(runTask(createTasks(fx.ctx).assets)).rejects.toThrow(
        `pageTitleText in paykit/strings.ts ${message}`,
      );
    },
  );

  it('leaves out a titled page the project does not have (a host app without the demo shop)', async () => {
    fx.write('miniprogram/paykit/strings.ts', STRINGS.replace('pages/shop/index', 'pages/gone/index'));
    await runTask(createTasks(fx.ctx).assets);
    expect(fs.existsSync(path.join(fx.out, 'miniprogram/pages/gone'))).toBe(false);
    expect(shopJson().navigationBarTitleText).toBeUndefined();
    // Nothing titles the page the project registers: the build says so (it still builds).
    expect(fx.warnings).toEqual([
      'pages/shop/index has no title: its navigation bar would be empty; give it one in pageTitleText (paykit/strings.ts)',
    ]);
  });

  it('says nothing of a page titled by strings.ts, by its own json or by app.json, and names an untitled subpackage page', async () => {
    fx.write(
      'miniprogram/app.json',
      JSON.stringify({
        pages: ['pages/shop/index', 'pages/own/index'],
        subPackages: [{ root: 'pkg', pages: ['pages/extra/index'] }],
      }),
    );
    fx.write('miniprogram/pages/own/index.json', JSON.stringify({ navigationBarTitleText: 'Own' }));
    fx.write('miniprogram/pkg/pages/extra/index.json', JSON.stringify({ usingComponents: {} }));
    await runTask(createTasks(fx.ctx).assets);
    expect(fx.warnings).toEqual([expect.stringMatching(/^pkg\/pages\/extra\/index has no title/)]);

    fx.warnings.length = 0;
    fx.write(
      'miniprogram/app.json',
      JSON.stringify({
        pages: ['pages/shop/index', 'pages/gone/index'],
        window: { navigationBarTitleText: 'App' },
      }),
    );
    await runTask(createTasks(fx.ctx).assets);
    expect(fx.warnings).toEqual([]);
  });
});

describe("the kit's mini-program", () => {
  const mp = path.join(REPO, 'miniprogram');

  it('titles each page app.json registers with its text in strings.ts, as the build writes it', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-titles-'));
    try {
      const ctx = createContext({ root: REPO, out, log: () => undefined, warn: () => undefined });
      await runTask(createTasks(ctx).assets);
      const shown = (page: string) =>
        readJson(path.join(out, 'miniprogram', `${page}.json`)).navigationBarTitleText;
      const pages = readJson(path.join(mp, 'app.json')).pages as string[];
      expect(Object.fromEntries(pages.map((page) => [page, shown(page)]))).toEqual({
        'pages/shop/index': shopText.title,
        'pages/orders/list/index': ordersText.title,
        'pages/orders/detail/index': detailText.title,
        'pages/admin/bills/index': billsText.title,
        'pages/admin/to-ship/index': toShipText.title,
      });
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('has no template, json or wxs with Chinese text of its own (it comes from strings.ts)', () => {
    // CJK punctuation, ideographs and full-width forms.
    const chinese = /[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]/;
    const found = listFiles(mp, (f) => /\.(wxml|json|wxs)$/.test(f)).flatMap((file) =>
      fs
        .readFileSync(path.join(mp, file), 'utf8')
        .split('\n')
        .flatMap((line, i) => (chinese.test(line) ? [`miniprogram/${file}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(found).toEqual([]);
  });
});
