/**
 * Streaming reader of WeChat Pay's v2 trade bill (reference §8.5): header line, detail lines, summary
 * header, summary line. Rows are handed out one at a time as they are read, so a bill of any size is
 * read in constant memory; the summary comes last, checked against the re-summed rows.
 */
import {
  SUMMARY_COLUMNS,
  SUMMARY_FIRST,
  layoutOf,
  type AmountField,
  type BillFormat,
  type BillLayout,
  type BillRow,
  type BillType,
  type SummaryField,
} from './columns';
import { BillFormatError } from './errors';
import { LineSplitter, textPieces, type BillInput } from './lines';
import { COUNT, FEE_UNIT, FEN, toUnits } from './money';

export type { BillInput } from './lines';
export type { BillFormat, BillRow, BillType, SummaryField } from './columns';
export { BillFormatError } from './errors';

/** The summary line as printed: count of detail lines, and column totals (fen; fee in 0.00001 yuan). */
export type BillSummary = { count: number } & Partial<Record<Exclude<SummaryField, 'count'>, number>>;

export interface SummaryMismatch {
  field: SummaryField;
  /** The summary column, as the bill names it. */
  column: string;
  summary: number;
  rows: number;
}

/** The last entry of a bill: what its summary says, and whether the rows add up to it. */
export interface BillEnd {
  kind: 'summary';
  line: number;
  billType: BillType;
  format: BillFormat;
  summary: BillSummary;
  /** The same totals re-summed from the detail lines. */
  computed: Record<SummaryField, number>;
  summaryMatches: boolean;
  mismatches: SummaryMismatch[];
}

export type BillEntry = BillRow | BillEnd;

export interface ParseOptions {
  /** Longest line accepted (characters); longer means the input is not a bill. Default 64 KiB. */
  maxLineLength?: number;
}

const TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

/**
 * The bill's rows, then one BillEnd. Throws BillFormatError (with the line) when the text is not a
 * well-formed bill; rows before the faulty line have been handed out by then.
 */
export async function* parseBill(input: BillInput, options: ParseOptions = {}): AsyncGenerator<BillEntry> {
  const splitter = new LineSplitter(options.maxLineLength ?? 64 * 1024);
  const reader = new BillReader();
  try {
    for await (const piece of textPieces(input)) {
      for (const line of splitter.push(piece)) {
        const row = reader.line(line, splitter.lineNo);
        if (row) yield row;
      }
    }
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('Z_')) {
      throw new BillFormatError(
        splitter.lineNo,
        `the gzip data is corrupt or truncated (${(err as Error).message})`,
      );
    }
    throw err;
  }
  for (const line of splitter.end()) {
    const row = reader.line(line, splitter.lineNo);
    if (row) yield row;
  }
  yield reader.end(splitter.lineNo);
}

/** parseBill with a callback per row; resolves to the summary once the whole bill is read. */
export async function readBill(
  input: BillInput,
  onRow: (row: BillRow) => void | Promise<void>,
  options?: ParseOptions,
): Promise<BillEnd> {
  for await (const entry of parseBill(input, options)) {
    if (entry.kind === 'summary') return entry;
    await onRow(entry);
  }
  throw new BillFormatError(0, 'the bill has no summary');
}

/** The line-by-line state machine: header, rows, summary header, summary line. */
class BillReader {
  private state: 'header' | 'rows' | 'summary' | 'done' = 'header';
  private layout?: BillLayout;
  private summaryNames: string[] = [];
  private end_?: BillEnd;
  private readonly computed: Record<SummaryField, number> = {
    count: 0,
    settlementFee: 0,
    refundFee: 0,
    couponRefundFee: 0,
    fee: 0,
    totalFee: 0,
    requestedRefundFee: 0,
  };

