/** @jest-environment node */
/**
 * The database decodes every request value and every stored document with `decodeValue`, a one-walk
 * decoder; it must give exactly what bson's `EJSON.deserialize` and the sandbox's normalising give
 * (`decodeReference`), value for value and error for error, on canonical documents, on every tag bson
 * knows, and on values built to trip a hand-written decoder.
 */
import { Binary, Decimal128, EJSON, Long, ObjectId } from 'bson';
import { decodeReference, decodeValue, stringifyEJSON } from '../../sandbox/cloud/values';
import { SandboxError } from '../../sandbox/errors';

const NOW = Date.UTC(2030, 0, 1, 8);

/** Everything that tells two decoded values apart: types, -0, key order, prototypes, dates, regexps. */
function shape(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'number') return Object.is(v, -0) ? 'num:-0' : `num:${v}`;
  if (typeof v !== 'object') return `${typeof v}:${JSON.stringify(v)}`;
  if (v instanceof Date) return `date:${v.getTime()}`;
  if (v instanceof RegExp) return `regexp:${v.source}/${v.flags}`;
  if (Array.isArray(v)) return `[${v.map(shape).join(',')}]`;
  const proto = Object.getPrototypeOf(v) as object | null;
  if (proto !== Object.prototype && proto !== null && proto.constructor !== Object) {
    return `${proto.constructor.name}:${EJSON.stringify(v as Record<string, unknown>, { relaxed: false })}`;
  }
  const fields = Object.keys(v).map(
    (k) => `${JSON.stringify(k)}:${shape((v as Record<string, unknown>)[k])}`,
  );
  const own = proto === Object.prototype ? '' : `proto(${shape(proto)})`;
  return `{${fields.join(',')}}${own}`;
}

type Outcome = { value: string } | { error: string };

function outcome(decode: typeof decodeValue, raw: unknown): Outcome {
  try {
    return { value: shape(decode(raw, 'data', NOW)) };
  } catch (err) {
    const code = err instanceof SandboxError ? err.code : 'CRASH';
    return { error: `${code}: ${(err as Error).message}` };
  }
}

const expectSame = (raw: unknown) => expect(outcome(decodeValue, raw)).toEqual(outcome(decodeReference, raw));

/** JSON text as a request or the store holds it, parsed as the database parses it. */
const parsed = (text: string) => JSON.parse(text) as unknown;

