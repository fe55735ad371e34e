import { v4 as uuidv4 } from 'uuid';
import {
  DescribeResultSchema,
  WorkerError,
  coreMethods,
  deadlineMs,
  decodeReply,
  describeMethod,
  encodeRequest,
  errorReply,
  markPlainParsed,
  reachableEventsEndpoint,
  schemaDefaults,
  type CurveClientKeys,
  type DescribeResult,
  type HeartbeatEvent,
  type LabrelayCatalog,
  type Logger,
  type MethodDescription,
  type MethodName,
  type ParamsOf,
  type ProgressEvent,
  type ReplyEnvelope,
  type ResultOf,
  type WireError,
  type WorkerEvent,
} from '../../protocol/index.js';
import type { Request as ZmqRequest } from 'zeromq';
import { EventsSubscriber } from './events-subscriber.js';
import { SocketPool } from './socket-pool.js';

/** How to reach a worker and how patient to be. */
export interface WorkerClientOptions {
  /** The worker's request endpoint, e.g. tcp://127.0.0.1:5555. */
  endpoint: string;
  log?: Logger;
  /** Most sockets open at once, i.e. most calls in flight. */
  maxSockets?: number;
  /** Extra attempts for methods the catalog marks idempotent. */
  idempotentRetries?: number;
  /** Added to the method's deadline and queue timeout before giving up. */
  slackMs?: number;
  /** Timeout for a method `describe` has not told us about. */
  defaultTimeoutMs?: number;
  /** Subscribe to the worker's events (progress, heartbeats). */
  events?: boolean;
  /** CURVE keys, for a worker that requires them (any worker bound beyond loopback). */
  curve?: CurveClientKeys;
  /** How the worker is named in errors, e.g. `worker "tango"`; default "the worker". */
  label?: string;
}

/** Per-call options. */
export interface RequestOptions {
  /** Request id; a new UUID by default. Reuse an id only to retry the same request. */
  id?: string;
  /** Overrides the timeout computed from the method's deadline. */
  timeoutMs?: number;
  /** Overrides the catalog's idempotent flag (which decides whether a timeout is retried). */
  idempotent?: boolean;
  /** Aborting it abandons the call and asks the worker to cancel the operation. */
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
}

type Exchange =
  | { kind: 'reply'; reply: ReplyEnvelope }
  | { kind: 'timeout' }
  | { kind: 'interrupted'; error: WireError };

const SILENT: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * A client of one worker, for the MCP frontend, the launcher and bench scripts alike. Calls run
 * concurrently, each on its own pooled REQ socket. A call that gets no reply in time follows
 * Lazy Pirate (zguide ch. 4): the socket is closed and, only for idempotent methods, the request
 * is resent under the same id, which the worker's reply cache answers without running it twice.
 * Failures of the client itself come back as error replies: TIMEOUT with outcome "unknown",
 * UNAVAILABLE while the worker is known to be down, CANCELLED after an abort.
 */
export class WorkerClient {
  readonly endpoint: string;
  private readonly log: Logger;
  private readonly pool: SocketPool;
  private readonly retries: number;
  private readonly slackMs: number;
  private readonly defaultTimeoutMs: number;
  private readonly events?: EventsSubscriber;
  private readonly interrupters = new Set<(error: WireError) => void>();
  private readonly catalogListeners = new Set<(describe: DescribeResult) => void>();
  private readonly heartbeatListeners = new Set<(event: HeartbeatEvent) => void>();
  private readonly label: string;
  private methods = new Map<string, MethodDescription>();
  private current?: DescribeResult;
  private down?: string;
  private refreshing?: Promise<unknown>;
  private closed = false;

  constructor(options: WorkerClientOptions) {
    this.endpoint = options.endpoint;
    this.log = options.log ?? SILENT;
    this.label = options.label ?? 'the worker';
    this.pool = new SocketPool(options.endpoint, options.maxSockets ?? 256, 64, options.curve);
    this.retries = options.idempotentRetries ?? 2;
    this.slackMs = options.slackMs ?? 2000;
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? 30_000;
    for (const [name, spec] of Object.entries(coreMethods)) {
      this.methods.set(name, describeMethod(name, spec));
    }
    if (options.events !== false) {
      this.events = new EventsSubscriber(
        this.log,
        (hb) => {
          for (const listener of this.heartbeatListeners) listener(hb);
          if (
            hb.boot_id !== this.current?.worker.boot_id ||
            hb.catalog_hash !== this.current?.catalog_hash
          ) {
            this.refresh();
          }
        },
        (hash) => hash !== this.current?.catalog_hash && this.refresh(),
        options.curve,
      );
    }
  }

  /** The last `describe` result, if any. */
  get described(): DescribeResult | undefined {
    return this.current;
  }

