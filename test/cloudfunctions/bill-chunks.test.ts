/** @jest-environment node */
// The in-place bill parser against a plain reading of the bill (split lines, split fields, map by
// header name, amounts by decimal string arithmetic), whatever the input form and however it is cut.
import { gzipSync } from 'node:zlib';
import {
  billBatches,
  parseBill,
  type BillEntry,
  type BillInput,
} from '../../cloudfunctions/common/bill/parse';
import {
  bill,
  chunks,
  collect,
  DAY,
  expectRows,
  failure,
  FIXTURE,
  HEADERS,
  LEGACY_SUMMARY,
  SUMMARY,
  type Spec,
} from '../helpers/bills';
import { referenceRows } from './bill-reference';

/** The bytes cut in two at `at`. */
async function* twoPieces(bytes: Buffer, at: number): AsyncGenerator<Buffer> {
  yield bytes.subarray(0, at);
  yield bytes.subarray(at);
}

const FIXTURE_TEXT = FIXTURE.toString('utf8');

describe('the in-place parser reads what a plain reading reads', () => {
  it('on the real fixture, from a string, bytes, gzip and a stream of 64 KiB-ish chunks', async () => {
    const expected = referenceRows(FIXTURE_TEXT);
    expect(expected).toHaveLength(45);
    for (const input of [FIXTURE_TEXT, FIXTURE, gzipSync(FIXTURE), chunks(FIXTURE, [4096, 8192])]) {
      expect((await collect(input)).rows).toEqual(expected);
    }
  });

  it.each([
    ['current ALL', bill(HEADERS.ALL, SUMMARY, DAY)],
    ['SUCCESS', bill(HEADERS.SUCCESS, SUMMARY, DAY.slice(0, 3))],
    ['REFUND', bill(HEADERS.REFUND, SUMMARY, DAY.slice(3))],
    ['legacy ALL', bill(HEADERS.LEGACY_ALL, LEGACY_SUMMARY, DAY)],
    ['LF line ends, no BOM', bill(HEADERS.ALL, SUMMARY, DAY, '\n').slice(1)],
  ])('on a %s bill', async (_name, text) => {
    const { rows, end } = await collect(text);
    expect(rows).toEqual(referenceRows(text));
    expect(end.summaryMatches).toBe(true);
  });

  it('with a row cut at every byte, inside CRLFs and inside multi-byte characters', async () => {
    const bytes = Buffer.from(bill(HEADERS.ALL, SUMMARY, DAY));
    const expected = (await collect(bytes)).rows;
    expect(expected).toEqual(referenceRows(bytes.toString('utf8')));
    let insideCharacter = 0;
    for (let at = 1; at < bytes.length; at++) {
      if ((bytes[at] & 0xc0) === 0x80) insideCharacter++;
      expectRows((await collect(twoPieces(bytes, at))).rows, expected);
    }
    expect(insideCharacter).toBeGreaterThan(100);
  });

  it('with text chunks cut at every character, and gzip cut at every 7th byte', async () => {
    const text = bill(HEADERS.ALL, SUMMARY, DAY);
    const expected = referenceRows(text);
    for (let at = 1; at < text.length; at++) {
      const pieces = (async function* () {
        yield text.slice(0, at);
        yield text.slice(at);
      })();
      expectRows((await collect(pieces)).rows, expected);
    }
    const gz = gzipSync(Buffer.from(text));
    for (let at = 1; at < gz.length; at += 7) expectRows((await collect(twoPieces(gz, at))).rows, expected);
  });

  it('hands rows out in batches, one per block, and the summary last', async () => {
    const many: Spec[] = Array.from({ length: 3000 }, (_, i) => ({
      outTradeNo: `PK2024031510000000000${String(i).padStart(5, '0')}A01`,
      total: 1 + i,
      fee: i,
    }));
    const text = bill(HEADERS.ALL, SUMMARY, many);
    const batches: BillEntry[][] = [];
    for await (const batch of billBatches(Buffer.from(text))) batches.push(batch);
    expect(batches.length).toBeGreaterThan(3);
    expect(batches.length).toBeLessThan(100);
    const entries = batches.flat();
    expect(entries.at(-1)).toMatchObject({ kind: 'summary', summaryMatches: true });
    expect(entries.slice(0, -1)).toEqual(referenceRows(text));
    const oneByOne: BillEntry[] = [];
    for await (const entry of parseBill(text)) oneByOne.push(entry);
    expect(oneByOne).toEqual(entries);
  });
});

