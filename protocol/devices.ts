import * as z from 'zod';

const JsonSchema = z.record(z.string(), z.unknown());

/** One device as `describe` and `list_devices` report it. */
export const DeviceDescriptionSchema = z.object({
  name: z.string().describe('Unique device name, e.g. microscope or bench-a/22.'),
  class: z.string().describe('Its device class; tools are named Class_command.'),
  origin: z.string().describe('Where it came from: gpib:<bridge>, simulated, plugin:<path>.'),
  resource: z.string().describe('What its calls serialize on (one at a time per resource).'),
  info: z.record(z.string(), z.json()).describe('Identity, address and similar facts.'),
});

/** One command of a device class and the tool that runs it. */
export const DeviceCommandDescriptionSchema = z.object({
  name: z.string(),
  tool: z.string().describe('The MCP tool / worker method name, Class_command.'),
  doc: z.string(),
  inputSchema: JsonSchema,
  outputSchema: JsonSchema,
  readOnly: z.boolean(),
  destructive: z.boolean(),
});

/** One attribute of a device class. */
export const DeviceAttributeDescriptionSchema = z.object({
  name: z.string(),
  doc: z.string(),
  schema: JsonSchema.describe('JSON Schema of the value, with its range.'),
  units: z.string().nullable(),
  access: z.enum(['read', 'readwrite']),
  tools: z
    .object({ get: z.string().nullable(), set: z.string().nullable() })
    .describe('Class_get_attr / Class_set_attr when attribute tools are on, else null.'),
});

/** One device class: its devices, commands and attributes (blocked commands left out). */
export const DeviceClassDescriptionSchema = z.object({
  name: z.string(),
  doc: z.string(),
  devices: z.array(z.string()),
  commands: z.array(DeviceCommandDescriptionSchema),
  attributes: z.array(DeviceAttributeDescriptionSchema),
});

export type DeviceDescription = z.infer<typeof DeviceDescriptionSchema>;
export type DeviceClassDescription = z.infer<typeof DeviceClassDescriptionSchema>;
