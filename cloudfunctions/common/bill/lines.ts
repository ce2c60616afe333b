/**
 * Bill text in blocks of whole lines, whatever form it arrives in: the string downloadBill returns,
 * the gzip Buffer it returns with tarType GZIP, or chunks (a file stream, an HTTP body). Bytes are cut
 * at their last line feed (a LF byte is never inside a UTF-8 character) and handed on as bytes, for the
 * reader to decode (cells.ts), so a block never splits a line or a character. Only one chunk and one
 * partial line are held at a time, so memory does not grow with the bill.
 */
import { Readable, pipeline, type TransformOptions } from 'stream';
import { TextDecoder } from 'util';
import { createGunzip, type ZlibOptions } from 'zlib';

/** What parseBill reads. Bytes may be UTF-8 text or gzip (recognised by its magic number). */
export type BillInput = string | Uint8Array | AsyncIterable<Uint8Array | string>;

/** Text is handed on in blocks of about this many characters (strings) or bytes (buffers). */
export const PIECE = 64 * 1024;

/** A partial line grew past the longest line accepted; the parser knows which line that is. */
export class LineTooLong extends Error {
  constructor(readonly maxLength: number) {
    super(`the line is longer than ${maxLength} characters`);
  }
}

const LF = 0x0a;
const isGzip = (bytes: Uint8Array): boolean => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
const asBuffer = (bytes: Uint8Array): Buffer =>
  Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);

function* slicesOf(bytes: Uint8Array): Generator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += PIECE) yield bytes.subarray(i, i + PIECE);
}

/**
 * Inflated bytes come in chunks of this size: each costs the reader a turn of the event loop (zlib
 * works in the thread pool), so fewer, larger ones than PIECE; they are still read PIECE at a time.
 */
const INFLATED = 4 * PIECE;

/** A large chunk (inflated, or an HTTP body's) in PIECE slices; a string or a small chunk as it is. */
function piecesOf(chunk: Uint8Array | string): Iterable<Uint8Array | string> {
  return typeof chunk === 'string' || chunk.length <= PIECE ? [chunk] : slicesOf(chunk);
}

/** Decompresses a byte stream; zlib errors (code Z_*) surface from the returned iterable. */
function gunzip(source: Iterable<Uint8Array> | AsyncIterable<Uint8Array | string>): AsyncIterable<Buffer> {
  // zlib hands its options on to the Transform it is: a 1 MiB readable buffer lets the thread pool
  // inflate a few chunks ahead while the reader parses, instead of one (16 KiB by default).
  const options: ZlibOptions & TransformOptions = {
    chunkSize: INFLATED,
    readableHighWaterMark: 4 * INFLATED,
  };
  const unzip = createGunzip(options);
  // The callback only swallows the duplicate report: the error also destroys `unzip`, whose
  // iteration then throws it.
  pipeline(Readable.from(source), unzip, () => undefined);
  return unzip;
}

/** The first chunks of a stream, merged until there are 2 bytes to look for the gzip magic. */
async function peek(
  source: AsyncIterable<Uint8Array | string>,
): Promise<{ head: Array<Uint8Array | string>; gzip: boolean; rest: AsyncIterator<Uint8Array | string> }> {
  const rest = source[Symbol.asyncIterator]();
  const head: Array<Uint8Array | string> = [];
  let bytes = 0;
  while (bytes < 2) {
    const next = await rest.next();
    if (next.done) break;
    head.push(next.value);
    if (typeof next.value === 'string') return { head, gzip: false, rest };
    bytes += next.value.length;
  }
  const first = Buffer.concat(head as Uint8Array[]);
  return { head, gzip: isGzip(first), rest };
}

async function* replay(
  head: Array<Uint8Array | string>,
  rest: AsyncIterator<Uint8Array | string>,
): AsyncGenerator<Uint8Array | string> {
  yield* head;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}

/**
 * Joins chunks into blocks of whole lines. The partial line at the end of each chunk waits for the
 * next one: as bytes (no decoding of half a character) and, once long, as text, so its length in
 * characters can be held against `maxLength`.
 */