describe('what the bill format allows in a field (no quoting, a backquote before each field)', () => {
  it('keeps double quotes, commas, lone backquotes and empty fields as they are', async () => {
    const bodies = ['"双引号"', 'a,b', 'a`b', '`', '', ' 空格 '];
    const specs = bodies.map((body, i) => ({
      outTradeNo: `PK2024031510000000000000000${i}A01`,
      total: 1,
      body,
    }));
    const text = bill(HEADERS.ALL, SUMMARY, specs);
    const { rows } = await collect(text);
    expect(rows.map((r) => r.body)).toEqual(bodies);
    expect(rows).toEqual(referenceRows(text));
  });

  it('refuses a field holding the separator ",`": the line then has a field too many', async () => {
    const text = bill(HEADERS.ALL, SUMMARY, [
      { outTradeNo: 'PK202403151000000000000000A01', total: 1, body: 'a,`b' },
    ]);
    const err = await failure(text);
    expect(err.line).toBe(2);
    expect(err.message).toMatch(/28 fields where the header has 27/);
  });
});

describe('edges of a bill', () => {
  const good = bill(HEADERS.ALL, SUMMARY, DAY);

  it('reads a bill with no rows: header and a zero summary', async () => {
    const text = bill(HEADERS.ALL, SUMMARY, []);
    const { rows, end } = await collect(text);
    expect(rows).toEqual([]);
    expect(end).toMatchObject({ summaryMatches: true, summary: { count: 0 } });
  });

  it('reads past blank lines and a summary column it does not know', async () => {
    const lines = good.split('\r\n');
    const text = [
      ...lines.slice(0, 3),
      '',
      '  ',
      ...lines.slice(3, 5),
      '',
      lines[5] + ',新列',
      lines[6] + ',`1.00',
      '',
    ].join('\r\n');
    const { rows, end } = await collect(text);
    expect(rows.map((r) => r.line)).toEqual([2, 3, 6, 7]);
    expect(rows).toEqual(referenceRows(text));
    expect(end).toMatchObject({ line: 10, summaryMatches: true });
  });

  it.each<[string, BillInput, number, RegExp]>([
    ['a BOM alone', '\uFEFF', 1, /empty/],
    ['blank lines alone', '\r\n \r\n\r\n', 3, /empty/],
    ['a header alone', `\uFEFF${HEADERS.ALL}\r\n`, 1, /ends before its summary/],
    ['a BOM before a data line', good.replace('\r\n`', '\r\n\uFEFF`'), 2, /must start with a backquote/],
    [
      'a data line of 70 000 characters',
      good.replace('测试商品', 'x'.repeat(70_000)),
      2,
      /longer than 65536/,
    ],
    [
      'a summary without its data line',
      good.split('\r\n').slice(0, 6).join('\r\n'),
      6,
      /ends before its summary/,
    ],
    ['a second summary', good + good.split('\r\n').slice(5).join('\r\n'), 8, /after the summary/],
  ])('%s', async (_name, input, line, message) => {
    const err = await failure(input);
    expect(err.line).toBe(line);
    expect(err.message).toMatch(message);
  });

  it('hands out the rows before a faulty line, then fails', async () => {
    const text = good.replace('2024-03-15 10:03:00', 'not a time');
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const entry of parseBill(text)) if (entry.kind !== 'summary') seen.push(entry.line);
      })(),
    ).rejects.toThrow(/^bill line 5: 交易时间 is not a time/);
    expect(seen).toEqual([2, 3, 4]);
  });
});