describe('decodeValue gives what bson and normalising give', () => {
  it('on canonical documents of every type the SDK sends', () => {
    const doc = {
      _id: 'o1',
      n: 1600,
      neg: -7,
      zero: 0,
      big: 2 ** 40,
      huge: 2 ** 60,
      ratio: 0.1,
      nested: { at: new Date(1.7e12), list: [1, 'two', { three: 3.5 }, [new Date(-1)]] },
      early: new Date(-62135596800000),
      late: new Date(8.64e15),
      re: /^a.b$/imsu,
      id: new ObjectId('65f1a2b3c4d5e6f708192a3b'),
      bin: new Binary(Buffer.from('hi')),
      dec: Decimal128.fromString('1.10'),
      long: Long.fromString('9007199254740993'),
      t: true,
      none: null,
      empty: {},
      emptyList: [],
      text: '乌龙茶 \u2028',
    };
    const text = stringifyEJSON(doc);
    expectSame(parsed(text));
    expect(shape(decodeValue(parsed(text), 'data', NOW))).toContain('date:1700000000000');
  });

  it.each([
    ['a $numberInt', '{"a":{"$numberInt":"42"}}'],
    ['a $numberInt that is no number', '{"a":{"$numberInt":"4x2"}}'],
    ['a $numberInt given as a number', '{"a":{"$numberInt":42}}'],
    ['a null $numberInt', '{"a":{"$numberInt":null}}'],
    ['a $numberDouble of -0.0', '{"a":{"$numberDouble":"-0.0"}}'],
    ['$numberDouble NaN and Infinity', '[{"$numberDouble":"NaN"},{"$numberDouble":"-Infinity"}]'],
    [
      'a $numberLong at the edge of safe',
      '[{"$numberLong":"999999999999999"},{"$numberLong":"-999999999999999"}]',
    ],
    ['a $numberLong beyond safe', '{"a":{"$numberLong":"9007199254740993"}}'],
    ['a $numberLong of -0', '{"a":{"$numberLong":"-0"}}'],
    ['a $numberLong with a plus sign', '{"a":{"$numberLong":"+5"}}'],
    ['a $numberLong with leading zeros', '{"a":{"$numberLong":"007"}}'],
    ['a $numberLong that is too long', '{"a":{"$numberLong":"123456789012345678901"}}'],
    ['a $numberLong in words', '{"a":{"$numberLong":"five"}}'],
    ['a $date of a $numberLong', '{"a":{"$date":{"$numberLong":"1700000000000"}}}'],
    ['a $date beyond the range of Date', '{"a":{"$date":{"$numberLong":"8640000000000001"}}}'],
    ['a $date as ISO text', '{"a":{"$date":"2024-03-15T10:00:00.000Z"}}'],
    ['a $date that is not a date', '{"a":{"$date":"yesterday"}}'],
    ['a $date of a number', '{"a":{"$date":1700000000000}}'],
    ['a $date with a second field', '{"a":{"$date":{"$numberLong":"1"},"b":1}}'],
    ['a $date whose $numberLong has a neighbour', '{"a":{"$date":{"$numberLong":"1","x":2}}}'],
    ['a $date of a list', '{"a":{"$date":["1"]}}'],
    ['a tag beside other fields', '{"a":{"$numberInt":"1","b":2}}'],
    ['two tags', '{"a":{"$numberInt":"1","$numberLong":"2"}}'],
    ['a regular expression', '{"a":{"$regularExpression":{"pattern":"^x","options":"ix"}}}'],
    ['an invalid regular expression', '{"a":{"$regularExpression":{"pattern":"(","options":""}}}'],
    [
      'an ObjectId and a binary',
      '[{"$oid":"65f1a2b3c4d5e6f708192a3b"},{"$binary":{"base64":"aGk=","subType":"00"}}]',
    ],
    ['an ObjectId that is too short', '{"a":{"$oid":"65f1"}}'],
    ['$undefined', '{"a":{"$undefined":true}}'],
    ['a DBRef', '{"a":{"$ref":"orders","$id":"o1"}}'],
    ['an unknown $ field', '{"a":{"$where":"1"}}'],
    ['a server date', '{"a":{"$tcb_server_date":{"offset":1000}}}'],
    ['a server date with a bad offset', '{"a":{"$tcb_server_date":{"offset":"soon"}}}'],
    ['a server date inside a list', '{"a":[{"b":{"$tcb_server_date":{}}}]}'],
    ['a field name with NUL', '{"a":{"b\\u0000c":1}}'],
    ['a NUL field name inside a tag', '{"a":{"$date":{"$numberLong":"1","\\u0000":1}}}'],
    ['two faults, an invalid date before a bad $numberLong', '{"a":{"$date":"x"},"b":{"$numberLong":"y"}}'],
    ['two faults, a NUL name after a server date', '{"a":{"$tcb_server_date":{"offset":"x"}},"b\\u0000":1}'],
    ['a __proto__ field', '{"__proto__":{"polluted":true},"a":1}'],
    ['a __proto__ field of a primitive', '{"__proto__":5,"a":1}'],
    ['a constructor field', '{"constructor":{"prototype":1}}'],
    ['-0 and exponents', '[-0, 1e21, 1e-7, -1.5e300]'],
    ['a bare string, number, true and null', '["s", 3, true, null]'],
  ])('on %s', (_name, text) => expectSame(parsed(text)));

  it('on values that JSON itself would change, as from a seed or a dashboard edit', () => {
    expectSame({ at: new Date(1.7e12) });
    expectSame({ gone: undefined, kept: 1 });
    expectSame([undefined, NaN, Infinity, -0]);
    expectSame({ n: -0 });
    expectSame({ big: BigInt(1) });
    expectSame({ buf: Buffer.from('x') });
    expectSame({ id: new ObjectId('65f1a2b3c4d5e6f708192a3b') });
    expectSame({ nested: { map: new Map([['a', 1]]) } });
    expectSame(Object.create(null) as unknown);
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expectSame(cyclic);
  });

  it('on 3,000 random values built from the tags, names and texts that matter', () => {
    let seed = 0x5eed;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const pick = <T>(list: readonly T[]): T => list[rand(list.length)];
    // No $oid: bson makes a new ObjectId of a number, a different one each call (hand-picked above).
    const KEYS = ['a', 'b', '_id', '$numberInt', '$numberLong', '$numberDouble', '$date', '$undefined'];
    const MORE_KEYS = [
      '$regularExpression',
      '$tcb_server_date',
      '$ref',
      '$id',
      '__proto__',
      'x\u0000',
      '$where',
    ];
    const TEXTS = ['5', '-0', '0', '+1', '007', '1.5', '-0.0', 'NaN', 'abc', '9007199254740993', ''];
    const MORE_TEXTS = [
      '12345678901234567890123',
      '2024-03-15T10:00:00Z',
      '65f1a2b3c4d5e6f708192a3b',
      '乌龙',
    ];
    const texts = [...TEXTS, ...MORE_TEXTS];
    const keys = [...KEYS, ...MORE_KEYS];
    const value = (depth: number): unknown => {
      const kind = rand(depth > 3 ? 4 : 8);
      if (kind === 0) return pick(texts);
      if (kind === 1) return pick([0, -0, 1, -1, 0.5, 2 ** 31, 2 ** 53, 1e300, -7]);
      if (kind === 2) return pick([true, false, null]);
      if (kind === 3) return { [pick(keys)]: pick(texts) };
      if (kind === 4) return Array.from({ length: rand(3) }, () => value(depth + 1));
      if (kind === 5) return { $date: pick([{ $numberLong: pick(texts) }, pick(texts), 5]) };
      const obj: Record<string, unknown> = {};
      for (let i = rand(3); i >= 0; i--) obj[pick(keys)] = value(depth + 1);
      return obj;
    };
    const outcomes = { values: 0, errors: 0 };
    for (let i = 0; i < 3000; i++) {
      // Through JSON text, as requests and stored documents arrive.
      const raw = parsed(JSON.stringify(value(0)));
      const expected = outcome(decodeReference, raw);
      expect(outcome(decodeValue, raw)).toEqual(expected);
      if ('error' in expected) outcomes.errors++;
      else outcomes.values++;
    }
    // Both sides were exercised, or the comparison proved half of what it claims.
    expect(outcomes.values).toBeGreaterThan(500);
    expect(outcomes.errors).toBeGreaterThan(100);
  });
});
