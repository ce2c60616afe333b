/**
 * Bill text as a stream of lines, whatever form it arrives in: the string downloadBill returns, the
 * gzip Buffer it returns with tarType GZIP, or chunks (a file stream, an HTTP body). Only one chunk
 * and one partial line are held at a time, so memory does not grow with the bill.
 */
import { Readable, pipeline } from 'stream';
import { TextDecoder } from 'util';
import { createGunzip } from 'zlib';
import { BillFormatError } from './errors';

/** What parseBill reads. Bytes may be UTF-8 text or gzip (recognised by its magic number). */
export type BillInput = string | Uint8Array | AsyncIterable<Uint8Array | string>;

/** Text is handed on in pieces of this many characters (strings) or bytes (buffers). */
const PIECE = 256 * 1024;

const isGzip = (bytes: Uint8Array): boolean => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

function* slicesOf(bytes: Uint8Array): Generator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += PIECE) yield bytes.subarray(i, i + PIECE);
}

/** Decompresses a byte stream; zlib errors (code Z_*) surface from the returned iterable. */
function gunzip(source: Iterable<Uint8Array> | AsyncIterable<Uint8Array | string>): AsyncIterable<Buffer> {
  const unzip = createGunzip();
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

/** UTF-8 decoding that keeps a character split across chunks whole. */
async function* decode(
  source: Iterable<Uint8Array> | AsyncIterable<Uint8Array | string>,
): AsyncGenerator<string> {
  // ignoreBOM: keep a BOM in the text, where the parser expects (and drops) it.
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  for await (const chunk of source) {
    if (typeof chunk === 'string') {
      const pending = decoder.decode();
      if (pending) yield pending;
      yield chunk;
    } else {
      const text = decoder.decode(chunk, { stream: true });
      if (text) yield text;
    }
  }
  const tail = decoder.decode();
  if (tail) yield tail;
}

/** The bill text in pieces. */
export async function* textPieces(input: BillInput): AsyncGenerator<string> {
  if (typeof input === 'string') {
    for (let i = 0; i < input.length; i += PIECE) yield input.slice(i, i + PIECE);
  } else if (input instanceof Uint8Array) {
    yield* decode(isGzip(input) ? gunzip(slicesOf(input)) : slicesOf(input));
  } else {
    const { head, gzip, rest } = await peek(input);
    const all = replay(head, rest);
    yield* decode(gzip ? gunzip(all) : all);
  }
}

/**
 * Cuts text pieces into lines (LF or CRLF, a CR and its LF may fall in different pieces), numbered
 * from 1. A line longer than `maxLength` is refused rather than buffered without end.
 */
export class LineSplitter {
  /** Number of the last line handed out. */
  lineNo = 0;
  private partial = '';

  constructor(private readonly maxLength: number) {}

  *push(piece: string): Generator<string> {
    const text = this.partial + piece;
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      this.lineNo++;
      yield text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
      start = end + 1;
    }
    this.partial = text.slice(start);
    if (this.partial.length > this.maxLength) {
      throw new BillFormatError(this.lineNo + 1, `the line is longer than ${this.maxLength} characters`);
    }
  }

  /** The last line, when the text does not end with a line break. */
  *end(): Generator<string> {
    const last = this.partial;
    this.partial = '';
    if (last) {
      this.lineNo++;
      yield last.charCodeAt(last.length - 1) === 13 ? last.slice(0, -1) : last;
    }
  }
}
