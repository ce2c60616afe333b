/**
 * One block of bill lines and the fields of its current detail line, read in place. The block's UTF-8
 * bytes are also read as Latin-1 text: a plain copy, one character per byte, so an offset in the text
 * is an offset in the bytes. A detail line is split in one pass over its bytes (typed-array loads are
 * several times faster than charCodeAt), which also marks the fields holding bytes >= 0x80 (商品名称,
 * mostly): those are decoded as UTF-8 from the bytes, the rest, ASCII, where Latin-1 and UTF-8 agree,
 * are sliced from the text. Whole lines are cut at a line feed, so a block never splits a character.
 * A block given as a string is encoded first.
 */
import { unitsIn } from './money';

const SEPARATOR = ',`';
const COMMA = 44;
export const BACKQUOTE = 96;
/** Each byte of a 32-bit word: its top bit, its lowest bit, a backquote. */
const TOP_BITS = 0x80808080 | 0;
const LOW_BITS = 0x01010101;
const BACKQUOTES = 0x60606060;

/**
 * Whether a 4-byte word holds a backquote or a byte >= 0x80. (x - 0x01…) & ~x has a top bit set
 * exactly when x has a zero byte; x = word ^ 0x60… has one where the word has a backquote.
 */
function mayMatter(word: number): boolean {
  const x = word ^ BACKQUOTES;
  return ((((x - LOW_BITS) & ~x) | word) & TOP_BITS) !== 0;
}

/** 'yyyy-MM-dd HH:mm:ss' as bytes, '0' standing for any ASCII digit (bytes: charCodeAt is slower). */
const TIME = Buffer.from('0000-00-00 00:00:00', 'latin1');

export class Cells {
  /** The block's bytes as Latin-1 text: one character per byte. */
  text = '';
  /** The block as UTF-8. */
  bytes: Buffer = Buffer.alloc(0);
  /** The block's aligned 4-byte words, to pass over 4 bytes at a time where none matters. */
  private words: Int32Array<ArrayBufferLike> = new Int32Array(0);
  /** Byte i of the block is byte (i + shift) of `words` (-3 to 0: words start at an aligned byte). */
  private shift = 0;
  /** Start and end of each field of the current line: [start0, end0, start1, end1, …]. */
  private at = new Int32Array(0);
  /** Per field: the number of the last line where that field held bytes >= 0x80. */
  private wide = new Int32Array(0);
  /** Number of the current line. */
  private no = 0;

  /** Sizes the field offsets for a detail header of `count` columns. */
  columns(count: number): void {
    this.at = new Int32Array(count * 2);
    this.wide = new Int32Array(count);
  }

  load(block: string | Buffer): void {
    const bytes = typeof block === 'string' ? Buffer.from(block, 'utf8') : block;
    this.text = bytes.toString('latin1');
    this.bytes = bytes;
    const aligned = (bytes.byteOffset + 3) & ~3;
    this.words = new Int32Array(bytes.buffer, aligned, (bytes.byteOffset + bytes.length - aligned) >> 2);
    this.shift = bytes.byteOffset - aligned;
  }

  /** text[start, end) as the bill's text, decoded as UTF-8. */
  slice(start: number, end: number): string {
    return this.bytes.toString('utf8', start, end);
  }

  /** Length in characters of text[start, end) once decoded. */
  length(start: number, end: number): number {
    return end - start > 0 ? this.slice(start, end).length : 0;
  }

  /**
   * Finds the fields of the detail line text[start, end) (starting with its backquote; fields are
   * separated by ",`", so a comma in 商品名称 stays). False when it does not have exactly as many
   * fields as the header.
   */
  split(start: number, end: number, no: number): boolean {
    const bytes = this.bytes;
    const words = this.words;
    const shift = this.shift;
    const at = this.at;
    const wide = this.wide;
    const last = (at.length >> 1) - 1;
    let col = 0;
    let from = start + 1;
    // The byte before `from` is a backquote: a comma before a backquote is always at `from` or after.
    for (let i = from; i < end; i++) {
      // A whole aligned word with neither a backquote nor a byte >= 0x80 is passed over at once.
      if (((i + shift) & 3) === 0 && i + 4 <= end && !mayMatter(words[(i + shift) >> 2])) {
        i += 3;
        continue;
      }
      const byte = bytes[i];
      if (byte === BACKQUOTE) {
        if (bytes[i - 1] !== COMMA) continue;
        if (col === last) return false;
        at[2 * col] = from;
        at[2 * col + 1] = i - 1;
        col++;
        from = i + 1;
      } else if (byte >= 0x80) {
        wide[col] = no;
      }
    }
    if (col !== last) return false;
    at[2 * last] = from;
    at[2 * last + 1] = end;
    this.no = no;
    return true;
  }

  /** Number of fields in the line text[start, end), for an error message. */
  count(start: number, end: number): number {
    return this.text.slice(start + 1, end).split(SEPARATOR).length;
  }

  /** Field `i` of the current line (-1: the bill has no such column, ''). */
  cell(i: number): string {
    if (i < 0) return '';
    const start = this.at[2 * i];
    const end = this.at[2 * i + 1];
    if (start === end) return '';
    return this.wide[i] === this.no ? this.bytes.toString('utf8', start, end) : this.text.slice(start, end);
  }

  /** Whether field `i` is a time, 'yyyy-MM-dd HH:mm:ss' in ASCII digits, read in place. */
  isTime(i: number): boolean {
    const start = this.at[2 * i];
    if (this.at[2 * i + 1] - start !== TIME.length) return false;
    const bytes = this.bytes;
    for (let k = 0; k < TIME.length; k++) {
      const c = bytes[start + k];
      const expected = TIME[k];
      if (expected === 48 ? c < 48 || c > 57 : c !== expected) return false;
    }
    return true;
  }

  /** Field `i` (a column index, -1: none) as integer units of 10^-scale; empty is 0, NaN if no amount. */
  units(i: number, scale: number): number {
    if (i < 0) return 0;
    const start = this.at[2 * i];
    const end = this.at[2 * i + 1];
    return start === end ? 0 : unitsIn(this.bytes, start, end, scale);
  }
}
