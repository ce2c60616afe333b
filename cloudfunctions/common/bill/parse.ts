/**
 * Streaming reader of WeChat Pay's v2 trade bill (reference §8.5): header line, detail lines, summary
 * header, summary line. Rows are handed out in batches, one per block of input (about 64 KiB), as they
 * are read, so a bill of any size is read in constant memory; the summary comes last, checked against
 * the re-summed rows.
 */
import { BillFormatError } from './errors';
import { LineTooLong, textBlocks, type BillInput } from './lines';
import { BillReader, type BillEnd, type BillEntry } from './reader';
import type { BillRow } from './columns';

export type { BillInput } from './lines';
export type { BillFormat, BillRow, BillType, SummaryField } from './columns';
export type { BillEnd, BillEntry, BillSummary, SummaryMismatch } from './reader';
export { BillFormatError } from './errors';

export interface ParseOptions {
  /** Longest line accepted (characters); longer means the input is not a bill. Default 64 KiB. */
  maxLineLength?: number;
}

/**
 * The bill's rows in batches (one per block of input), the last batch ending with one BillEnd.
 * Throws BillFormatError (with the line) when the text is not a well-formed bill; rows before the
 * faulty line have been handed out by then.
 */
export async function* billBatches(
  input: BillInput,
  options: ParseOptions = {},
): AsyncGenerator<BillEntry[]> {
  const maxLength = options.maxLineLength ?? 64 * 1024;
  const reader = new BillReader(maxLength);
  let batch: BillEntry[] = [];
  try {
    for await (const blocks of textBlocks(input, maxLength)) {
      for (const block of blocks) reader.block(block, batch);
      if (batch.length) {
        yield batch;
        batch = [];
      }
    }
  } catch (err) {
    // The rows read before the faulty line go out first.
    if (batch.length) yield batch;
    throw readError(err, reader.lineNo);
  }
  yield [reader.end()];
}

/** zlib's and the line splitter's errors as BillFormatError at the line reading stopped after. */
function readError(err: unknown, lineNo: number): unknown {
  if (err instanceof LineTooLong) return new BillFormatError(lineNo + 1, err.message);
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return new BillFormatError(lineNo, `the gzip data is corrupt or truncated (${(err as Error).message})`);
  }
  return err;
}

/** billBatches one entry at a time: the rows, then one BillEnd. */
export async function* parseBill(input: BillInput, options?: ParseOptions): AsyncGenerator<BillEntry> {
  for await (const batch of billBatches(input, options)) yield* batch;
}

/** The bill with a callback per row; resolves to the summary once the whole bill is read. */
export async function readBill(
  input: BillInput,
  onRow: (row: BillRow) => void | Promise<void>,
  options?: ParseOptions,
): Promise<BillEnd> {
  for await (const batch of billBatches(input, options)) {
    for (const entry of batch) {
      if (entry.kind === 'summary') return entry;
      const pending = onRow(entry);
      if (pending) await pending;
    }
  }
  throw new BillFormatError(0, 'the bill has no summary');
}
