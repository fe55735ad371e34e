import { expect, it } from 'vitest';
import {
  markPlain,
  markPlainParsed,
  serializeWithSplices,
  stringifyWithSplices,
} from '../../protocol/splice-json.js';

const long = (unit: string) => unit.repeat(Math.ceil(70_000 / unit.length));

it('gives byte for byte what JSON.stringify gives, whatever the long strings hold', () => {
  const base64 = Buffer.alloc(60_000, 0xa7).toString('base64');
  const values = [
    { data: base64 },
    // The same string twice (EAA's two payload forms share one base64 string).
    { data: base64, encoded_data: { type: 'array', data: base64, shape: [1, 2] } },
    { quote: long('ab"c'), backslash: long('a\\b'), control: long('a\u0001b\n') },
    { latin1: long('é'), astral: long('𝄞'), lone: long('a\ud800b'), del: long('a\u007f') },
    [long('x'), 1.5, null, true, { nested: [long('y'), 'short'] }],
    // A string that looks like a splice marker must stay what it is.
    { marker: 'deadbeef:0', data: long('z') },
    long('bare string at the top'),
    { small: 'only short strings', n: [1, 2, 3] },
  ];
  for (const value of values) {
    expect(stringifyWithSplices(value)).toBe(JSON.stringify(value));
    // The bytes, written part by part, are the UTF-8 of the same text.
    expect(serializeWithSplices(value, '{"r":', '}\n')).toEqual(
      Buffer.from(`{"r":${JSON.stringify(value)}}\n`),
    );
  }
});

it('trusts a plain mark once, and a parsed mark only where the JSON proves it', () => {
  const base64 = Buffer.alloc(60_000, 0x11).toString('base64');
  markPlain(base64);
  expect(serializeWithSplices({ data: base64 })).toEqual(
    Buffer.from(JSON.stringify({ data: base64 })),
  );
  // Strings parsed from JSON without a backslash hold nothing to escape; with one they may.
  for (const value of [{ data: long('plain') }, { data: long('q"q'), ctl: long('a\n') }]) {
    const frame = Buffer.from(JSON.stringify(value));
    const parsed = JSON.parse(frame.toString());
    markPlainParsed(frame, parsed);
    expect(serializeWithSplices(parsed)).toEqual(frame);
  }
  // Non-ASCII is never marked: its Latin-1 bytes would not be its UTF-8.
  const accented = JSON.stringify({ data: long('é') });
  const parsed = JSON.parse(accented);
  markPlainParsed(Buffer.from(accented), parsed);
  expect(serializeWithSplices(parsed)).toEqual(Buffer.from(accented));
});

it('round-trips a large payload through JSON.parse', () => {
  const data = Buffer.alloc(3 << 20, 0x3c).toString('base64');
  const value = { encoding: 'numpy_base64', dtype: 'float32', shape: [1024, 768], data };
  expect(JSON.parse(stringifyWithSplices(value))).toEqual(value);
});
