import { expect, it } from 'vitest';
import { stringifyWithSplices } from '../../worker/splice-json.js';

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
  }
});

it('round-trips a large payload through JSON.parse', () => {
  const data = Buffer.alloc(3 << 20, 0x3c).toString('base64');
  const value = { encoding: 'numpy_base64', dtype: 'float32', shape: [1024, 768], data };
  expect(JSON.parse(stringifyWithSplices(value))).toEqual(value);
});
