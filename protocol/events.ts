import * as z from 'zod';
import { ApprovalRecordSchema, LabStateSchema } from './methods/safety.js';

/**
 * What the worker publishes on its PUB socket, as two frames: [topic, JSON body].
 *
 *   topic = request id   {type: "progress", id, progress, total?, message?}
 *   topic = request id   {type: "progress_end", id}   (after the last progress, before the reply)
 *   topic = "$heartbeat"  {type: "heartbeat", boot_id, catalog_hash, pid, time}   (every second)
 *   topic = "$catalog"    {type: "catalog_changed", boot_id, catalog_hash}        (at once)
 *   topic = "$approvals"  {type: "approval", approval}       (an approval asked for or decided)
 *   topic = "$lab"        {type: "lab_state", lab}           (stopped, locked, resumed)
 *   topic = "$audit"      {type: "audit", record}            (every audit line, as written)
 *
 * A write that waits for a person reports it as progress with an `approval` field, so a client
 * that relays progress (the MCP frontend, to ask through elicitation) knows what it waits for.
 *
 * A bench script subscribes to its request id before sending the request (ZeroMQ subscriptions
 * match prefixes, so it also checks `id` in the body); the MCP frontend subscribes to everything.
 */
export const HEARTBEAT_TOPIC = '$heartbeat';
/** Topic of the message sent when the set of methods changes. */
export const CATALOG_TOPIC = '$catalog';
/** Topic of approval requests and decisions. */
export const APPROVALS_TOPIC = '$approvals';
/** Topic of the lab's state: stopped, locked, running. */
export const LAB_TOPIC = '$lab';
/** Topic of the audit log's lines, published as they are written (the supervisor console). */
export const AUDIT_TOPIC = '$audit';
/** How often the worker publishes a heartbeat. */
export const HEARTBEAT_INTERVAL_MS = 1000;

export const ProgressEventSchema = z.object({
  type: z.literal('progress'),
  id: z.string(),
  progress: z.number(),
  total: z.number().optional(),
  message: z.string().optional(),
  /** Present while the operation waits for a person's approval. */
  approval: ApprovalRecordSchema.optional(),
});

/**
 * Sent after an operation that reported progress has ended, before its reply. Events and replies
 * leave the worker on different sockets, so a reply can overtake the last steps; a client that
 * relays progress waits for this (PUB keeps order) before it delivers the reply.
 */
export const ProgressEndEventSchema = z.object({
  type: z.literal('progress_end'),
  id: z.string(),
});

export const HeartbeatEventSchema = z.object({
  type: z.literal('heartbeat'),
  boot_id: z.string(),
  catalog_hash: z.string(),
  pid: z.number(),
  time: z.string(),
});

export const CatalogChangedEventSchema = z.object({
  type: z.literal('catalog_changed'),
  boot_id: z.string(),
  catalog_hash: z.string(),
});

export const ApprovalEventSchema = z.object({
  type: z.literal('approval'),
  approval: ApprovalRecordSchema,
});

export const LabStateEventSchema = z.object({
  type: z.literal('lab_state'),
  lab: LabStateSchema,
});

/**
 * One line of the audit log as it is written: an operation started or ended, an approval asked
 * for or decided, a stop, a lock, a resume. What a supervisor watches; PUB drops it for a
 * subscriber that cannot keep up, and the audit log (`audit_tail`) still has it.
 */
export const AuditEventSchema = z.object({
  type: z.literal('audit'),
  record: z.record(z.string(), z.unknown()),
});

/** Any event the worker publishes. */
export const WorkerEventSchema = z.discriminatedUnion('type', [
  ProgressEventSchema,
  ProgressEndEventSchema,
  HeartbeatEventSchema,
  CatalogChangedEventSchema,
  ApprovalEventSchema,
  LabStateEventSchema,
  AuditEventSchema,
]);

export type ProgressEvent = z.infer<typeof ProgressEventSchema>;
export type HeartbeatEvent = z.infer<typeof HeartbeatEventSchema>;
export type CatalogChangedEvent = z.infer<typeof CatalogChangedEventSchema>;
export type ApprovalEvent = z.infer<typeof ApprovalEventSchema>;
export type AuditEvent = z.infer<typeof AuditEventSchema>;
export type LabStateEvent = z.infer<typeof LabStateEventSchema>;
export type WorkerEvent = z.infer<typeof WorkerEventSchema>;
