import type { JsonSchema } from '../../protocol/index.js';

/**
 * A device tool's description: the command's doc line, then `Device class: X` and `Command: Y`
 * as Asyncroscopy writes them, then the devices and each parameter's unit and range, read back
 * from the JSON Schema the model will see, so the text cannot disagree with the schema.
 */
export function toolDescription(o: {
  doc: string;
  className: string;
  command: string;
  devices: string[];
  inputSchema: JsonSchema;
  outputSchema?: JsonSchema;
}): string {
  const lines = [o.doc, `Device class: ${o.className}`, `Command: ${o.command}`];
  if (o.devices.length > 1) {
    lines.push(`Devices (pass one as device): ${o.devices.join(', ')}`);
  } else if (o.devices.length === 1) {
    lines.push(`Device: ${o.devices[0]}`);
  }
  const params = Object.entries(
    (o.inputSchema.properties ?? {}) as Record<string, JsonSchema>,
  ).filter(([name]) => name !== 'device');
  const required = new Set((o.inputSchema.required ?? []) as string[]);
  for (const [name, property] of params) {
    const facts = quantityFacts(property);
    if (facts) lines.push(`${name}${required.has(name) ? '' : ' (optional)'}: ${facts}`);
  }
  const result = o.outputSchema ? quantityFacts(o.outputSchema) : '';
  if (result) lines.push(`Returns: ${result}`);
  return lines.join('\n');
}

/** "V, 0.1 … 1000" from `x-unit`, minimum/maximum (or exclusive ones) and enum; '' when none. */
export function quantityFacts(schema: JsonSchema): string {
  const parts: string[] = [];
  const unit = schema['x-unit'];
  if (typeof unit === 'string' && unit !== '1') parts.push(unit);
  const min = (schema.minimum ?? schema.exclusiveMinimum) as number | undefined;
  const max = (schema.maximum ?? schema.exclusiveMaximum) as number | undefined;
  // zod writes safe-integer bounds for .int(); they are not a range anyone chose.
  const chosen = (v: number | undefined) =>
    v !== undefined && Math.abs(v) < Number.MAX_SAFE_INTEGER;
  if (chosen(min) && chosen(max)) parts.push(`${min} … ${max}`);
  else if (chosen(min)) parts.push(`≥ ${min}`);
  else if (chosen(max)) parts.push(`≤ ${max}`);
  if (Array.isArray(schema.enum))
    parts.push(`one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}`);
  if (schema.default !== undefined) parts.push(`default ${JSON.stringify(schema.default)}`);
  return parts.join(', ');
}
