/**
 * The bill's line-by-line state machine (header, rows, summary header, summary line) over blocks of
 * whole lines. Detail lines, nearly all of a bill, are read in place: fields found by indexOf of the
 * separator into reused offsets, amounts read by char codes; only the text fields become strings.
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
import { BillFormatError } from './errors';
import { COUNT, FEE_UNIT, FEN, toUnits, unitsIn } from './money';

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

const BACKQUOTE = 96;
const SEPARATOR = ',`';

export class BillReader {
  /** Number of the last line read. */
  lineNo = 0;
  private state: 'header' | 'rows' | 'summary' | 'done' = 'header';
  private layout?: BillLayout;
  /** Start and end of each field of the current line: [start0, end0, start1, end1, …]. */
  private at = new Int32Array(0);
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

  constructor(private readonly maxLength: number) {}

  /** Reads every line of `block` (whole lines; the last may lack its LF), adding rows to `out`. */
  block(text: string, out: BillEntry[]): void {
    const n = text.length;
    let start = 0;
    while (start < n) {
      const lf = text.indexOf('\n', start);
      const next = lf < 0 ? n : lf + 1;
      let end = lf < 0 ? n : lf;
      if (end > start && text.charCodeAt(end - 1) === 13) end--;
      const no = ++this.lineNo;
      if (end - start > this.maxLength) {
        throw new BillFormatError(no, `the line is longer than ${this.maxLength} characters`);
      }
      if (this.state === 'rows' && text.charCodeAt(start) === BACKQUOTE) {
        out.push(this.row(text, start, end, no));
      } else {
        this.line(text.slice(start, end), no);
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
        this.at = new Int32Array(layout.names.length * 2);
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

  /**
   * One detail line, text[start, end) starting with a backquote. Fields are separated by ",`", so a
   * comma in 商品名称 stays.
   */
  private row(text: string, start: number, end: number, no: number): BillRow {
    const layout = this.layout as BillLayout;
    const at = this.at;
    const last = layout.names.length - 1;
    let from = start + 1;
    for (let i = 0; i < last; i++) {
      const sep = text.indexOf(SEPARATOR, from);
      if (sep < 0 || sep >= end) throw fieldCountError(text, start, end, no, last + 1);
      at[2 * i] = from;
      at[2 * i + 1] = sep;
      from = sep + 2;
    }
    const extra = text.indexOf(SEPARATOR, from);
    if (extra >= 0 && extra < end) throw fieldCountError(text, start, end, no, last + 1);
    at[2 * last] = from;
    at[2 * last + 1] = end;

    const t = layout.text;
    const a = layout.amount;
    const tradeTime = cell(text, at, t.tradeTime);
    if (!isTime(tradeTime)) throw new BillFormatError(no, `交易时间 is not a time: "${tradeTime}"`);
    const tradeState = cell(text, at, t.tradeState);
    const totalFee = this.amount(text, no, a.totalFee, FEN);
    const refundFee = this.amount(text, no, a.refundFee, FEN);
    const row: BillRow = {
      kind: tradeState === 'REFUND' || layout.billType === 'REFUND' ? 'refund' : 'payment',
      line: no,
      tradeTime,
      appid: cell(text, at, t.appid),
      mchId: cell(text, at, t.mchId),
      subMchId: cell(text, at, t.subMchId),
      deviceInfo: cell(text, at, t.deviceInfo),
      transactionId: cell(text, at, t.transactionId),
      outTradeNo: cell(text, at, t.outTradeNo),
      openid: cell(text, at, t.openid),
      tradeType: cell(text, at, t.tradeType),
      tradeState,
      bankType: cell(text, at, t.bankType),
      feeType: cell(text, at, t.feeType),
      // Legacy bills have neither column: 总金额 and 退款金额 stand in.
      settlementFee: a.settlementFee < 0 ? totalFee : this.amount(text, no, a.settlementFee, FEN),
      couponFee: this.amount(text, no, a.couponFee, FEN),
      refundApplyTime: cell(text, at, t.refundApplyTime),
      refundSuccessTime: cell(text, at, t.refundSuccessTime),
      refundId: cell(text, at, t.refundId),
      outRefundNo: cell(text, at, t.outRefundNo),
      refundFee,
      couponRefundFee: this.amount(text, no, a.couponRefundFee, FEN),
      refundType: cell(text, at, t.refundType),
      refundStatus: cell(text, at, t.refundStatus),
      body: cell(text, at, t.body),
      attach: cell(text, at, t.attach),
      fee: this.amount(text, no, a.fee, FEE_UNIT),
      feeRate: cell(text, at, t.feeRate),
      totalFee,
      requestedRefundFee:
        a.requestedRefundFee < 0 ? refundFee : this.amount(text, no, a.requestedRefundFee, FEN),
      feeRemark: cell(text, at, t.feeRemark),
    };
    const c = this.computed;
    c.count++;
    c.settlementFee += row.settlementFee;
    c.refundFee += row.refundFee;
    c.couponRefundFee += row.couponRefundFee;
    c.fee += row.fee;
    c.totalFee += row.totalFee;
    c.requestedRefundFee += row.requestedRefundFee;
    return row;
  }

  /** Field `i` (a column index, -1: none) as integer units; an empty field is 0. */
  private amount(text: string, no: number, i: number, scale: number): number {
    if (i < 0) return 0;
    const start = this.at[2 * i];
    const end = this.at[2 * i + 1];
    if (start === end) return 0;
    const units = unitsIn(text, start, end, scale);
    if (Number.isNaN(units)) {
      const layout = this.layout as BillLayout;
      const value = text.slice(start, end);
      throw new BillFormatError(no, `${layout.names[i]} is not an amount in yuan: "${value}"`);
    }
    return units;
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

/** Field `i` of the current line (-1: the bill has no such column, ''). */
function cell(text: string, at: Int32Array, i: number): string {
  return i < 0 ? '' : text.slice(at[2 * i], at[2 * i + 1]);
}

/** 'yyyy-MM-dd HH:mm:ss' in ASCII digits. */
function isTime(s: string): boolean {
  if (s.length !== 19) return false;
  for (let i = 0; i < 19; i++) {
    const c = s.charCodeAt(i);
    const expected =
      i === 4 || i === 7 ? 45 /* - */ : i === 10 ? 32 /* space */ : i === 13 || i === 16 ? 58 : 0;
    if (expected ? c !== expected : c < 48 || c > 57) return false;
  }
  return true;
}

function fieldCountError(
  text: string,
  start: number,
  end: number,
  no: number,
  expected: number,
): BillFormatError {
  const found = text.slice(start + 1, end).split(SEPARATOR).length;
  return new BillFormatError(
    no,
    `${found} fields where the header has ${expected} (truncated or garbled line)`,
  );
}

/** The summary line's fields without their backquotes. */
function fieldsOf(text: string, expected: number, fail: (reason: string) => never): string[] {
  if (text.charCodeAt(0) !== BACKQUOTE) fail('a data line must start with a backquote');
  const fields = text.slice(1).split(SEPARATOR);
  if (fields.length !== expected) {
    fail(`${fields.length} fields where the header has ${expected} (truncated or garbled line)`);
  }
  return fields;
}
