import * as z from 'zod';
import { defineMethod } from '../define-method.js';
import { DescribeResultSchema } from '../describe.js';

const NoParams = z.strictObject({});

/** Methods every worker serves; none touches a device, so all answer at once. */
export const coreMethods = {
  health: defineMethod({
    title: 'Worker health',
    description:
      'Check that the instrument worker is running and answering. Returns {"status": "ok"}. ' +
      'Answers at once even while long operations run.',
    params: NoParams,
    result: z.object({ status: z.literal('ok') }),
    readOnly: true,
    idempotent: true,
    destructive: false,
    resource: null,
    deadline: { base_ms: 2000 },
    mcp: true,
  }),

  describe: defineMethod({
    title: 'Describe methods',
    description:
      'List every method this worker serves with its JSON Schemas, annotations, the resource it ' +
      'serializes on and its deadline, plus the events endpoint for progress.',
    params: NoParams,
    result: DescribeResultSchema,
    readOnly: true,
    idempotent: true,
    destructive: false,
    resource: null,
    deadline: { base_ms: 5000 },
    mcp: false,
  }),

  cancel: defineMethod({
    title: 'Cancel an operation',
    description:
      'Ask the worker to stop the operation with this request id. A queued operation is removed ' +
      'and answered CANCELLED; a running one stops at its next safe point and is answered ' +
      'CANCELLED. An operation that already finished is not affected.',
    params: z.strictObject({
      id: z.string().min(1).describe('Request id of the operation to cancel.'),
    }),
    result: z.object({
      id: z.string(),
      state: z
        .enum(['queued', 'running', 'finished', 'unknown'])
        .describe('State of the operation when the cancel arrived.'),
      cancelled: z.boolean().describe('True when the operation will end with CANCELLED.'),
    }),
    readOnly: false,
    idempotent: true,
    destructive: false,
    resource: null,
    deadline: { base_ms: 2000 },
    mcp: false,
  }),

  worker_status: defineMethod({
    title: 'Worker status',
    description:
      'Show what the instrument worker is doing now: operations running and queued per ' +
      'resource (device), how long each has run, and request counters since start.',
    params: NoParams,
    result: z.object({
      uptime_s: z.number().describe('Seconds since the worker started.'),
      operations: z.array(
        z.object({
          id: z.string(),
          method: z.string(),
          resource: z.string().nullable(),
          state: z.enum(['queued', 'running']),
          age_ms: z.number().describe('Milliseconds since the request arrived.'),
        }),
      ),
      requests: z.number().int().describe('Requests answered since start.'),
      errors: z.record(z.string(), z.number().int()).describe('Error replies by code.'),
      audit_log: z.string().nullable().describe('Path of the audit log, null when disabled.'),
    }),
    readOnly: true,
    idempotent: true,
    destructive: false,
    resource: null,
    deadline: { base_ms: 2000 },
    mcp: true,
  }),
};
