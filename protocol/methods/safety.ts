import * as z from 'zod';
import { defineMethod } from '../define-method.js';

/**
 * The person's side of the safety policy: stop, hold, resume, and decide on approvals. None is an
 * MCP tool except through the frontend's own `stop_all` (which fans out to every worker): a model
 * can stop the lab but never resume it, unlock it or approve its own request. None waits behind
 * a device (resource null), so a stop is never queued behind the operation it stops.
 */

/** Who did it and through what: `alice@lab-pc` via `cli`, `console`, `elicitation`, `mcp`. */
const Actor = {
  by: z.string().min(1).max(200).default('unknown').describe('Who: a person, user@host.'),
  via: z
    .string()
    .min(1)
    .max(100)
    .default('wire')
    .describe('Through what: cli, console, elicitation, mcp, wire.'),
};

export const LabStateSchema = z.object({
  state: z
    .enum(['running', 'stopped', 'locked'])
    .describe(
      'stopped: stop_all ran, writes refused until resume; locked: a person holds the lab.',
    ),
  since: z.string().nullable().describe('When the lab entered this state (ISO 8601).'),
  by: z.string().nullable(),
  via: z.string().nullable(),
  reason: z.string().nullable(),
  writes: z.enum(['allow', 'approve', 'deny']).describe("The policy's lab-wide write posture."),
  pending_approvals: z.number().int(),
});

export type LabState = z.infer<typeof LabStateSchema>;

export const ApprovalRecordSchema = z.object({
  id: z.string().describe('Approval id, e.g. A7F3Q2; what `labrelay approve` takes.'),
  request_id: z.string(),
  method: z.string(),
  params: z.record(z.string(), z.unknown()),
  device: z.string().nullable(),
  rules: z.array(z.object({ rule: z.string(), message: z.string() })),
  summary: z.string().describe('What the write does, for a person: device, present → new, rule.'),
  status: z.enum(['pending', 'approved', 'denied', 'expired', 'cancelled']),
  created_at: z.string(),
  expires_at: z.string(),
  decided_at: z.string().nullable(),
  decided_by: z.string().nullable(),
  decided_via: z.string().nullable(),
});

export type ApprovalRecord = z.infer<typeof ApprovalRecordSchema>;

const SafeStateReport = z.object({
  device: z.string(),
  actions: z.array(z.string()).describe('What was done, e.g. the commands sent.'),
  ok: z.boolean(),
  error: z.string().optional(),
});

const supervisor = {
  idempotent: true,
  destructive: false,
  resource: null,
  deadline: { base_ms: 5000 },
  mcp: false,
} as const;

export const safetyMethods = {
  stop_all: defineMethod({
    ...supervisor,
    title: 'Stop everything',
    description:
      'Stop the lab: cancel every running and queued operation and pending approval, put each ' +
      "device in its declared safe state (a supply's outputs off, a scan stopped) and refuse " +
      'writes until a person resumes. Never gated, never queued behind a device.',
    params: z.strictObject({
      reason: z.string().max(500).optional().describe('Why, for the log and the person.'),
      ...Actor,
    }),
    result: z.object({
      lab: LabStateSchema,
      cancelled: z.array(z.string()).describe('Operations cancelled: "method id".'),
      approvals_cancelled: z.number().int(),
      safe_states: z.array(SafeStateReport),
    }),
    readOnly: false,
    // A stop of its own must never be the thing that times out: the safe states run each within
    // their own limit (below this) and report a failure rather than wait.
    deadline: { base_ms: 30_000 },
  }),
  lab_state: defineMethod({
    ...supervisor,
    title: 'Lab state',
    description: 'Whether the lab runs, is stopped or is locked, by whom and why.',
    params: z.strictObject({}),
    result: LabStateSchema,
    readOnly: true,
  }),
  resume: defineMethod({
    ...supervisor,
    title: 'Resume the lab',
    description: 'End a stop or a lock: writes are allowed again (within the policy).',
    params: z.strictObject({ ...Actor }),
    result: LabStateSchema,
    readOnly: false,
  }),
  lock: defineMethod({
    ...supervisor,
    title: 'Lock the lab',
    description:
      'Hold agent writes without stopping anything ("someone is in the hutch"): writes are ' +
      'refused with LAB_LOCKED until resume; running operations and reads go on.',
    params: z.strictObject({
      reason: z.string().min(1).max(500).describe('Why, shown to the agent and the person.'),
      ...Actor,
    }),
    result: LabStateSchema,
    readOnly: false,
  }),
  approvals_list: defineMethod({
    ...supervisor,
    title: 'Pending approvals',
    description: 'Approval requests, pending first; recent decided ones with include_decided.',
    params: z.strictObject({
      include_decided: z
        .boolean()
        .default(false)
        .describe('Also the last decided ones, newest first.'),
    }),
    result: z.object({ approvals: z.array(ApprovalRecordSchema) }),
    readOnly: true,
  }),
  approval_decide: defineMethod({
    ...supervisor,
    title: 'Approve or deny',
    description: 'Decide on a pending approval: the waiting write runs, or fails APPROVAL_DENIED.',
    params: z.strictObject({
      id: z.string().min(1).describe('The approval id.'),
      decision: z.enum(['approve', 'deny']).describe('approve: the write runs; deny: it fails.'),
      ...Actor,
    }),
    result: z.object({ approval: ApprovalRecordSchema }),
    readOnly: false,
    idempotent: false,
  }),
};

export type SafetyCatalog = typeof safetyMethods;
