import * as z from 'zod';
import { describe, expect, it } from 'vitest';
import { outputSchemaFor, passthroughSchema } from '../../frontend/mcp/json-schema-passthrough.js';
import { toToolResult } from '../../frontend/mcp/tool-result.js';

describe('toToolResult', () => {
  it('sends an object result as structuredContent plus the same JSON as text', () => {
    expect(toToolResult('m', { id: '1', status: 'ok', result: { a: 1 } }, false)).toEqual({
      structuredContent: { a: 1 },
      content: [{ type: 'text', text: '{"a":1}' }],
    });
  });

  it('wraps the result of a method whose schema is not an object', () => {
    for (const value of [0.25, 'x', [1], null, { a: 1 }]) {
      expect(
        toToolResult('m', { id: '1', status: 'ok', result: value }, true).structuredContent,
      ).toEqual({ result: value });
    }
  });

  it('turns an error reply into isError with the message and code', () => {
    const result = toToolResult(
      'instrument_query',
      {
        id: '1',
        status: 'error',
        code: 'TIMEOUT',
        error: 'instrument at address 5 on bench-a did not answer MEAS:VOLT:DC? within 3000 ms',
      },
      false,
    );
    expect(result).toEqual({
      isError: true,
      content: [
        {
          type: 'text',
          text: 'instrument_query failed: instrument at address 5 on bench-a did not answer MEAS:VOLT:DC? within 3000 ms [TIMEOUT]',
        },
      ],
    });
  });
});

describe('schemas from describe', () => {
  it('publishes the worker schema verbatim and lets the worker validate', () => {
    const worker = {
      type: 'object',
      properties: { x: { type: 'number', minimum: 0 } },
      required: ['x'],
      additionalProperties: false,
    };
    const schema = passthroughSchema(worker);
    expect(z.toJSONSchema(schema)).toMatchObject(worker);
    expect(schema.safeParse({ x: -1, extra: true }).success).toBe(true);
  });

  it('wraps non-object output schemas and re-points recursive references', () => {
    expect(outputSchemaFor({ type: 'object', properties: {} })).toEqual({
      type: 'object',
      properties: {},
    });
    const json = z.toJSONSchema(z.json()) as Record<string, unknown>;
    const wrapped = outputSchemaFor(json);
    expect(wrapped).toMatchObject({
      type: 'object',
      required: ['result'],
      'x-fastmcp-wrap-result': true,
    });
    expect(JSON.stringify(wrapped)).not.toContain('"$ref":"#"');
    expect(JSON.stringify(wrapped)).toContain('"$ref":"#/properties/result"');
  });
});