  /** Calls `describe`, remembers the methods and connects to the events endpoint. */
  async describe(options: RequestOptions = {}): Promise<DescribeResult> {
    const reply = await this.request('describe', {}, options);
    if (reply.status === 'error') throw new WorkerError(reply.code, reply.error, reply.data);
    const described = DescribeResultSchema.parse(reply.result);
    const changed = described.catalog_hash !== this.current?.catalog_hash;
    if (this.current && described.worker.boot_id !== this.current.worker.boot_id) {
      this.log.info('the worker restarted', { boot_id: described.worker.boot_id });
    }
    this.current = described;
    this.methods = new Map(described.methods.map((m) => [m.name, m]));
    this.events?.connect(reachableEventsEndpoint(described.events_endpoint, this.endpoint));
    if (changed) for (const listener of this.catalogListeners) listener(described);
    return described;
  }

  /** Keeps calling `describe` until the worker answers; logs while it waits. */
  async waitForWorker(
    options: { signal?: AbortSignal; attemptTimeoutMs?: number } = {},
  ): Promise<DescribeResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.describe({
          timeoutMs: options.attemptTimeoutMs ?? 1000,
          signal: options.signal,
        });
      } catch (err) {
        if (options.signal?.aborted || this.closed) throw err;
        if (attempt === 1 || attempt % 10 === 0) {
          this.log.info(`waiting for the worker at ${this.endpoint}`, {
            attempt,
            last: (err as Error).message,
          });
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  /** Called with the new description whenever the worker's methods change. */
  onCatalogChange(listener: (describe: DescribeResult) => void): () => void {
    this.catalogListeners.add(listener);
    return () => this.catalogListeners.delete(listener);
  }

  /** Called with every heartbeat the worker publishes (about once a second). */
  onHeartbeat(listener: (event: HeartbeatEvent) => void): () => void {
    this.heartbeatListeners.add(listener);
    return () => this.heartbeatListeners.delete(listener);
  }

  /** Told of the worker's audit lines, approvals and lab state as they are published. */
  onEvent(listener: (event: WorkerEvent) => void): () => void {
    return this.events?.onEvent(listener) ?? (() => {});
  }

  /** Why calls fail fast now, or undefined while the worker is thought to be up. */
  get downReason(): string | undefined {
    return this.down;
  }

  /**
   * The worker is known or thought to be down: new calls fail fast until {@link markUp}. When it
   * is known (the launcher saw the process exit), calls in flight also end at once with
   * UNAVAILABLE and outcome unknown; when it only fell silent, they run on to their own
   * deadlines, since a worker that was merely slow to send a heartbeat may still answer them.
   */
  markDown(reason: string, options: { interruptCalls?: boolean } = {}): void {
    this.down = reason;
    if (options.interruptCalls === false) return;
    const error: WireError = {
      code: 'UNAVAILABLE',
      message: `${this.label} stopped while this call was running (${reason}); its outcome is unknown`,
      data: { outcome: 'unknown' },
    };
    for (const interrupt of [...this.interrupters]) interrupt(error);
  }

  /** The worker is back; re-reads its methods. */
  markUp(): void {
    this.down = undefined;
    this.refresh();
  }

  /** Sends one request and resolves with its reply (or the client's own error reply). Never rejects. */
  async request(
    method: string,
    params: Record<string, unknown> = {},
    options: RequestOptions = {},
  ): Promise<ReplyEnvelope> {
    const id = options.id ?? uuidv4();
    const info = this.methods.get(method);
    const timeoutMs = options.timeoutMs ?? this.timeoutFor(info, params);
    const idempotent = options.idempotent ?? info?.annotations.idempotentHint ?? false;
    const attempts = idempotent ? 1 + this.retries : 1;
    const text = encodeRequest({ id, method, params });
    // The reply can overtake the last progress steps (events travel on another socket): once
    // some progress came, the reply waits for progress_end, which follows the last step.
    let progressed = false;
    let ended = () => {};
    const end = new Promise<void>((resolve) => (ended = resolve));
    const onProgress = options.onProgress;
    const unsubscribe = onProgress
      ? this.events?.onProgress(
          id,
          (event) => {
            progressed = true;
            onProgress(event);
          },
          () => ended(),
        )
      : undefined;
    const lastSteps = async () => {
      if (progressed) await raceTimeout(end, PROGRESS_END_WAIT_MS);
    };
    try {
      for (let attempt = 1; attempt <= attempts; attempt++) {
        if (this.closed)
          return errorReply(id, { code: 'UNAVAILABLE', message: 'the worker client is closed' });
        if (this.down !== undefined) {
          return errorReply(id, {
            code: 'UNAVAILABLE',
            message: `${this.label} is unavailable (${this.down}); ${method} was not sent — try again once it is back`,
          });
        }
        const outcome = await this.exchange(id, text, timeoutMs, options.signal);
        if (outcome.kind === 'reply') {
          await lastSteps();
          return outcome.reply;
        }
        if (outcome.kind === 'interrupted') {
          if (outcome.error.code === 'CANCELLED') void this.sendCancel(id);
          return errorReply(id, outcome.error);
        }
        this.log.warn(`no reply from the worker within ${timeoutMs} ms`, {
          method,
          id,
          attempt,
          attempts,
        });
      }
      void this.sendCancel(id);
      return errorReply(id, {
        code: 'TIMEOUT',
        message:
          `the worker did not answer ${method} within ${timeoutMs} ms` +
          (attempts > 1
            ? ` (${attempts} attempts)`
            : ' and it was not retried because it is not idempotent') +
          '; its outcome is unknown',
        data: { outcome: 'unknown', timeout_ms: timeoutMs },
      });
    } finally {
      unsubscribe?.();
    }
  }

  /** Typed call of a method of labrelay's catalog; throws a WorkerError on an error reply. */
  async call<M extends MethodName>(
    method: M,
    params: ParamsOf<LabrelayCatalog, M>,
    options?: RequestOptions,
  ): Promise<ResultOf<LabrelayCatalog, M>> {
    const reply = await this.request(method, params as Record<string, unknown>, options);
    if (reply.status === 'error') throw new WorkerError(reply.code, reply.error, reply.data);
    return reply.result as ResultOf<LabrelayCatalog, M>;
  }

  close(): void {
    this.closed = true;
    for (const interrupt of [...this.interrupters]) {
      interrupt({ code: 'UNAVAILABLE', message: 'the worker client was closed during the call' });
    }
    this.pool.close();
    this.events?.close();
  }

  /** Queue wait (for methods on a resource) plus the method's deadline plus slack. */
  private timeoutFor(info: MethodDescription | undefined, params: Record<string, unknown>): number {
    if (!info) return this.defaultTimeoutMs;
    const queue = info.resource === null ? 0 : (this.current?.queue_timeout_ms ?? 0);
    // A write may wait for a person's approval first (the worker's policy): that wait is part
    // of its deadline, not a sign the worker is gone.
    const approval =
      info.resource === null || info.annotations.readOnlyHint
        ? 0
        : (this.current?.approval_timeout_ms ?? 0);
    return (
      queue +
      approval +
      deadlineMs(info.deadline, params, schemaDefaults(info.inputSchema)) +
      this.slackMs
    );
  }

  private exchange(
    id: string,
    text: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<Exchange> {
    if (signal?.aborted) return Promise.resolve({ kind: 'interrupted', error: cancelledError(id) });
    // With an idle socket the request leaves at once, in the same tick as the tool call: an
    // await here would queue the send behind the HTTP response set-up the SDK does meanwhile.
    const idle = this.pool.tryAcquire();
    if (idle) return this.exchangeOn(idle, id, text, timeoutMs, signal);
    return this.pool
      .acquire()
      .then((socket) => this.exchangeOn(socket, id, text, timeoutMs, signal));
  }

  private exchangeOn(
    socket: ZmqRequest,
    id: string,
    text: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<Exchange> {
    return new Promise<Exchange>((resolve) => {
      let done = false;
      const finish = (outcome: Exchange) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.interrupters.delete(interrupt);
        if (outcome.kind === 'reply') this.pool.release(socket);
        // Closing the socket also ends its pending receive (Lazy Pirate: never reuse it).
        else this.pool.discard(socket);
        resolve(outcome);
      };
      const interrupt = (error: WireError) => finish({ kind: 'interrupted', error });
      const onAbort = () => interrupt(cancelledError(id));
      const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.interrupters.add(interrupt);
      void (async () => {
        try {
          await socket.send(text);
          const [frame] = await socket.receive();
          const reply = decodeReply(frame);
          // A payload passes on to the MCP client as it came: spliced, not escaped again.
          if (reply.status === 'ok') markPlainParsed(frame, reply.result);
          if (reply.id !== id) {
            interrupt({
              code: 'INTERNAL',
              message: `reply for request ${reply.id} arrived for ${id}`,
            });
          } else {
            finish({ kind: 'reply', reply });
          }
        } catch (err) {
          if (!done)
            interrupt({
              code: 'UNAVAILABLE',
              message: `worker connection failed: ${(err as Error).message}`,
            });
        }
      })();
    });
  }

  private async sendCancel(id: string): Promise<void> {
    if (this.closed || this.down !== undefined) return;
    await this.request('cancel', { id }, { timeoutMs: 2000, idempotent: false });
  }

  private refresh(): void {
    if (this.refreshing || this.closed || this.down !== undefined) return;
    this.refreshing = this.describe({ timeoutMs: 5000 })
      .catch((err) => this.log.warn('could not re-read the worker methods', { error: String(err) }))
      .finally(() => (this.refreshing = undefined));
  }
}

function cancelledError(id: string): WireError {
  return { code: 'CANCELLED', message: `request ${id} was cancelled by the client` };
}

/**
 * Longest wait for progress_end after a reply. It normally comes within a millisecond; a worker
 * that never sends it (an older one) or a dropped event must not hold a reply up for long.
 */
const PROGRESS_END_WAIT_MS = 1000;

function raceTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
  ]).finally(() => clearTimeout(timer));
}
