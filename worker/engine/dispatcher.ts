import {
  WorkerError,
  deadlineMs,
  decodeRequest,
  errorReply,
  findNonJson,
  resolveResource,
  SplicedJson,
  toWireError,
  type ErrorReply,
  type Logger,
  type RequestEnvelope,
  type WireError,
} from '../../protocol/index.js';
import { INLINE_RESULT_BYTES, type AuditLog, type AuditRecord } from './audit-log.js';
import type { MethodTable, ServedMethod } from './method-table.js';
import { LazyAbort, Operation, type ProgressSink } from './operation.js';
import { listedNameOf, toDeclaredNames } from './argument-names.js';
import { invalidParams } from './param-errors.js';
import {
  ReplyCache,
  requestFingerprint,
  type ReplyCacheLimits,
  type WireReply,
} from './reply-cache.js';
import { ResourceQueue, type Release } from './resource-queue.js';
import type { GateCall, GateClearance, WriteGate, WriteReport } from './write-gate.js';

/** What the dispatcher needs from the rest of the worker. */
export interface DispatcherOptions {
  table: MethodTable;
  log: Logger;
  /** Longest an operation waits for its resource before it is answered BUSY. */
  queueTimeoutMs: number;
  audit: AuditLog | null;
  progress: ProgressSink;
  /** Told after an operation that reported progress ends, before its reply is sent. */
  progressEnd?: (id: string) => void;
  cache: ReplyCacheLimits;
  /** The safety policy's gate around every write; none means every write is let through. */
  gate?: WriteGate;
}

/** A handler's result and, for a gated write, what it sent and read back. */
interface Ran {
  result: unknown;
  write?: WriteReport;
}

/** An operation the worker has accepted and not yet answered. */
export interface OperationRecord {
  id: string;
  method: string;
  resource: string | null;
  state: 'queued' | 'running';
  arrivedAt: number;
  abort: LazyAbort;
}

/**
 * Turns one request message into exactly one reply message, whatever the message holds: it
 * decodes, answers retries from the reply cache, validates params against the catalog, waits
 * for the method's resource, runs the handler under its deadline, checks the result and writes
 * the audit line before the reply leaves. It never throws.
 */
export class Dispatcher {
  private readonly queue = new ResourceQueue();
  private readonly cache: ReplyCache;
  private readonly inFlight = new Map<string, { fingerprint: string; reply: Promise<WireReply> }>();
  private readonly operations = new Map<string, OperationRecord>();
  private closing = false;
  /** Requests received and error replies by code, since start. */
  readonly stats = { requests: 0, errors: {} as Record<string, number> };

  constructor(private readonly options: DispatcherOptions) {
    this.cache = new ReplyCache(options.cache);
  }

  /** Handles one request message; resolves to the reply (text or its bytes). Never rejects. */
  async handle(raw: Uint8Array): Promise<WireReply> {
    this.stats.requests += 1;
    try {
      return await this.handleUnsafe(raw);
    } catch (err) {
      // Reached only through a defect in the dispatcher itself; the sender still gets a reply.
      this.options.log.error('dispatcher: unexpected failure', { error: stackOf(err) });
      return this.encodeError(errorReply(null, toWireError(err)));
    }
  }

  /** Cancels a queued or running operation; see the `cancel` method. */
  cancel(id: string): {
    id: string;
    state: 'queued' | 'running' | 'finished' | 'unknown';
    cancelled: boolean;
  } {
    const record = this.operations.get(id);
    if (record) {
      if (!record.abort.aborted) {
        const when = record.state === 'queued' ? 'before it started' : 'at a safe point';
        record.abort.abort(
          new WorkerError('CANCELLED', `${record.method} (request ${id}) was cancelled ${when}`, {
            id,
          }),
        );
      }
      return { id, state: record.state, cancelled: true };
    }
    if (this.cache.get(id)) return { id, state: 'finished', cancelled: false };
    return { id, state: 'unknown', cancelled: false };
  }

  /** Operations accepted and not yet answered, oldest first. */
  listOperations(): OperationRecord[] {
    return [...this.operations.values()];
  }

