import type { JsonSchema } from './describe.js';

/**
 * A one-line signature for logs, read from JSON Schemas:
 * `HP34401A_measure_voltage_dc(device: "bench-a/22"|"bench-b/22", range?: number [V, 0.1 … 1000]) → object`.
 */
export function toolSignature(name: string, input: JsonSchema, output?: JsonSchema): string {
  const properties = (input.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((input.required ?? []) as string[]);
  const params = Object.entries(properties).map(
    ([param, schema]) => `${param}${required.has(param) ? '' : '?'}: ${typeName(schema)}`,
  );
  return `${name}(${params.join(', ')})${output ? ` → ${typeName(output)}` : ''}`;
}

function typeName(schema: JsonSchema): string {
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join('|');
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  const union = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (union) return union.map(typeName).join('|');
  let type = Array.isArray(schema.type) ? schema.type.join('|') : String(schema.type ?? 'any');
  if (type === 'array' && schema.items) type = `${typeName(schema.items as JsonSchema)}[]`;
  if (type === 'object' && schema.properties) {
    type = `{${Object.keys(schema.properties as object).join(', ')}}`;
  }
  const facts: string[] = [];
  if (typeof schema['x-unit'] === 'string' && schema['x-unit'] !== '1')
    facts.push(schema['x-unit']);
  const min = schema.minimum as number | undefined;
  const max = schema.maximum as number | undefined;
  const chosen = (v: number | undefined) =>
    v !== undefined && Math.abs(v) < Number.MAX_SAFE_INTEGER;
  if (chosen(min) || chosen(max))
    facts.push(`${chosen(min) ? min : ''} … ${chosen(max) ? max : ''}`.trim());
  return facts.length ? `${type} [${facts.join(', ')}]` : type;
}