class Blocks {
  private text = '';
  private bytes: Buffer[] = [];
  private byteLength = 0;
  /** True while the decoder may hold the first bytes of a character (after a streaming decode). */
  private midCharacter = false;
  // ignoreBOM: keep a BOM in the text, where the parser expects (and drops) it.
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: true });

  constructor(private readonly maxLength: number) {}

  /**
   * The whole lines that `chunk` completes, in up to two blocks: as bytes when the chunk is bytes
   * (the line the waiting bytes begin, then the rest of the chunk's lines as a view, not a copy), as
   * text when it is a string or once a long partial line has been decoded to count its characters.
   */
  push(chunk: Uint8Array | string): Array<string | Buffer> {
    if (typeof chunk === 'string') {
      const text = this.text + this.flushBytes() + chunk;
      const lf = text.lastIndexOf('\n');
      this.text = text.slice(lf + 1);
      this.check();
      return lf < 0 ? [] : [text.slice(0, lf + 1)];
    }
    const buf = asBuffer(chunk);
    const lf = buf.lastIndexOf(LF);
    if (lf < 0) {
      this.bytes.push(buf);
      this.byteLength += buf.length;
      if (this.text.length + this.byteLength > this.maxLength) {
        this.text += this.decoder.decode(this.takeBytes(), { stream: true });
        this.midCharacter = true;
        this.check();
      }
      return [];
    }
    let blocks: Array<string | Buffer>;
    if (this.text || this.midCharacter) {
      const lines = this.takeBytes(buf.subarray(0, lf + 1));
      blocks = [this.text + this.decode(lines)];
      this.text = '';
    } else if (this.byteLength) {
      const first = buf.indexOf(LF);
      const carried = this.takeBytes(buf.subarray(0, first + 1));
      blocks = first < lf ? [carried, buf.subarray(first + 1, lf + 1)] : [carried];
    } else {
      blocks = [buf.subarray(0, lf + 1)];
    }
    if (lf + 1 < buf.length) {
      this.bytes.push(buf.subarray(lf + 1));
      this.byteLength = buf.length - lf - 1;
    }
    return blocks;
  }

  /** The last line, when the input does not end with a line break. */
  end(): string | Buffer {
    if (!this.text && !this.midCharacter) return this.takeBytes();
    const last = this.text + this.flushBytes();
    this.text = '';
    return last;
  }

  private check(): void {
    if (this.text.length > this.maxLength) throw new LineTooLong(this.maxLength);
  }

  /** The waiting bytes (and `more`) in one buffer; none wait afterwards. */
  private takeBytes(more?: Buffer): Buffer {
    const all = Buffer.concat(more ? [...this.bytes, more] : this.bytes);
    this.bytes = [];
    this.byteLength = 0;
    return all;
  }

  /** Bytes to text, ending with a whole character (a line feed, or the end of the input). */
  private decode(bytes: Buffer): string {
    if (!this.midCharacter) return bytes.toString('utf8');
    this.midCharacter = false;
    return this.decoder.decode(bytes);
  }

  /** Whatever bytes wait, decoded to the end (an incomplete character becomes U+FFFD). */
  private flushBytes(): string {
    return this.byteLength || this.midCharacter ? this.decode(this.takeBytes()) : '';
  }
}

/** Whole lines of a string, in blocks of about PIECE characters (slices: no copying). */
function* stringBlocks(text: string): Generator<string> {
  let pos = 0;
  while (pos < text.length) {
    let next = Math.min(pos + PIECE, text.length);
    if (next < text.length) {
      const lf = text.lastIndexOf('\n', next - 1);
      const far = lf >= pos ? lf : text.indexOf('\n', next);
      next = far < 0 ? text.length : far + 1;
    }
    yield text.slice(pos, next);
    pos = next;
  }
}

/**
 * The bill text in blocks of whole lines (each ending with LF, but the last one may not), as text or
 * UTF-8 bytes, handed out in groups: the blocks one chunk of input completes. A string input is cut
 * in the same way. Throws LineTooLong for a partial line longer than `maxLength`.
 */
export async function* textBlocks(
  input: BillInput,
  maxLength: number,
): AsyncGenerator<Array<string | Buffer>> {
  if (typeof input === 'string') {
    for (const block of stringBlocks(input)) yield [block];
    return;
  }
  let source: Iterable<Uint8Array> | AsyncIterable<Uint8Array | string>;
  if (input instanceof Uint8Array) {
    source = isGzip(input) ? gunzip(slicesOf(input)) : slicesOf(input);
  } else {
    const { head, gzip, rest } = await peek(input);
    const all = replay(head, rest);
    source = gzip ? gunzip(all) : all;
  }
  const blocks = new Blocks(maxLength);
  for await (const chunk of source) {
    for (const piece of piecesOf(chunk)) {
      const lines = blocks.push(piece);
      if (lines.length) yield lines;
    }
  }
  const last = blocks.end();
  if (last.length) yield [last];
}