  /**
   * Stops accepting device operations, aborts those queued or running (they stop at their next
   * safe point) and waits up to `graceMs` for them to end.
   */
  async shutdown(graceMs: number): Promise<void> {
    this.closing = true;
    for (const record of this.operations.values()) {
      if (!record.abort.aborted) {
        record.abort.abort(new WorkerError('UNAVAILABLE', 'the worker is shutting down'));
      }
    }
    const until = Date.now() + graceMs;
    while (this.operations.size > 0 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 20));
    }
    if (this.operations.size > 0) {
      const left = [...this.operations.values()].map((r) => `${r.method} ${r.id}`);
      this.options.log.warn('shutdown: operations still running after grace period', { left });
    }
  }

  private async handleUnsafe(raw: Uint8Array): Promise<WireReply> {
    const decoded = decodeRequest(raw);
    if (!decoded.ok) return this.encodeError(errorReply(decoded.id, decoded.error));
    const { request } = decoded;
    const fingerprint = requestFingerprint(request.method, request.params);
    const known = this.cache.get(request.id) ?? this.inFlight.get(request.id);
    if (known) {
      if (known.fingerprint !== fingerprint) return this.reusedId(request);
      this.options.log.debug('duplicate request id: answering from the first execution', {
        id: request.id,
        method: request.method,
      });
      return await known.reply;
    }
    const reply = this.execute(request);
    this.inFlight.set(request.id, { fingerprint, reply });
    const text = await reply;
    this.inFlight.delete(request.id);
    this.cache.set(request.id, fingerprint, text);
    return text;
  }

  private async execute(request: RequestEnvelope): Promise<WireReply> {
    const method = this.options.table.get(request.method);
    if (!method) {
      const blocked = this.options.table.blocked(request.method);
      if (blocked !== undefined) {
        const error = {
          code: 'BLOCKED' as const,
          message: `${request.method} is blocked by configuration and was not run: ${blocked}`,
        };
        // An attempt at a blocked device command is worth a line in the audit log.
        this.writeAudit({
          time: new Date().toISOString(),
          id: request.id,
          method: request.method,
          resource: null,
          params: request.params,
          outcome: 'error',
          code: error.code,
          error: error.message,
          queued_ms: 0,
          duration_ms: 0,
        });
        return this.encodeError(errorReply(request.id, error));
      }
      return this.encodeError(errorReply(request.id, this.unknownMethod(request.method)));
    }

    const arrivedAt = performance.now();
    const names = method.spec.argumentNames;
    let declared = request.params;
    try {
      if (names) declared = toDeclaredNames(request.method, request.params, names);
    } catch (err) {
      return this.fail(request, method, null, (err as WorkerError).toWire(), arrivedAt, arrivedAt);
    }
    const parsed = method.spec.params.safeParse(declared);
    if (!parsed.success) {
      const error = invalidParams(
        request.method,
        method.spec.params,
        declared,
        parsed.error,
        listedNameOf(names),
      );
      return this.fail(request, method, null, error.toWire(), arrivedAt, arrivedAt);
    }
    const params = parsed.data as Record<string, unknown>;
    const resource = method.spec.resourceFor
      ? method.spec.resourceFor(params)
      : resolveResource(method.spec.resource, params);
    if (this.closing && resource !== null) {
      const wire = { code: 'UNAVAILABLE', message: 'the worker is shutting down' } as const;
      return this.fail(request, method, resource, wire, arrivedAt, arrivedAt);
    }

    const record: OperationRecord = {
      id: request.id,
      method: request.method,
      resource,
      state: resource === null ? 'running' : 'queued',
      arrivedAt: Date.now(),
      abort: new LazyAbort(),
    };
    this.operations.set(request.id, record);
    let startedAt = arrivedAt;
    let settled: Promise<unknown> = Promise.resolve();
    let run: Promise<Ran> | undefined;
    let reported = false;
    const op = new Operation(request.id, request.method, record.abort, this.options.log, (...a) => {
      reported = true;
      this.options.progress(...a);
    });
    const gate = this.options.gate;
    const call: GateCall = {
      id: request.id,
      method: request.method,
      spec: method.spec,
      params,
      target: method.target,
      resource: resource ?? '',
    };
    const gated = gate !== undefined && resource !== null && gate.covers(call);
    let release: Release = () => {};
    try {
      const acquire = async () => {
        if (resource === null) return;
        release = await this.queue.acquire(
          resource,
          `${request.method} ${request.id}`,
          this.options.queueTimeoutMs,
          record.abort.signal,
        );
      };
      await acquire();
      record.state = 'running';
      let clearance: GateClearance | undefined;
      let grant: unknown;
      if (gated) {
        clearance = await gate.check(call, op);
        if (clearance.needsApproval) {
          // A person may take minutes: the resource is not held while they decide, and the
          // call is checked again once it is, against the instrument's state then.
          release();
          release = () => {};
          record.state = 'queued';
          grant = await gate.approve(call, clearance, op);
          await acquire();
          record.state = 'running';
          clearance = await gate.check(call, op, grant);
        }
        await gate.beforeRun(call, clearance, op);
      }
      startedAt = performance.now();
      // The resource stays held until the handler (and the readback) really ends, even when the
      // deadline has already been answered: a bus transaction cannot be abandoned halfway.
      run = Promise.resolve()
        .then(() => method.handler(params, op))
        .then(async (result): Promise<Ran> => {
          if (!gated) return { result };
          return { result, write: await gate.afterRun(call, clearance!, op, grant) };
        });
      const held = release;
      release = () => {};
      settled = run.then(held, held);
      const ran = await this.withDeadline(run, method, params, record);
      const resultJson = this.encodeResult(request.method, method, ran.result);
      this.audit(request, method, resource, arrivedAt, startedAt, undefined, resultJson, ran);
      const tail = ran.write ? `,"write":${JSON.stringify(ran.write)}}` : '}';
      return resultJson.toBuffer(
        `{"id":${JSON.stringify(request.id)},"status":"ok","result":`,
        tail,
      );
    } catch (err) {
      release();
      const wire = this.classify(err, record, request);
      if (wire.code === 'TIMEOUT' && run) this.auditLateEnding(request, method, resource, run);
      return this.fail(request, method, resource, wire, arrivedAt, startedAt);
    } finally {
      // Published before the reply leaves: a subscriber that sees it has seen every step.
      if (reported) this.options.progressEnd?.(request.id);
      void settled.finally(() => this.operations.delete(request.id));
    }
  }

  /**
   * Aborts every queued and running operation with `reason` (stop_all); they stop at their next
   * safe point. Returns "method id" of each.
   */
  abortAll(reason: (record: OperationRecord) => WorkerError): string[] {
    const aborted: string[] = [];
    for (const record of this.operations.values()) {
      // Methods on no resource (health, the supervisor's own) answer at once; stop_all is one.
      if (record.abort.aborted || record.resource === null) continue;
      record.abort.abort(reason(record));
      aborted.push(`${record.method} ${record.id}`);
    }
    return aborted;
  }

  /** A call answered TIMEOUT still ends some time: its real ending goes in the audit log then. */
  private auditLateEnding(
    request: RequestEnvelope,
    method: ServedMethod,
    resource: string | null,
    run: Promise<Ran>,
  ): void {
    if (method.spec.resource === null || !this.options.audit) return;
    const began = performance.now();
    const line = (outcome: 'ok' | 'error', err?: unknown) => {
      const wire = err === undefined ? undefined : toWireError(err);
      this.writeAudit({
        time: new Date().toISOString(),
        id: request.id,
        method: request.method,
        resource,
        params: request.params,
        outcome,
        after_timeout: true,
        ...(wire ? { code: wire.code, error: wire.message } : {}),
        queued_ms: 0,
        duration_ms: round(performance.now() - began),
      });
    };
    run.then(
      () => line('ok'),
      (err) => line('error', err),
    );
  }

  /** Races the handler against its deadline; on expiry the handler is aborted and TIMEOUT returned. */
  private async withDeadline<T>(
    run: Promise<T>,
    method: ServedMethod,
    params: Record<string, unknown>,
    record: OperationRecord,
  ): Promise<T> {
    const limit = deadlineMs(method.spec.deadline, params);
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new WorkerError(
          'TIMEOUT',
          `${method.name} did not finish within its ${limit} ms deadline` +
            (record.resource ? `; ${record.resource} stays reserved until it stops` : ''),
          { deadline_ms: limit },
        );
        record.abort.abort(error);
        reject(error);
      }, limit);
    });
    try {
      return await Promise.race([run, expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Serialises a result after checking it is JSON-safe and matches the declared schema. */
  private encodeResult(name: string, method: ServedMethod, result: unknown): SplicedJson {
    const bad = findNonJson(result);
    if (bad) {
      throw new WorkerError('INTERNAL', `${name} produced a value JSON cannot carry: ${bad}`);
    }
    const checked = method.spec.result.safeParse(result);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      throw new WorkerError(
        'INTERNAL',
        `${name} produced a result that does not match its declared schema: ` +
          `result.${issue.path.join('.')}: ${issue.message}`,
      );
    }
    return SplicedJson.of(checked.data);
  }

  private classify(err: unknown, record: OperationRecord, request: RequestEnvelope): WireError {
    if (err instanceof WorkerError) return err.toWire();
    if (record.abort.aborted && record.abort.reason instanceof WorkerError) {
      return record.abort.reason.toWire();
    }
    this.options.log.error(`${request.method} failed with an unexpected error`, {
      id: request.id,
      error: stackOf(err),
    });
    return toWireError(err);
  }

  private fail(
    request: RequestEnvelope,
    method: ServedMethod,
    resource: string | null,
    error: WireError,
    arrivedAt: number,
    startedAt: number,
  ): string {
    if (method.spec.resource !== null) {
      this.audit(request, method, resource, arrivedAt, startedAt, error);
    }
    return this.encodeError(errorReply(request.id, error));
  }

  private audit(
    request: RequestEnvelope,
    method: ServedMethod,
    resource: string | null,
    arrivedAt: number,
    startedAt: number,
    error?: WireError,
    resultJson?: SplicedJson,
    ran?: Ran,
  ): void {
    const audit = this.options.audit;
    if (!audit || method.spec.resource === null) return;
    const write = ran?.write;
    const now = performance.now();
    const device = deviceOf(method, request.params);
    const base = {
      time: new Date().toISOString(),
      id: request.id,
      method: request.method,
      resource,
      ...(device ? { device } : {}),
      params: request.params,
      queued_ms: round(startedAt - arrivedAt),
      duration_ms: round(now - startedAt),
    };
    if (error) {
      this.writeAudit({ ...base, outcome: 'error', code: error.code, error: error.message });
    } else {
      // A result too large for the line keeps the files it names: what a supervisor opens.
      const paths =
        resultJson && resultJson.length > INLINE_RESULT_BYTES ? pathsOf(ran?.result) : undefined;
      this.writeAudit(
        {
          ...base,
          outcome: 'ok',
          ...(write ? { write } : {}),
          ...(paths ? { result_paths: paths } : {}),
        },
        resultJson,
      );
    }
  }

  private writeAudit(
    record: Omit<AuditRecord, 'result' | 'result_bytes'>,
    resultJson?: SplicedJson,
  ): void {
    const audit = this.options.audit;
    if (!audit) return;
    try {
      audit.write(record, resultJson);
    } catch (err) {
      // A full disk must not take the instrument down with it, but it must be loud.
      this.options.log.error('audit log write failed', { path: audit.path, error: String(err) });
    }
  }

  private encodeError(reply: ErrorReply): string {
    this.stats.errors[reply.code] = (this.stats.errors[reply.code] ?? 0) + 1;
    return JSON.stringify(reply);
  }

  private reusedId(request: RequestEnvelope): string {
    return this.encodeError(
      errorReply(request.id, {
        code: 'BAD_ENVELOPE',
        message:
          `request id ${request.id} was already used for a different request; ` +
          'use a new id (a UUID) for every request and the same id only to retry it',
      }),
    );
  }

  private unknownMethod(name: string): WireError {
    const names = this.options.table.names();
    return {
      code: 'UNKNOWN_METHOD',
      message: `unknown method "${name}"; this worker serves: ${names.join(', ')}`,
      data: { method: name },
    };
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** The `*_path` strings of a result and of its fields' fields (acquire_image's image_info). */
function pathsOf(result: unknown): Record<string, string> | undefined {
  if (result === null || typeof result !== 'object' || Array.isArray(result)) return undefined;
  const paths: Record<string, string> = {};
  for (const [key, value] of Object.entries(result)) {
    if (typeof value === 'string' && key.endsWith('_path')) paths[key] = value;
    else if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [inner, v] of Object.entries(value)) {
        if (typeof v === 'string' && inner.endsWith('_path')) paths[`${key}.${inner}`] = v;
      }
    }
  }
  return Object.keys(paths).length ? paths : undefined;
}

/** The device a call acts on, for the audit line; never throws (params may be invalid). */
function deviceOf(method: ServedMethod, params: Record<string, unknown>): string | undefined {
  try {
    return method.target?.device?.(params)?.name;
  } catch {
    return undefined;
  }
}

function stackOf(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