  line(text: string, no: number): BillRow | undefined {
    if (no === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (!text.trim()) return undefined;
    const fail = (reason: string): never => {
      throw new BillFormatError(no, reason);
    };
    switch (this.state) {
      case 'header': {
        if (text.startsWith('`')) fail('expected the bill header, found a data line');
        const layout = layoutOf(text.split(','));
        if (typeof layout === 'string') return fail(layout);
        this.layout = layout;
        this.state = 'rows';
        return undefined;
      }
      case 'rows': {
        if (text.startsWith(SUMMARY_FIRST)) {
          this.summaryNames = text.split(',');
          this.state = 'summary';
          return undefined;
        }
        const layout = this.layout as BillLayout;
        const row = rowOf(fieldsOf(text, layout.names.length, fail), no, layout, fail);
        this.add(row);
        return row;
      }
      case 'summary':
        this.end_ = this.summary(fieldsOf(text, this.summaryNames.length, fail), no, fail);
        this.state = 'done';
        return undefined;
      default:
        return fail('unexpected text after the summary line');
    }
  }

  end(lastLine: number): BillEnd {
    if (this.state === 'header') throw new BillFormatError(lastLine, 'the bill is empty');
    if (!this.end_) throw new BillFormatError(lastLine, 'the bill ends before its summary line (truncated?)');
    return this.end_;
  }

  private add(row: BillRow): void {
    const c = this.computed;
    c.count++;
    c.settlementFee += row.settlementFee;
    c.refundFee += row.refundFee;
    c.couponRefundFee += row.couponRefundFee;
    c.fee += row.fee;
    c.totalFee += row.totalFee;
    c.requestedRefundFee += row.requestedRefundFee;
  }

  private summary(fields: string[], no: number, fail: (reason: string) => never): BillEnd {
    const summary: BillSummary = { count: 0 };
    const mismatches: SummaryMismatch[] = [];
    this.summaryNames.forEach((column, i) => {
      // Columns WeChat may add later are read past, as in the header.
      if (!(column in SUMMARY_COLUMNS)) return;
      const field = SUMMARY_COLUMNS[column];
      // Sandbox bills print floats ('45.0', '0.47'): a count must still be whole, money is rounded.
      const value =
        field === 'count'
          ? toUnits(fields[i], COUNT)
          : toUnits(fields[i], field === 'fee' ? FEE_UNIT : FEN, true);
      if (value === undefined) fail(`${column} is not a number: "${fields[i]}"`);
      summary[field] = value as number;
      if (value !== this.computed[field]) {
        mismatches.push({ field, column, summary: value as number, rows: this.computed[field] });
      }
    });
    const layout = this.layout as BillLayout;
    return {
      kind: 'summary',
      line: no,
      billType: layout.billType,
      format: layout.format,
      summary,
      computed: { ...this.computed },
      summaryMatches: mismatches.length === 0,
      mismatches,
    };
  }
}

/** A data line's fields without their backquotes. Fields are split on ",`", so a comma in 商品名称 stays. */
function fieldsOf(text: string, expected: number, fail: (reason: string) => never): string[] {
  if (text.charCodeAt(0) !== 96 /* ` */) fail('a data line must start with a backquote');
  const fields = text.slice(1).split(',`');
  if (fields.length !== expected) {
    fail(`${fields.length} fields where the header has ${expected} (truncated or garbled line)`);
  }
  return fields;
}

function rowOf(fields: string[], line: number, layout: BillLayout, fail: (reason: string) => never): BillRow {
  const t = layout.text;
  const s = (i: number): string => (i < 0 ? '' : fields[i]);
  const money = (field: AmountField, scale: number): number => {
    const i = layout.amount[field];
    if (i < 0 || fields[i] === '') return 0;
    const units = toUnits(fields[i], scale);
    return units === undefined ? fail(`${layout.names[i]} is not an amount in yuan: "${fields[i]}"`) : units;
  };
  const tradeTime = s(t.tradeTime);
  if (!TIME.test(tradeTime)) fail(`交易时间 is not a time: "${tradeTime}"`);
  const tradeState = s(t.tradeState);
  const totalFee = money('totalFee', FEN);
  const refundFee = money('refundFee', FEN);
  return {
    kind: tradeState === 'REFUND' || layout.billType === 'REFUND' ? 'refund' : 'payment',
    line,
    tradeTime,
    appid: s(t.appid),
    mchId: s(t.mchId),
    subMchId: s(t.subMchId),
    deviceInfo: s(t.deviceInfo),
    transactionId: s(t.transactionId),
    outTradeNo: s(t.outTradeNo),
    openid: s(t.openid),
    tradeType: s(t.tradeType),
    tradeState,
    bankType: s(t.bankType),
    feeType: s(t.feeType),
    // Legacy bills have neither column: 总金额 and 退款金额 stand in.
    settlementFee: layout.amount.settlementFee < 0 ? totalFee : money('settlementFee', FEN),
    couponFee: money('couponFee', FEN),
    refundApplyTime: s(t.refundApplyTime),
    refundSuccessTime: s(t.refundSuccessTime),
    refundId: s(t.refundId),
    outRefundNo: s(t.outRefundNo),
    refundFee,
    couponRefundFee: money('couponRefundFee', FEN),
    refundType: s(t.refundType),
    refundStatus: s(t.refundStatus),
    body: s(t.body),
    attach: s(t.attach),
    fee: money('fee', FEE_UNIT),
    feeRate: s(t.feeRate),
    totalFee,
    requestedRefundFee: layout.amount.requestedRefundFee < 0 ? refundFee : money('requestedRefundFee', FEN),
    feeRemark: s(t.feeRemark),
  };
}
