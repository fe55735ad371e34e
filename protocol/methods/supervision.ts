import * as z from 'zod';
import { defineMethod } from '../define-method.js';

/**
 * What a supervisor's console reads from a worker besides its events: the audit log's recent
 * lines (history from before the page opened) and the files the agent made. Neither is an MCP
 * tool; neither waits behind a device.
 */
const common = {
  readOnly: true,
  idempotent: true,
  destructive: false,
  resource: null,
  mcp: false,
} as const;

/** Largest artifact artifact_read returns (base64 in one reply). */
export const ARTIFACT_READ_MAX_BYTES = 64 * 1024 * 1024;

export const supervisionMethods = {
  audit_tail: defineMethod({
    ...common,
    title: 'Recent audit lines',
    description:
      'The last lines of the audit log, oldest first: operations started and ended, approvals, ' +
      'stops, locks and resumes, each as written.',
    params: z.strictObject({
      limit: z
        .number()
        .int()
        .min(1)
        .max(5000)
        .default(1000)
        .describe('How many of the latest lines (1–5000).'),
    }),
    result: z.object({
      records: z.array(z.record(z.string(), z.unknown())),
      path: z.string().nullable().describe('The audit log file; null when none is kept.'),
    }),
    deadline: { base_ms: 10_000 },
  }),
  artifact_read: defineMethod({
    ...common,
    title: 'Read an artifact',
    description:
      'The bytes of one file the worker wrote (an image, an .npy array, a sidecar), by the path ' +
      'a result gave; only files inside the artifact directory, at most 64 MB.',
    params: z.strictObject({
      path: z
        .string()
        .min(1)
        .max(4096)
        .describe(
          'Absolute path as a result gave it, or a path relative to the artifact directory.',
        ),
    }),
    result: z.object({
      path: z.string(),
      bytes: z.number().int(),
      mime_type: z.string(),
      data_base64: z.string(),
    }),
    deadline: { base_ms: 30_000 },
  }),
};

export type SupervisionCatalog = typeof supervisionMethods;
