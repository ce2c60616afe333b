/**
 * One case of the bill bench, in a child process of its own so that its peak RSS is its own:
 * `node -r esbuild-register bench/bill-case.ts <kit|tenpay> <stream|gzip> <file> <parser.js>`, where
 * parser.js is the kit's bill parser bundled as a cloud function bundles it. Prints one JSON line:
 * rows read, seconds, the process's peak RSS (getrusage) and its RSS before parsing.
 */
import { createReadStream, readFileSync } from 'fs';
import { gunzipSync } from 'zlib';
import type { BillInput, billBatches } from '../cloudfunctions/common/bill/parse';

export interface CaseResult {
  rows: number;
  seconds: number;
  peakRss: number;
  baseRss: number;
  /** Kit: the summary line matched the re-summed rows; tenpay checks nothing. */
  summaryMatches: boolean | null;
}

type TenpayBill = { list_data: string[][]; total_data: string[] };
/** tenpay 2.1.18 keeps its bill parser on the prototype; it reads no instance state. */
type TenpayClass = { prototype: { _parseBill(text: string, format: boolean): Promise<TenpayBill> } };
// eslint-disable-next-line @typescript-eslint/no-require-imports -- tenpay ships no types; plain CommonJS
const Tenpay = require('tenpay') as TenpayClass;
const tenpayParse = Tenpay.prototype._parseBill;

async function kit(
  parse: typeof billBatches,
  input: BillInput,
): Promise<Pick<CaseResult, 'rows' | 'summaryMatches'>> {
  let rows = 0;
  let summaryMatches = false;
  for await (const batch of parse(input)) {
    for (const entry of batch) {
      if (entry.kind === 'summary') summaryMatches = entry.summaryMatches;
      else rows++;
    }
  }
  return { rows, summaryMatches };
}

/** tenpay parses a whole string: a stream is read to its end first, a gzip Buffer inflated first. */
async function tenpay(
  mode: string,
  file: string,
  zipped: Buffer,
): Promise<Pick<CaseResult, 'rows' | 'summaryMatches'>> {
  let text: string;
  if (mode === 'gzip') text = gunzipSync(zipped).toString('utf8');
  else {
    const chunks: Buffer[] = [];
    for await (const chunk of createReadStream(file)) chunks.push(chunk as Buffer);
    text = Buffer.concat(chunks).toString('utf8');
  }
  const bill = await tenpayParse(text, true);
  return { rows: bill.list_data.length, summaryMatches: null };
}

async function main(): Promise<void> {
  const [parser, mode, file, bundle] = process.argv.slice(2);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the bundle is built at run time
  const parse = (require(bundle) as { billBatches: typeof billBatches }).billBatches;
  const zipped = mode === 'gzip' ? readFileSync(file) : Buffer.alloc(0);
  const baseRss = process.memoryUsage().rss;
  const started = process.hrtime.bigint();
  const result =
    parser === 'kit'
      ? await kit(parse, mode === 'gzip' ? zipped : createReadStream(file))
      : await tenpay(mode, file, zipped);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const peakRss = process.resourceUsage().maxRSS * 1024;
  const out: CaseResult = { ...result, seconds, peakRss, baseRss };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
