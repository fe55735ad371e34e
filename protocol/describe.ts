import * as z from 'zod';
import type { MethodSpec } from './define-method.js';
import { DeviceClassDescriptionSchema, DeviceDescriptionSchema } from './devices.js';
import { PromptSpecSchema, ResourceSpecSchema } from './prompts.js';

/** A JSON Schema document (2020-12, as zod emits it). */
export type JsonSchema = Record<string, unknown>;

const JsonSchemaSchema = z.record(z.string(), z.unknown());

/**
 * One method as `describe` reports it: enough for any client — the MCP frontend, a Python bench
 * script — to call it, validate against it and know how long to wait. The first five fields map
 * one to one onto an MCP tool definition.
 */
export const MethodDescriptionSchema = z.object({
  name: z.string(),
  title: z.string(),
  description: z.string(),
  inputSchema: JsonSchemaSchema,
  outputSchema: JsonSchemaSchema,
  annotations: z.object({
    title: z.string(),
    readOnlyHint: z.boolean(),
    idempotentHint: z.boolean(),
    destructiveHint: z.boolean(),
    openWorldHint: z.boolean(),
  }),
  resource: z
    .string()
    .nullable()
    .describe('What the method serializes on; {param} is filled from params.'),
  deadline: z.object({
    base_ms: z.number(),
    terms: z
      .array(
        z.object({
          params: z.array(z.string()),
          divide_by: z.array(z.string()).optional(),
          ms_per_unit: z.number(),
        }),
      )
      .optional(),
  }),
  mcp: z.boolean().describe('Listed as an MCP tool (false for wire-only methods).'),
});

/** One method as `describe` reports it. */
export type MethodDescription = z.infer<typeof MethodDescriptionSchema>;

/** The result of `describe`. */
export const DescribeResultSchema = z.object({
  protocol: z.literal('labrelay/1'),
  worker: z.object({
    name: z.string(),
    version: z.string(),
    pid: z.number().int(),
    boot_id: z.string().describe('Changes every time the worker process starts.'),
    started_at: z.string().describe('ISO 8601 time the worker started.'),
  }),
  catalog_hash: z.string().describe('Changes whenever the set of methods or a schema changes.'),
  events_endpoint: z
    .string()
    .describe('ZeroMQ PUB endpoint: progress by request id, heartbeats, catalog changes.'),
  queue_timeout_ms: z
    .number()
    .describe('Longest an operation waits for its resource before the worker replies BUSY.'),
  approval_timeout_ms: z
    .number()
    .default(0)
    .describe(
      "Longest a write waits for a person's approval (0: no policy); a client adds it to a " +
        "write's timeout.",
    ),
  methods: z.array(MethodDescriptionSchema),
  blocked: z
    .record(z.string(), z.string())
    .default({})
    .describe('Methods refused by configuration, each with the rule that refuses it.'),
  prompts: z
    .array(PromptSpecSchema)
    .default([])
    .describe('Guided workflows, served as MCP prompts.'),
  resources: z
    .array(ResourceSpecSchema)
    .default([])
    .describe('Static documents, served as MCP resources.'),
  devices: z
    .array(DeviceDescriptionSchema)
    .default([])
    .describe('The devices the worker found or was given.'),
  device_classes: z
    .array(DeviceClassDescriptionSchema)
    .default([])
    .describe('Their classes, commands and attributes, as served.'),
});

/** The result of `describe`. */
export type DescribeResult = z.infer<typeof DescribeResultSchema>;

/** Turns a method declaration into its description (zod → JSON Schema). */
export function describeMethod(name: string, spec: MethodSpec): MethodDescription {
  return {
    name,
    title: spec.title,
    description: spec.description,
    inputSchema: listedUnder(
      z.toJSONSchema(spec.params, { io: 'input' }) as JsonSchema,
      spec.argumentNames,
    ),
    outputSchema: z.toJSONSchema(spec.result, { io: 'output' }) as JsonSchema,
    annotations: {
      title: spec.title,
      readOnlyHint: spec.readOnly,
      idempotentHint: spec.idempotent,
      destructiveHint: spec.destructive,
      // Instruments are the outside world: a call can change physical state.
      openWorldHint: spec.resource !== null,
    },
    resource: spec.resource,
    deadline: spec.deadline,
    mcp: spec.mcp,
  };
}

/** The defaults a JSON Schema declares for its top-level properties, for deadline evaluation. */
export function schemaDefaults(inputSchema: JsonSchema): Record<string, unknown> {
  const properties = (inputSchema.properties ?? {}) as Record<string, { default?: unknown }>;
  const defaults: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(properties)) {
    if (property && 'default' in property) defaults[name] = property.default;
  }
  return defaults;
}

/** An input schema with its properties under their listed names (MethodSpec.argumentNames). */
export function listedUnder(
  schema: JsonSchema,
  names: Readonly<Record<string, string>> | undefined,
): JsonSchema {
  if (!names) return schema;
  const listedOf = new Map(Object.entries(names).map(([listed, declared]) => [declared, listed]));
  const rename = (key: string) => listedOf.get(key) ?? key;
  const properties = (schema.properties ?? {}) as Record<string, unknown>;
  return {
    ...schema,
    properties: Object.fromEntries(Object.entries(properties).map(([k, v]) => [rename(k), v])),
    ...(Array.isArray(schema.required)
      ? { required: (schema.required as string[]).map(rename) }
      : {}),
  };
}
