import { randomUUID } from 'node:crypto';
import type { DescribeResult, Logger } from '../../protocol/index.js';
import type { AuditLog } from './audit-log.js';
import { Dispatcher } from './dispatcher.js';
import { coreModule } from './core-module.js';
import type { MethodModule } from './method-module.js';
import { MethodTable } from './method-table.js';
import type { ProgressSink } from './operation.js';
import type { ReplyCacheLimits } from './reply-cache.js';
import type { WriteGate } from './write-gate.js';

/** What the runtime is built from. */
export interface RuntimeOptions {
  name: string;
  version: string;
  eventsEndpoint: string;
  queueTimeoutMs: number;
  audit: AuditLog | null;
  replyCache: ReplyCacheLimits;
  progress: ProgressSink;
  /** After the last progress of an operation, before its reply (see ProgressEndEvent). */
  progressEnd?: (id: string) => void;
  log: Logger;
  /** The safety policy's gate around every write. */
  gate?: WriteGate;
  /** Device modules served besides the core methods. */
  modules: MethodModule[];
}

/** The worker without its sockets: method table, dispatcher and the core methods wired to them. */
export interface WorkerRuntime {
  readonly bootId: string;
  readonly table: MethodTable;
  readonly dispatcher: Dispatcher;
  readonly modules: MethodModule[];
  describe(): DescribeResult;
  /**
   * Re-reads the modules' methods (a device appeared or went away); true when the catalog
   * changed, which the caller announces on the events socket.
   */
  refresh(): boolean;
}

/** Builds the runtime; start.ts adds the sockets, tests drive the dispatcher directly. */
export function createRuntime(o: RuntimeOptions): WorkerRuntime {
  const bootId = randomUUID();
  const startedAt = new Date();
  const table = new MethodTable();
  const dispatcher = new Dispatcher({
    table,
    log: o.log,
    queueTimeoutMs: o.queueTimeoutMs,
    audit: o.audit,
    progress: o.progress,
    progressEnd: o.progressEnd,
    cache: o.replyCache,
    gate: o.gate,
  });
  const describe = (): DescribeResult => ({
    protocol: 'labrelay/1',
    worker: {
      name: o.name,
      version: o.version,
      pid: process.pid,
      boot_id: bootId,
      started_at: startedAt.toISOString(),
    },
    catalog_hash: table.catalogHash,
    events_endpoint: o.eventsEndpoint,
    queue_timeout_ms: o.queueTimeoutMs,
    approval_timeout_ms: o.gate?.approvalTimeoutMs ?? 0,
    methods: table.describe(),
    blocked: table.blockedReasonsByName(),
    prompts: table.prompts(),
    resources: table.resources(),
    ...devicesOf(modules),
  });
  const core = coreModule({
    describe,
    cancel: (id) => dispatcher.cancel(id),
    status: () => ({
      uptime_s: Math.round((Date.now() - startedAt.getTime()) / 100) / 10,
      operations: dispatcher.listOperations().map((op) => ({
        id: op.id,
        method: op.method,
        resource: op.resource,
        state: op.state,
        age_ms: Date.now() - op.arrivedAt,
      })),
      requests: dispatcher.stats.requests,
      errors: { ...dispatcher.stats.errors },
      audit_log: o.audit?.path ?? null,
    }),
  });
  const modules = [core, ...o.modules];
  table.replace(modules);
  return {
    bootId,
    table,
    dispatcher,
    modules,
    describe,
    refresh: () => table.replace(modules),
  };
}

/** The devices and classes every module reports, together. */
function devicesOf(modules: MethodModule[]): Pick<DescribeResult, 'devices' | 'device_classes'> {
  const reports = modules.flatMap((m) => (m.devices ? [m.devices()] : []));
  return {
    devices: reports.flatMap((r) => r.devices),
    device_classes: reports.flatMap((r) => r.device_classes),
  };
}
