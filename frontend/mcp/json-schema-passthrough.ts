import * as z from 'zod';
import { MCP_IMAGES_KEY, type JsonSchema } from '../../protocol/index.js';

/**
 * McpServer.registerTool takes zod schemas, but the frontend learns its tools from the worker's
 * `describe` as JSON Schema. This makes a zod object that accepts any object (the worker is the
 * one validator, and its errors name the field, the value and what is allowed) and whose JSON
 * Schema output is the worker's schema verbatim: zod merges `.meta()` into `toJSONSchema`.
 */
export function passthroughSchema(schema: JsonSchema): z.ZodType {
  return z.looseObject({}).meta(schema);
}

/**
 * True when a result schema always describes a JSON object, so the result is sent as it is: an
 * object, or a union whose every branch is one (a binary result: inline or an artifact).
 */
export function isObjectSchema(schema: JsonSchema): boolean {
  if (schema.type === 'object') return true;
  const branches = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  return Array.isArray(branches) && branches.length > 0 && branches.every(isObjectSchema);
}

/**
 * The MCP output schema for a method's result. An object result is sent as it is; anything else
 * is wrapped as {"result": value}, the FastMCP convention EAA unwraps, and the schema says so.
 * References to the root (`#`, as in recursive JSON types) are re-pointed at the wrapped value.
 */
export function outputSchemaFor(result: JsonSchema): JsonSchema {
  // MCP wants `type: object` at the top of an output schema, beside a union's branches.
  if (isObjectSchema(result)) return withoutImages({ ...result, type: 'object' });
  const { $schema, $defs, ...inner } = result;
  return {
    ...($schema === undefined ? {} : { $schema }),
    type: 'object',
    properties: { result: repointRootRefs(inner) },
    required: ['result'],
    'x-fastmcp-wrap-result': true,
    ...($defs === undefined ? {} : { $defs }),
  };
}

/** Images travel as image content, never in structuredContent: the schema does not list them. */
function withoutImages(schema: JsonSchema): JsonSchema {
  const properties = schema.properties as Record<string, unknown> | undefined;
  if (!properties || !(MCP_IMAGES_KEY in properties)) return schema;
  const { [MCP_IMAGES_KEY]: _images, ...rest } = properties;
  const required = (schema.required as string[] | undefined)?.filter((k) => k !== MCP_IMAGES_KEY);
  return { ...schema, properties: rest, ...(required ? { required } : {}) };
}

function repointRootRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(repointRootRefs);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = key === '$ref' && item === '#' ? '#/properties/result' : repointRootRefs(item);
  }
  return out;
}
