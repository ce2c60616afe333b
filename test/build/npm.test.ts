/** @jest-environment node */
// The build's miniprogram_npm step copies only the vant files the mini-program reaches. Checked here
// against vant's own files with a reading of their references written for the test, not the build's
// walker: every reached component and every file it needs is there, an unreached one is not.
import * as fs from 'fs';
import * as path from 'path';
import { createContext, paths } from '../../build/context';
import { NPM_STAMP, packageInfo, packageSeeds, syncMiniprogramNpm } from '../../build/npm';
import { createFixture, filesUnder, FIXTURE_FILES, type Fixture, REPO } from './fixture';

const VANT = '@vant/weapp';
const LIB = path.join(REPO, 'node_modules/@vant/weapp/lib');

/** Every file `file` (relative to the vant copy) names, relative to the copy, in the form it names it. */
function referencesOf(copy: string, file: string): string[] {
  const text = fs.readFileSync(path.join(copy, file), 'utf8');
  const dir = path.posix.dirname(file);
  const at = (spec: string) => path.posix.normalize(path.posix.join(dir, spec));
  const specs: string[] = [];
  if (file.endsWith('.json')) {
    const json = JSON.parse(text) as { usingComponents?: Record<string, string> };
    for (const target of Object.values(json.usingComponents ?? {})) specs.push(`${at(target)}.json`);
  } else if (file.endsWith('.js') || file.endsWith('.wxs')) {
    for (const m of text.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)) {
      const base = at(m[1]);
      const ext = file.endsWith('.wxs') ? '.wxs' : '.js';
      specs.push(path.posix.extname(base) ? base : `${base}${ext}`);
    }
  } else if (file.endsWith('.wxml')) {
    for (const m of text.matchAll(/<(?:wxs|import|include)[^>]*\ssrc=["']([^"']+)["']/g))
      specs.push(at(m[1]));
  } else if (file.endsWith('.wxss')) {
    for (const m of text.matchAll(/@import\s+["']([^"']+)["']/g)) specs.push(at(m[1]));
  }
  return specs;
}

/** A component's files, as DevTools loads them. */
const componentFiles = (dir: string) =>
  ['index.js', 'index.json', 'index.wxml', 'index.wxss']
    .map((f) => `${dir}/${f}`)
    .filter((f) => fs.existsSync(path.join(LIB, f)));

describe('miniprogram_npm holds only the vant the mini-program reaches', () => {
  let fx: Fixture;
  const mpOut = () => path.join(fx.out, 'miniprogram');
  const copyDir = () => path.join(mpOut(), 'miniprogram_npm', VANT);
  const sync = () => syncMiniprogramNpm(fx.ctx, mpOut(), path.join(fx.out, NPM_STAMP));

  beforeAll(() => {
    fx = createFixture();
  });
  afterAll(() => fx.remove());

  it('copies each used component with everything it requires, byte for byte, and nothing unreached', () => {
    expect(sync()).toEqual([VANT]);
    const copy = copyDir();
    const copied = new Set(filesUnder(copy).map((f) => f.split(path.sep).join('/')));
    // What the fixture uses: van-button in a page's json, toast/toast from a page's script.
    for (const f of [...componentFiles('button'), 'toast/toast.js']) expect(copied).toContain(f);
    // Closed under references: every file a copied file names is copied too.
    const missing: string[] = [];
    for (const file of copied) {
      for (const ref of referencesOf(copy, file)) if (!copied.has(ref)) missing.push(`${file} -> ${ref}`);
    }
    expect(missing).toEqual([]);
    // button uses loading and icon (its own usingComponents): reached, so whole.
    for (const f of [...componentFiles('loading'), ...componentFiles('icon')]) expect(copied).toContain(f);
    // Not used by anything the fixture reaches.
    for (const dir of ['calendar', 'cell', 'dialog', 'uploader']) {
      expect([...copied].filter((f) => f.startsWith(`${dir}/`))).toEqual([]);
    }
    for (const file of copied) {
      expect(fs.readFileSync(path.join(copy, file)).equals(fs.readFileSync(path.join(LIB, file)))).toBe(true);
    }
  });

  it('follows a component the mini-program starts to use, in either spelling', () => {
    fx.write(
      'miniprogram/pages/shop/index.json',
      JSON.stringify({
        usingComponents: {
          'van-button': '@vant/weapp/button/index',
          'van-cell': '/miniprogram_npm/@vant/weapp/cell/index',
          'pay-button': '/components/pay-button/index',
        },
      }),
    );
    expect(sync()).toEqual([VANT]);
    const copied = filesUnder(copyDir()).map((f) => f.split(path.sep).join('/'));
    for (const f of componentFiles('cell')) expect(copied).toContain(f);
    expect(sync()).toEqual([]); // up to date: nothing copied again
    fx.write('miniprogram/pages/shop/index.json', FIXTURE_FILES['miniprogram/pages/shop/index.json']);
    expect(sync()).toEqual([VANT]);
    expect(fs.existsSync(path.join(copyDir(), 'cell/index.js'))).toBe(false);
  });

  it("gives a host app what it uses besides the kit's own", () => {
    const host = createFixture({
      'miniprogram/app.json': JSON.stringify({ pages: ['pages/index/index'] }),
      'miniprogram/pages/index/index.json': JSON.stringify({
        usingComponents: {
          'pay-button': '/components/pay-button/index',
          'van-calendar': '/miniprogram_npm/@vant/weapp/calendar/index',
        },
      }),
      'miniprogram/pages/index/index.js': "const Notify = require('@vant/weapp/notify/notify');\nPage({});\n",
      'miniprogram/components/pay-button/index.json': fs.readFileSync(
        path.join(REPO, 'miniprogram/components/pay-button/index.json'),
        'utf8',
      ),
    });
    try {
      const mp = path.join(host.root, 'miniprogram');
      expect(syncMiniprogramNpm(host.ctx, mp, path.join(host.root, 'stamp.json'))).toEqual([VANT]);
      const copied = filesUnder(path.join(mp, 'miniprogram_npm', VANT)).map((f) =>
        f.split(path.sep).join('/'),
      );
      for (const f of [...componentFiles('button'), ...componentFiles('calendar'), 'notify/notify.js']) {
        expect(copied).toContain(f);
      }
      expect(copied.filter((f) => f.startsWith('uploader/'))).toEqual([]);
    } finally {
      host.remove();
    }
  });

  it('reads the kit itself: the components its pages and pay-button use', () => {
    const ctx = createContext({ root: REPO });
    const seeds = packageSeeds(paths.mpSrc(ctx), VANT);
    expect(seeds.components).toEqual(
      expect.arrayContaining(['button/index', 'cell/index', 'dialog/index', 'tabs/index', 'tab/index']),
    );
    expect(packageInfo(ctx, VANT).libDir).toBe(LIB);
  });
});
