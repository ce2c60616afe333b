/**
 * One block of bill lines and the fields of its current detail line, read in place. The block's UTF-8
 * bytes are also read as Latin-1 text: a plain copy, one character per byte, so an offset in the text
 * is an offset in the bytes. Separators are searched in the text (indexOf is memchr-fast); single
 * characters (amounts, times, a separator's comma) are read from the bytes, several times faster
 * than charCodeAt. Nearly every field is ASCII, where Latin-1 and UTF-8 agree; the few holding bytes
 * >= 0x80 (商品名称, mostly) are decoded as UTF-8 from the bytes instead. Whole lines are cut at a
 * line feed, so a block never splits a character. A block given as a string is encoded first.
 */
import { unitsIn } from './money';

const SEPARATOR = ',`';
const COMMA = 44;
/** The top bit of each byte of a 32-bit word, as the int32 that `&` yields. */
const HIGH_BITS = 0x80808080 | 0;
/** Past any offset in a block (and a small integer for V8): ends the list of wide runs. */
const NONE = 0x3fffffff;
/** 'yyyy-MM-dd HH:mm:ss': '0' stands for any ASCII digit. */
const TIME = '0000-00-00 00:00:00';

export class Cells {
  /** The block's bytes as Latin-1 text: one character per byte. */
  text = '';
  /** The block as UTF-8. */
  bytes: Buffer = Buffer.alloc(0);
  /** Where each run of bytes >= 0x80 in the block starts, in order, then NONE. */
  private wideAt = new Int32Array(1024);
  /** The first entry of wideAt that may lie in the current line or after it. */
  private nextWide = 0;
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
    this.nextWide = 0;
    this.text = bytes.toString('latin1');
    this.bytes = bytes;
    this.findWide(bytes);
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
    const text = this.text;
    const bytes = this.bytes;
    const at = this.at;
    const last = (at.length >> 1) - 1;
    let from = start + 1;
    for (let i = 0; i < last; i++) {
      const sep = separatorAt(text, bytes, from);
      if (sep < 0 || sep >= end) return false;
      at[2 * i] = from;
      at[2 * i + 1] = sep;
      from = sep + 2;
    }
    const extra = separatorAt(text, bytes, from);
    if (extra >= 0 && extra < end) return false;
    at[2 * last] = from;
    at[2 * last + 1] = end;
    this.no = no;
    // Mark the fields where a run of bytes >= 0x80 starts (separators are ASCII: no run crosses one).
    const wideAt = this.wideAt;
    let w = this.nextWide;
    while (wideAt[w] < start) w++;
    for (let col = 0; wideAt[w] < end; w++) {
      while (at[2 * col + 1] <= wideAt[w]) col++;
      this.wide[col] = no;
    }
    this.nextWide = w;
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
      const expected = TIME.charCodeAt(k);
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

  /** Fills wideAt for `bytes`, four bytes at a time where they are aligned. */
  private findWide(bytes: Buffer): void {
    const n = bytes.length;
    if (this.wideAt.length < (n >> 1) + 2) this.wideAt = new Int32Array((n >> 1) + 2);
    const wideAt = this.wideAt;
    let count = 0;
    let inRun = false;
    const head = Math.min(n, (4 - (bytes.byteOffset & 3)) & 3);
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset + head, (n - head) >> 2);
    const tail = head + words.length * 4;
    for (let i = 0; i < head; i++) {
      const high = bytes[i] >= 0x80;
      if (high && !inRun) wideAt[count++] = i;
      inRun = high;
    }
    // Four words (16 bytes) at a time while outside a run: most of a bill is ASCII, and fewer
    // iterations matter most while this loop still runs in V8's interpreter (a bill's first blocks).
    const lastQuad = words.length - 4;
    for (let w = 0; w < words.length; w++) {
      if (
        !inRun &&
        w <= lastQuad &&
        ((words[w] | words[w + 1] | words[w + 2] | words[w + 3]) & HIGH_BITS) === 0
      ) {
        w += 3;
        continue;
      }
      const bits = words[w] & HIGH_BITS;
      if (bits === 0 ? !inRun : inRun && bits === HIGH_BITS) continue;
      for (let i = head + w * 4, end = i + 4; i < end; i++) {
        const high = bytes[i] >= 0x80;
        if (high && !inRun) wideAt[count++] = i;
        inRun = high;
      }
    }
    for (let i = tail; i < n; i++) {
      const high = bytes[i] >= 0x80;
      if (high && !inRun) wideAt[count++] = i;
      inRun = high;
    }
    wideAt[count] = NONE;
  }
}

/**
 * text.indexOf(',`', from), by a search for the backquote alone (memchr-fast in V8), then a look at the
 * character before it.
 */
function separatorAt(text: string, bytes: Uint8Array, from: number): number {
  let tick = text.indexOf('`', from + 1);
  while (tick > 0 && bytes[tick - 1] !== COMMA) tick = text.indexOf('`', tick + 1);
  return tick < 0 ? -1 : tick - 1;
}
