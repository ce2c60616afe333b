/** @jest-environment node */
// Bytes are read as Latin-1 and only the fields holding bytes >= 0x80 are decoded as UTF-8
// (cloudfunctions/common/bill/cells.ts): every such field, wherever it sits and however the bytes
// are cut or aligned, reads as a plain UTF-8 reading of the bill reads it.
import { gzipSync } from 'node:zlib';
import { readBill, type BillInput, type BillRow } from '../../cloudfunctions/common/bill/parse';
import {
  bill,
  cells,
  chunks,
  collect,
  DAY,
  expectRows,
  failure,
  HEADERS,
  SUMMARY,
  type Spec,
} from '../helpers/bills';
import { referenceRows } from './bill-reference';

/** The DAY bill with some cells of some rows replaced (amounts untouched: the summary still holds). */
function billWith(overrides: Array<Record<string, string>>, specs: Spec[] = DAY): string {
  const text = bill(HEADERS.ALL, SUMMARY, specs);
  const names = HEADERS.ALL.split(',');
  const lines = text.split('\r\n');
  overrides.forEach((override, i) => {
    const values = { ...cells(specs[i], i), ...override };
    lines[i + 1] = names.map((name) => '`' + values[name]).join(',');
  });
  return lines.join('\r\n');
}

/** Non-ASCII in many columns: 2-, 3- and 4-byte characters, first, middle and last fields. */
const WIDE = billWith([
  { 交易时间: '2024-03-15 10:00:00', 设备号: '收银台😀', 商户数据包: 'a=附加', 费率备注: '优惠费率：0.2%' },
  { 用户标识: 'oUpF8é', 商品名称: '咖啡,大杯', 付款银行: '招商银行' },
  { 商品名称: 'x', 费率备注: '尾' },
  { 商户退款单号: 'R退款一', 退款类型: '原路退回', 退款状态: '成功', 商户数据包: '¥' },
]);

/** `bytes` copied so that its first byte sits `offset` bytes into a fresh ArrayBuffer. */
function atOffset(bytes: Buffer, offset: number): Buffer {
  const backing = Buffer.alloc(bytes.length + offset + 3);
  bytes.copy(backing, offset);
  return backing.subarray(offset, offset + bytes.length);
}

async function* pieces(...parts: Array<Buffer | string>): AsyncGenerator<Buffer | string> {
  yield* parts;
}

async function rowsOf(input: BillInput, maxLineLength?: number): Promise<BillRow[]> {
  const rows: BillRow[] = [];
  await readBill(input, (row) => void rows.push(row), { maxLineLength });
  return rows;
}

