import { describe, expect, it } from 'vitest';
import { decodeReply, decodeRequest, errorReply } from '../../protocol/index.js';

describe('decodeRequest', () => {
  it('reads a well-formed request and defaults missing params to {}', () => {
    expect(decodeRequest('{"id":"a","method":"health","params":{"x":1}}')).toEqual({
      ok: true,
      request: { id: 'a', method: 'health', params: { x: 1 } },
    });
    expect(decodeRequest(Buffer.from('{"id":"a","method":"health"}'))).toEqual({
      ok: true,
      request: { id: 'a', method: 'health', params: {} },
    });
  });

  // Every class of malformed envelope, with the part of the message that must name the problem.
  const cases: Array<[string, string, string | null, RegExp]> = [
    ['bytes that are not JSON', 'not json', null, /not valid JSON/],
    ['empty message', '', null, /not valid JSON/],
    [
      'NaN token (Python allow_nan)',
      '{"id":"a","method":"m","params":{"v":NaN}}',
      null,
      /not valid JSON/,
    ],
    ['JSON array', '[1,2]', null, /must be a JSON object.*an array/],
    ['JSON string', '"health"', null, /must be a JSON object.*a string/],
    ['JSON null', 'null', null, /must be a JSON object.*null/],
    ['missing id', '{"method":"health"}', null, /"id" must be a non-empty string.*missing/],
    [
      'numeric id',
      '{"id":7,"method":"health"}',
      null,
      /"id" must be a non-empty string.*a number 7/,
    ],
    ['empty id', '{"id":"","method":"health"}', null, /"id" must be a non-empty string/],
    ['overlong id', JSON.stringify({ id: 'x'.repeat(257), method: 'health' }), null, /at most 256/],
    ['missing method', '{"id":"a"}', 'a', /"method" must be a non-empty string.*missing/],
    [
      'numeric method',
      '{"id":"a","method":1}',
      'a',
      /"method" must be a non-empty string.*a number/,
    ],
    [
      'params a list',
      '{"id":"a","method":"m","params":[1]}',
      'a',
      /"params" must be a JSON object; got an array/,
    ],
    [
      'params a string',
      '{"id":"a","method":"m","params":"x"}',
      'a',
      /"params" must be a JSON object; got a string/,
    ],
    [
      'params null',
      '{"id":"a","method":"m","params":null}',
      'a',
      /"params" must be a JSON object; got null/,
    ],
  ];
  it.each(cases)('refuses %s with BAD_ENVELOPE', (_, raw, id, message) => {
    const decoded = decodeRequest(raw);
    expect(decoded.ok).toBe(false);
    if (decoded.ok) return;
    expect(decoded.id).toBe(id);
    expect(decoded.error.code).toBe('BAD_ENVELOPE');
    expect(decoded.error.message).toMatch(message);
  });
});

describe('replies', () => {
  it('builds error replies with code and data, and decodes both kinds', () => {
    const reply = errorReply('a', {
      code: 'INVALID_PARAMS',
      message: 'bad',
      data: { path: ['params', 'x'] },
    });
    expect(reply).toEqual({
      id: 'a',
      status: 'error',
      error: 'bad',
      code: 'INVALID_PARAMS',
      data: { path: ['params', 'x'] },
    });
    expect(decodeReply(JSON.stringify(reply))).toEqual(reply);
    expect(decodeReply('{"id":"b","status":"ok","result":[1]}')).toEqual({
      id: 'b',
      status: 'ok',
      result: [1],
    });
  });

  it('rejects a reply with a code outside the closed set', () => {
    expect(() => decodeReply('{"id":"a","status":"error","error":"x","code":"OOPS"}')).toThrow(
      /not a reply envelope/,
    );
  });
});
