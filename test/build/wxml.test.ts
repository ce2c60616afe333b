/** @jest-environment node */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkWxml, listTemplates, parseWccError } from '../../build/wxml';
import { createFixture, type Fixture } from './fixture';

describe('wxml check (official WXML compiler)', () => {
  let fx: Fixture;
  let mp: string;

  beforeEach(() => {
    fx = createFixture();
    mp = path.join(fx.root, 'miniprogram');
  });
  afterEach(() => fx.remove());

  it('compiles good templates, including vant usingComponents and a wxs module', () => {
    expect(listTemplates(mp)).toEqual(['components/pay-button/index.wxml', 'pages/shop/index.wxml']);
    expect(checkWxml(mp)).toBe(2);
  });

  it('fails a broken template with its file and line', () => {
    fx.write('miniprogram/pages/shop/broken.wxml', '<view>\n  <view></text>\n</view>\n');
    expect(() => checkWxml(mp, undefined, 'miniprogram')).toThrow(
      /miniprogram\/pages\/shop\/broken\.wxml:2:\d+: expect end-tag `view`/,
    );
  });

  it('reports every broken template at once, not only the first', () => {
    fx.write('miniprogram/a/one.wxml', '<view>\n');
    fx.write('miniprogram/b/two.wxml', '<view>{{ a </view>\n');
    let message = '';
    try {
      checkWxml(mp);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/a\/one\.wxml:1:\d+: /);
    expect(message).toMatch(/b\/two\.wxml:\d+:\d+: /);
    expect(message).not.toMatch(/pages\/shop\/index\.wxml/);
  });

  it('fails a template whose wxs module does not exist', () => {
    fs.rmSync(path.join(mp, 'utils/money.wxs'));
    expect(() => checkWxml(mp)).toThrow(/pages\/shop\/index\.wxml:1:\d+: .*money\.wxs not found/);
  });

  it('checks only the templates it is given', () => {
    fx.write('miniprogram/a/one.wxml', '<view>\n');
    expect(checkWxml(mp, ['components/pay-button/index.wxml'])).toBe(1);
  });

  it('ignores miniprogram_npm and passes on a folder without templates', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'paykit-wxml-'));
    fs.mkdirSync(path.join(empty, 'miniprogram_npm/x'), { recursive: true });
    fs.writeFileSync(path.join(empty, 'miniprogram_npm/x/index.wxml'), '<view>\n');
    try {
      expect(checkWxml(empty)).toBe(0);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it('parses the compiler message into file, line, column and text', () => {
    expect(
      parseWccError(new Error('编译 .wxml 文件错误：pages/a/index.wxml:2:9: expect end-tag `view`.\n')),
    ).toEqual({
      file: 'pages/a/index.wxml',
      line: 2,
      column: 9,
      message: 'expect end-tag `view`.',
    });
    expect(parseWccError(new Error('spawnSync wcc EACCES'))).toBeUndefined();
  });
});