describe('fields holding bytes >= 0x80', () => {
  const expected = referenceRows(WIDE);
  const bytes = Buffer.from(WIDE);

  it('read as UTF-8 in any column, from a string, bytes, gzip and at every alignment', async () => {
    expect(expected.map((r) => [r.deviceInfo, r.openid, r.feeRemark, r.outRefundNo, r.attach])).toEqual([
      ['收银台😀', expected[0].openid, '优惠费率：0.2%', '0', 'a=附加'],
      ['', 'oUpF8é', '', '0', ''],
      ['', expected[2].openid, '尾', '0', ''],
      ['', expected[3].openid, '', 'R退款一', '¥'],
    ]);
    for (const input of [WIDE, bytes, gzipSync(bytes), ...[1, 2, 3, 5].map((k) => atOffset(bytes, k))]) {
      expect((await collect(input)).rows).toEqual(expected);
    }
  });

  it('found wherever they fall in a 4-byte word, beside backquotes, from bytes at any alignment', async () => {
    // Lines are split a word at a time where a word holds neither a backquote nor a byte >= 0x80.
    const bodies = [0, 1, 2, 3, 4, 5].flatMap((pad) =>
      ['a`b', 'é', '`', 'a,b`', '咖`啡'].map((body) => 'x'.repeat(pad) + body),
    );
    const specs: Spec[] = bodies.map((body, i) => ({
      outTradeNo: `PK2024031510000000000000${String(i).padStart(3, '0')}A01`,
      total: 1 + i,
      body,
    }));
    const text = bill(HEADERS.ALL, SUMMARY, specs);
    const reference = referenceRows(text);
    expect(reference.map((r) => r.body)).toEqual(bodies);
    for (const k of [0, 1, 2, 3]) expect(await rowsOf(atOffset(Buffer.from(text), k))).toEqual(reference);
  });

  it('read the same with the bytes cut anywhere, also inside a 4-byte character', async () => {
    const emoji = bytes.indexOf(Buffer.from('😀'));
    for (let at = 1; at < bytes.length; at++) {
      expectRows(await rowsOf(pieces(bytes.subarray(0, at), atOffset(bytes.subarray(at), at % 4))), expected);
    }
    expect(emoji).toBeGreaterThan(0);
  });

  it('read the same from a bill of many blocks: gzip, one large chunk, chunks of odd sizes', async () => {
    const GOODS = ['拿铁咖啡×2', '美式', '燕麦拿铁(大杯)', 'Café 😀'];
    const specs: Spec[] = Array.from({ length: 4000 }, (_, i) => ({
      outTradeNo: `PK2024031510000000000${String(i).padStart(5, '0')}A01`,
      total: 1 + i,
      fee: i,
      body: GOODS[i % GOODS.length],
    }));
    const large = Buffer.from(bill(HEADERS.ALL, SUMMARY, specs));
    expect(large.length).toBeGreaterThan(1024 * 1024);
    const reference = referenceRows(large.toString('utf8'));
    const cuts = Array.from({ length: 40 }, (_, i) => 1 + i * 27_001);
    for (const input of [gzipSync(large), pieces(large), chunks(large, cuts)]) {
      expectRows(await rowsOf(input), reference);
    }
  });

  it('read the same from a stream mixing text and byte chunks', async () => {
    const half = WIDE.indexOf('招商');
    expect(await rowsOf(pieces(WIDE.slice(0, half), Buffer.from(WIDE.slice(half))))).toEqual(expected);
    const cut = bytes.indexOf('商品名称');
    expect(await rowsOf(pieces(bytes.subarray(0, cut + 3), WIDE.slice(WIDE.indexOf('品名称'))))).toEqual(
      expected,
    );
  });

  it('keep invalid UTF-8 as U+FFFD, as a decoder does', async () => {
    const broken = Buffer.from(billWith([{ 商品名称: 'AB' }]));
    const at = broken.indexOf('AB');
    broken[at] = 0xff;
    broken[at + 1] = 0xe5; // the first byte of a 3-byte character, cut short by the separator
    const rows = await rowsOf(broken);
    expect(rows[0].body).toBe('\uFFFD\uFFFD');
    expect(rows).toEqual(referenceRows(broken.toString('utf8')));
  });

  it('read a string bill as its UTF-8 bytes: a lone surrogate becomes U+FFFD, as it does in bytes', async () => {
    const text = billWith([{ 商品名称: 'a\uD800b', 商户数据包: '\uDC00' }]);
    const rows = await rowsOf(text);
    expect([rows[0].body, rows[0].attach]).toEqual(['a\uFFFDb', '\uFFFD']);
    expect(rows).toEqual(await rowsOf(Buffer.from(text)));
    expect(rows).toEqual(await rowsOf(pieces(...text.split('\n').map((line) => `${line}\n`))));
  });

  it('count a line in characters, not bytes, against maxLineLength', async () => {
    const long = billWith([{ 商品名称: '测'.repeat(300) }]);
    const longest = Math.max(...long.split('\r\n').map((l) => l.length));
    expect(Buffer.byteLength(long.split('\r\n')[1])).toBeGreaterThan(longest + 500);
    expect(await rowsOf(Buffer.from(long), longest)).toEqual(referenceRows(long));
    for (const input of [long, Buffer.from(long)]) {
      await expect(rowsOf(input, longest - 1)).rejects.toThrow(
        new RegExp(`^bill line 2: the line is longer than ${longest - 1} characters`),
      );
    }
  });

  it.each<[string, string, number, RegExp]>([
    [
      'an amount in full-width digits',
      billWith([{ 应结订单金额: '０.29' }]),
      2,
      /应结订单金额 is not an amount in yuan: "０.29"/,
    ],
    ['a time in words', billWith([{}, { 交易时间: '昨天下午' }]), 3, /交易时间 is not a time: "昨天下午"/],
    [
      // 19 bytes, as long as a time, but é is 2 of them: checked in place, it is no digit
      'a time of 19 bytes ending in é',
      billWith([{}, { 交易时间: '2024-03-15 10:02é' }]),
      3,
      /交易时间 is not a time: "2024-03-15 10:02é"/,
    ],
    [
      'a field too many',
      billWith([{}, {}, { 商品名称: '咖啡,`大杯' }]),
      4,
      /28 fields where the header has 27/,
    ],
  ])('quote %s as UTF-8 in the error, from a string and from bytes', async (_name, text, line, message) => {
    for (const input of [text, Buffer.from(text), gzipSync(text)]) {
      const err = await failure(input);
      expect(err.line).toBe(line);
      expect(err.message).toMatch(message);
    }
  });
});
