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

describe('large results and images', () => {
  it('elides long strings from the text block of a result over 1 MiB, never from structuredContent', () => {
    const data = 'A'.repeat(2 << 20);
    const result = toToolResult(
      'get_image_array_payload',
      { id: '1', status: 'ok', result: { dtype: 'float32', data } },
      false,
    );
    expect((result.structuredContent as { data: string }).data).toBe(data);
    expect(JSON.parse((result.content[0] as { text: string }).text)).toEqual({
      dtype: 'float32',
      data: `<${data.length} characters: see structuredContent>`,
    });
  });

  it.each([
    [
      'encoded_data (EAA era E)',
      { encoded_data: { type: 'array', dtype: 'float32', shape: [2, 3] } },
    ],
    ['numpy_base64 (eras B–D)', { encoding: 'numpy_base64', dtype: 'float32', shape: [2, 3] }],
  ])(
    'describes a %s payload in the text block, whatever its size: the pixels travel once',
    (_, form) => {
      const data = Buffer.alloc(24, 7).toString('base64');
      const payload = JSON.parse(JSON.stringify(form));
      const fields = payload.encoded_data ?? payload;
      fields.data = data;
      const result = toToolResult(
        'get_attribute_payload',
        { id: '1', status: 'ok', result: payload },
        true,
      );
      expect(result.structuredContent).toEqual({ result: payload });
      const text = JSON.parse((result.content[0] as { text: string }).text);
      expect(text.encoded_data ?? text).toEqual({
        ...fields,
        data: '<float32 [2, 3], 24 bytes: base64 in structuredContent>',
      });
    },
  );

  it("describes a device's binary result (Asyncroscopy's encoding base64) the same way", () => {
    const payload = Buffer.alloc(10, 1).toString('base64');
    const result = toToolResult(
      'EELS_acquire',
      { id: '1', status: 'ok', result: { encoding: 'base64', metadata: { shape: [10] }, payload } },
      false,
    );
    expect(JSON.parse((result.content[0] as { text: string }).text)).toEqual({
      encoding: 'base64',
      metadata: { shape: [10] },
      payload: '<10 bytes: base64 in structuredContent>',
    });
  });

  it('moves mcp_images into image content blocks and out of structuredContent and the schema', () => {
    const result = toToolResult(
      'acquire_image',
      {
        id: '1',
        status: 'ok',
        result: { img_path: '/a.png', mcp_images: [{ mime_type: 'image/png', data: 'iVBOR' }] },
      },
      false,
    );
    expect(result.structuredContent).toEqual({ img_path: '/a.png' });
    expect(result.content[1]).toEqual({ type: 'image', mimeType: 'image/png', data: 'iVBOR' });
    const schema = outputSchemaFor({
      type: 'object',
      properties: { img_path: { type: 'string' }, mcp_images: { type: 'array' } },
      required: ['img_path'],
    });
    expect(schema).toEqual({
      type: 'object',
      properties: { img_path: { type: 'string' } },
      required: ['img_path'],
    });
  });
});
