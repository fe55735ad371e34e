import * as z from 'zod';
import { DEFAULT_WORKER_ENDPOINT } from '../../protocol/index.js';

const Endpoint = z
  .string()
  .regex(/^(tcp:\/\/[^\s:]+:\d+|ipc:\/\/\S+)$/, 'must be tcp://HOST:PORT or ipc://PATH')
  .describe('A ZeroMQ endpoint: tcp://HOST:PORT or ipc://PATH.');

const Milliseconds = (min: number, max: number, fallback: number) =>
  z.number().int().min(min).max(max).default(fallback);

/** The `worker:` section. */
export const WorkerSection = z.strictObject({
  name: z.string().min(1).default('labrelay').describe('Shown in describe and in logs.'),
  bind: Endpoint.default(DEFAULT_WORKER_ENDPOINT),
  events_endpoint: Endpoint.optional().describe('PUB endpoint; default: the next TCP port.'),
  data_dir: z
    .string()
    .optional()
    .describe('Where the audit log and artifacts go; default $XDG_STATE_HOME/labrelay.'),
  audit_log: z
    .union([z.string().min(1), z.literal(false)])
    .optional()
    .describe('Audit log path (relative to data_dir), or false to disable; default audit.jsonl.'),
  audit_fsync: z.boolean().default(false).describe('fsync after every audit line.'),
  queue_timeout_ms: Milliseconds(100, 86_400_000, 120_000),
  shutdown_grace_ms: Milliseconds(0, 600_000, 5_000),
  diagnostics: z.boolean().default(false).describe('Serve the diag_* test methods.'),
  reply_cache: z
    .strictObject({
      entries: z.number().int().min(0).default(10_000),
      max_bytes: z
        .number()
        .int()
        .min(0)
        .default(64 * 1024 * 1024),
    })
    .prefault({}),
});

/** The `frontend:` section. */
export const FrontendSection = z.strictObject({
  worker: Endpoint.optional().describe('Worker endpoint; default: worker.bind.'),
  transport: z.enum(['http', 'stdio']).default('http'),
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65_535).default(8050),
  path: z
    .string()
    .regex(/^\/[A-Za-z0-9._~/-]*$/, 'must start with / and hold only URL path characters')
    .default('/mcp'),
  allowed_hosts: z
    .array(z.string().min(1))
    .optional()
    .describe('Host header names accepted; default: loopback names plus the bind address.'),
  allowed_origins: z
    .array(z.string().min(1))
    .optional()
    .describe('Origin header values accepted from browsers; default: none but loopback.'),
  call_slack_ms: Milliseconds(0, 600_000, 2_000).describe(
    'Added to a method deadline and the queue timeout before the frontend gives up.',
  ),
  idempotent_retries: z.number().int().min(0).max(10).default(2),
  max_sessions: z.number().int().min(1).max(100_000).default(256),
  max_sockets: z.number().int().min(1).max(10_000).default(256),
});

/** The `launcher:` section. */
export const LauncherSection = z.strictObject({
  worker_startup_timeout_ms: Milliseconds(100, 600_000, 15_000),
  restart_initial_delay_ms: Milliseconds(0, 600_000, 200),
  restart_max_delay_ms: Milliseconds(0, 3_600_000, 10_000),
});

/** A labrelay config file (YAML). Every section and key is optional. */
export const ConfigSchema = z.strictObject({
  worker: WorkerSection.prefault({}),
  frontend: FrontendSection.prefault({}),
  launcher: LauncherSection.prefault({}),
});

/** A config after defaults are applied. */
export type Config = z.output<typeof ConfigSchema>;
