import * as z from 'zod';
import { defineMethod } from '../define-method.js';

const Lane = z
  .string()
  .regex(/^[a-z0-9_-]{1,32}$/)
  .default('main')
  .describe(
    'Diagnostic lane: a pretend device. Calls on one lane run one at a time, different lanes ' +
      'run concurrently. 1–32 characters of a-z, 0-9, _ and -.',
  );

/**
 * Diagnostic methods, served only when the worker's config sets `diagnostics: true`: they let
 * tests, benchmarks and client authors exercise progress, cancellation, serialization, retries
 * and error paths without hardware. They never touch an instrument.
 */
export const diagnosticsMethods = {
  diag_sleep: defineMethod({
    title: 'Diagnostic: timed operation',
    description:
      'Run a long operation that touches no hardware: wait duration_ms in equal steps, report ' +
      'progress after each step, and stop at the next step when cancelled.',
    params: z.strictObject({
      duration_ms: z.number().int().min(0).max(600_000).describe('Total time in ms, 0–600000.'),
      steps: z.number().int().min(1).max(1000).default(10).describe('Progress reports, 1–1000.'),
      lane: Lane,
    }),
    result: z.object({
      slept_ms: z.number().describe('Time actually spent, ms.'),
      steps: z.number().int().describe('Steps completed.'),
    }),
    readOnly: true,
    idempotent: true,
    destructive: false,
    resource: 'diag:{lane}',
    deadline: { base_ms: 5000, terms: [{ params: ['duration_ms'], ms_per_unit: 1.25 }] },
    mcp: true,
  }),

  diag_counter_increment: defineMethod({
    title: 'Diagnostic: increment a counter',
    description:
      'Add one to the lane counter and return the new count: a side effect that shows whether ' +
      'a request ran once or twice.',
    params: z.strictObject({ lane: Lane }),
    result: z.object({ lane: z.string(), count: z.number().int() }),
    readOnly: false,
    idempotent: false,
    destructive: false,
    resource: 'diag:{lane}',
    deadline: { base_ms: 2000 },
    mcp: true,
  }),

  diag_counter_read: defineMethod({
    title: 'Diagnostic: read a counter',
    description: 'Return the lane counter without changing it.',
    params: z.strictObject({ lane: Lane }),
    result: z.object({ lane: z.string(), count: z.number().int() }),
    readOnly: true,
    idempotent: true,
    destructive: false,
    resource: 'diag:{lane}',
    deadline: { base_ms: 2000 },
    mcp: true,
  }),

  diag_echo: defineMethod({
    title: 'Diagnostic: echo a value',
    description:
      'Return the given JSON value unchanged (any type: object, list, string, number, null). ' +
      'Measures the round trip and shows how non-object results are delivered.',
    params: z.strictObject({ value: z.json().describe('Any JSON value.') }),
    result: z.json(),
    readOnly: true,
    idempotent: true,
    destructive: false,
    resource: null,
    deadline: { base_ms: 2000 },
    mcp: true,
  }),

  diag_fail: defineMethod({
    title: 'Diagnostic: fail on purpose',
    description:
      'Fail in a chosen way so a client can see how each failure looks: "throw" (a defect, ' +
      'INTERNAL), "nan" (a result JSON cannot carry, INTERNAL), "device" (DEVICE_ERROR), ' +
      '"schema" (a result that breaks its declared schema, INTERNAL).',
    params: z.strictObject({
      kind: z.enum(['throw', 'nan', 'device', 'schema']).describe('How to fail.'),
    }),
    result: z.object({ value: z.number() }),
    readOnly: true,
    idempotent: true,
    destructive: false,
    resource: null,
    deadline: { base_ms: 2000 },
    mcp: true,
  }),
};
