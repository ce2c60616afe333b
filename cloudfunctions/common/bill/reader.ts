/**
 * The bill's line-by-line state machine (header, rows, summary header, summary line) over blocks of
 * whole lines. Detail lines, nearly all of a bill, are read in place (cells.ts): fields found by indexOf
 * of the separator into reused offsets, amounts read by char codes; only the text fields become strings.
 */
import {
  SUMMARY_COLUMNS,
  SUMMARY_FIRST,
  layoutOf,
  type BillFormat,
  type BillLayout,
  type BillRow,
  type BillType,
  type SummaryField,
} from './columns';
import { BACKQUOTE, Cells } from './cells';
import { BillFormatError } from './errors';
import { COUNT, FEE_UNIT, FEN, toUnits } from './money';

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

/** The totals a summary line may check, in the order BillReader keeps them. */
const SUMS: readonly SummaryField[] = [
  'count',
  'settlementFee',
  'refundFee',
  'couponRefundFee',
  'fee',
  'totalFee',
  'requestedRefundFee',
];

export class BillReader {
  /** Number of the last line read. */
  lineNo = 0;
  private state: 'header' | 'rows' | 'summary' | 'done' = 'header';
  private layout?: BillLayout;
  private readonly cells = new Cells();
  private summaryNames: string[] = [];
  private end_?: BillEnd;
  /**
   * The detail lines' totals, in SUMS order. Doubles from the start (exact to 2^53), so a total
   * growing past V8's small integers does not deoptimise the row loop halfway through a bill.
   */
  private readonly sums = new Float64Array(SUMS.length);

  constructor(private readonly maxLength: number) {}

  /**
   * Reads every line of `block` (whole lines; the last may lack its LF), as text or as UTF-8 bytes,
   * adding rows to `out`.
   */
  block(block: string | Buffer, out: BillEntry[]): void {
    const cells = this.cells;
    cells.load(block);
    const text = cells.text;
    const bytes = cells.bytes;
    const n = text.length;
    let start = 0;
    while (start < n) {
      const lf = text.indexOf('\n', start);
      const next = lf < 0 ? n : lf + 1;
      let end = lf < 0 ? n : lf;
      if (end > start && bytes[end - 1] === 13) end--;
      const no = ++this.lineNo;
      if (end - start > this.maxLength && cells.length(start, end) > this.maxLength) {
        throw new BillFormatError(no, `the line is longer than ${this.maxLength} characters`);
      }
      if (this.state === 'rows' && bytes[start] === BACKQUOTE) {
        out.push(this.row(start, end, no));
      } else {
        this.line(cells.slice(start, end), no);
      }
      start = next;
    }
  }

  /** The summary, once every line is read. */
  end(): BillEnd {
    if (this.state === 'header') throw new BillFormatError(this.lineNo, 'the bill is empty');
    if (!this.end_) {
      throw new BillFormatError(this.lineNo, 'the bill ends before its summary line (truncated?)');
    }
    return this.end_;
  }

