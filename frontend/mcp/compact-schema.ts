import type { JsonSchema } from '../../protocol/index.js';
import { isObjectSchema, outputSchemaFor } from './json-schema-passthrough.js';

/**
 * What a tool's definition costs an agent's context is paid on every turn (issue: 151 tools in
 * 206 KB). The worker's schemas stay whole on the wire (`describe`); what MCP lists is trimmed
 * of what says nothing to a model: zod's ±(2⁵³ − 1) bounds on every integer, which no one chose,
 * and — unless a config asks for them — output schemas, which clients do not show a model. A
 * result that is not an object keeps the small wrapper schema FastMCP (EAA's client) unwraps.
 */
export function compactInputSchema(schema: JsonSchema): JsonSchema {
  return withoutSafeIntegerBounds(schema) as JsonSchema;
}

export function listedOutputSchema(result: JsonSchema, full: boolean): JsonSchema | undefined {
  if (full) return outputSchemaFor(result);
  if (isObjectSchema(result)) return undefined;
  return {
    type: 'object',
    properties: { result: {} },
    required: ['result'],
    'x-fastmcp-wrap-result': true,
  };
}

function withoutSafeIntegerBounds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSafeIntegerBounds);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (
      (key === 'minimum' || key === 'maximum') &&
      typeof item === 'number' &&
      Math.abs(item) === Number.MAX_SAFE_INTEGER
    ) {
      continue;
    }
    out[key] = withoutSafeIntegerBounds(item);
  }
  return out;
}
