/**
 * One case of the bill bench, in a child process of its own so that its peak RSS is its own:
 * `node -r esbuild-register bench/bill-case.ts <kit|tenpay> <stream|gzip> <file> <parser.js>`, where
 * parser.js is the kit's bill parser bundled as a cloud function bundles it. Prints one JSON line:
 * rows read, the amounts they add up to, seconds, the process's peak RSS (getrusage) and its RSS
 * before parsing. The time covers reading every row; tenpay's rows are summed after its clock stops.
 */
import { createReadStream, readFileSync } from 'fs';
import { gunzipSync } from 'zlib';
import { FEN, toUnits } from '../cloudfunctions/common/bill/money';
import type { BillInput, billBatches } from '../cloudfunctions/common/bill/parse';

/** What the rows add up to (fen): 订单金额 and 退款金额, proof that every row was read. */
export interface BillAmounts {
  paid: number;
  refunded: number;
}

export interface CaseResult extends BillAmounts {
  rows: number;
  seconds: number;
  peakRss: number;
  baseRss: number;
  /** Kit: the summary line matched the re-summed rows; tenpay checks nothing. */
  summaryMatches: boolean | null;
}

type TenpayBill = { list_title: string[]; list_data: string[][]; total_data: string[] };
type Counted = Pick<CaseResult, 'rows' | 'paid' | 'refunded' | 'summaryMatches'>;
/** tenpay 2.1.18 keeps its bill parser on the prototype; it reads no instance state. */
type TenpayClass = { prototype: { _parseBill(text: string, format: boolean): Promise<TenpayBill> } };
// eslint-disable-next-line @typescript-eslint/no-require-imports -- tenpay ships no types; plain CommonJS
const Tenpay = require('tenpay') as TenpayClass;
const tenpayParse = Tenpay.prototype._parseBill;

async function kit(parse: typeof billBatches, input: BillInput): Promise<Counted> {
  let rows = 0;
  let paid = 0;
  let refunded = 0;
  let summaryMatches = false;
  for await (const batch of parse(input)) {
    for (const entry of batch) {
      if (entry.kind === 'summary') summaryMatches = entry.summaryMatches;
      else {
        rows++;
        paid += entry.totalFee;
        refunded += entry.refundFee;
      }
    }
  }
  return { rows, paid, refunded, summaryMatches };
}

/**
 * tenpay's caller inflates in one call with 1 MiB output chunks: of the ways measured (one call with
 * the default 16 KiB chunks, a gunzip stream with 64 KiB or 1 MiB chunks joined), the fastest, ~10%
 * quicker than the default.
 */
const TENPAY_INFLATE = { chunkSize: 1024 * 1024 };

/** tenpay parses a whole string: a stream is read to its end first, a gzip Buffer inflated first. */
async function tenpay(mode: string, file: string, zipped: Buffer): Promise<TenpayBill> {
  let text: string;
  if (mode === 'gzip') text = gunzipSync(zipped, TENPAY_INFLATE).toString('utf8');
  else {
    const chunks: Buffer[] = [];
    for await (const chunk of createReadStream(file)) chunks.push(chunk as Buffer);
    text = Buffer.concat(chunks).toString('utf8');
  }
  return tenpayParse(text, true);
}

/** tenpay's rows counted and summed (its cells are strings: '`'-less yuan text). */
function countTenpay(bill: TenpayBill): Counted {
  const column = (name: string): number => bill.list_title.indexOf(name);
  const sum = (i: number): number =>
    bill.list_data.reduce((total, cells) => total + (toUnits(cells[i], FEN) ?? NaN), 0);
  return {
    rows: bill.list_data.length,
    paid: sum(column('订单金额')),
    refunded: sum(column('退款金额')),
    summaryMatches: null,
  };
}

async function main(): Promise<void> {
  const [parser, mode, file, bundle] = process.argv.slice(2);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the bundle is built at run time
  const parse = (require(bundle) as { billBatches: typeof billBatches }).billBatches;
  const zipped = mode === 'gzip' ? readFileSync(file) : Buffer.alloc(0);
  const baseRss = process.memoryUsage().rss;
  const started = process.hrtime.bigint();
  let result: Counted;
  let seconds: number;
  if (parser === 'kit') {
    result = await kit(parse, mode === 'gzip' ? zipped : createReadStream(file));
    seconds = Number(process.hrtime.bigint() - started) / 1e9;
  } else {
    const bill = await tenpay(mode, file, zipped);
    seconds = Number(process.hrtime.bigint() - started) / 1e9;
    result = countTenpay(bill);
  }
  const peakRss = process.resourceUsage().maxRSS * 1024;
  const out: CaseResult = { ...result, seconds, peakRss, baseRss };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