  /** Any line but a detail line: the headers, the summary, blank lines and what is wrong. */
  private line(text: string, no: number): void {
    if (no === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (!text.trim()) return;
    const fail = (reason: string): never => {
      throw new BillFormatError(no, reason);
    };
    switch (this.state) {
      case 'header': {
        if (text.startsWith('`')) fail('expected the bill header, found a data line');
        const layout = layoutOf(text.split(','));
        if (typeof layout === 'string') return fail(layout);
        this.layout = layout;
        this.cells.columns(layout.names.length);
        this.state = 'rows';
        return;
      }
      case 'rows':
        if (!text.startsWith(SUMMARY_FIRST)) fail('a data line must start with a backquote');
        this.summaryNames = text.split(',');
        this.state = 'summary';
        return;
      case 'summary':
        this.end_ = this.summary(fieldsOf(text, this.summaryNames.length, fail), no, fail);
        this.state = 'done';
        return;
      default:
        fail('unexpected text after the summary line');
    }
  }

  /** One detail line, the block's text[start, end), starting with a backquote. */
  private row(start: number, end: number, no: number): BillRow {
    const layout = this.layout as BillLayout;
    const cells = this.cells;
    if (!cells.split(start, end, no)) {
      const found = cells.count(start, end);
      throw new BillFormatError(
        no,
        `${found} fields where the header has ${layout.names.length} (truncated or garbled line)`,
      );
    }

    const t = layout.text;
    const a = layout.amount;
    const tradeTime = cells.cell(t.tradeTime);
    if (!cells.isTime(t.tradeTime)) throw new BillFormatError(no, `交易时间 is not a time: "${tradeTime}"`);
    const tradeState = cells.cell(t.tradeState);
    const totalFee = this.amount(no, a.totalFee, FEN);
    const refundFee = this.amount(no, a.refundFee, FEN);
    const row: BillRow = {
      kind: tradeState === 'REFUND' || layout.billType === 'REFUND' ? 'refund' : 'payment',
      line: no,
      tradeTime,
      appid: cells.cell(t.appid),
      mchId: cells.cell(t.mchId),
      subMchId: cells.cell(t.subMchId),
      deviceInfo: cells.cell(t.deviceInfo),
      transactionId: cells.cell(t.transactionId),
      outTradeNo: cells.cell(t.outTradeNo),
      openid: cells.cell(t.openid),
      tradeType: cells.cell(t.tradeType),
      tradeState,
      bankType: cells.cell(t.bankType),
      feeType: cells.cell(t.feeType),
      // Legacy bills have neither column: 总金额 and 退款金额 stand in.
      settlementFee: a.settlementFee < 0 ? totalFee : this.amount(no, a.settlementFee, FEN),
      couponFee: this.amount(no, a.couponFee, FEN),
      refundApplyTime: cells.cell(t.refundApplyTime),
      refundSuccessTime: cells.cell(t.refundSuccessTime),
      refundId: cells.cell(t.refundId),
      outRefundNo: cells.cell(t.outRefundNo),
      refundFee,
      couponRefundFee: this.amount(no, a.couponRefundFee, FEN),
      refundType: cells.cell(t.refundType),
      refundStatus: cells.cell(t.refundStatus),
      body: cells.cell(t.body),
      attach: cells.cell(t.attach),
      fee: this.amount(no, a.fee, FEE_UNIT),
      feeRate: cells.cell(t.feeRate),
      totalFee,
      requestedRefundFee: a.requestedRefundFee < 0 ? refundFee : this.amount(no, a.requestedRefundFee, FEN),
      feeRemark: cells.cell(t.feeRemark),
    };
    const sums = this.sums;
    sums[0]++;
    sums[1] += row.settlementFee;
    sums[2] += row.refundFee;
    sums[3] += row.couponRefundFee;
    sums[4] += row.fee;
    sums[5] += row.totalFee;
    sums[6] += row.requestedRefundFee;
    return row;
  }

  /** Field `i` (a column index, -1: none) as integer units; an empty field is 0. */
  private amount(no: number, i: number, scale: number): number {
    const units = this.cells.units(i, scale);
    if (Number.isNaN(units)) {
      const layout = this.layout as BillLayout;
      throw new BillFormatError(no, `${layout.names[i]} is not an amount in yuan: "${this.cells.cell(i)}"`);
    }
    return units;
  }

  private summary(fields: string[], no: number, fail: (reason: string) => never): BillEnd {
    const summary: BillSummary = { count: 0 };
    const mismatches: SummaryMismatch[] = [];
    const computed = {} as Record<SummaryField, number>;
    SUMS.forEach((field, i) => (computed[field] = this.sums[i]));
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
      if (value !== computed[field]) {
        mismatches.push({ field, column, summary: value as number, rows: computed[field] });
      }
    });
    const layout = this.layout as BillLayout;
    return {
      kind: 'summary',
      line: no,
      billType: layout.billType,
      format: layout.format,
      summary,
      computed,
      summaryMatches: mismatches.length === 0,
      mismatches,
    };
  }
}

/** The summary line's fields without their backquotes. */
function fieldsOf(text: string, expected: number, fail: (reason: string) => never): string[] {
  if (text.charCodeAt(0) !== BACKQUOTE) fail('a data line must start with a backquote');
  const fields = text.slice(1).split(',`');
  if (fields.length !== expected) {
    fail(`${fields.length} fields where the header has ${expected} (truncated or garbled line)`);
  }
  return fields;
}
